package config

import "github.com/prefect-flow-deploy/prefect-deploy-action/source/fileerr"

// Error is one problem found in a config file, at a 1-based line and column; it prints as
// "file:line:col: message".
type Error = fileerr.Error

// Errors is every problem found in one config file, in file order. [Load] and [Parse] return
// all of them at once rather than stopping at the first.
type Errors = fileerr.Errors
