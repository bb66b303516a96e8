// Package actiontest holds the tests of the composite action (action.yml at the repository
// root) and of the workflows shipped with it; it has no code of its own.
//
// The tests decide that the action is safe to pin and to call: every input reaches the program
// (composite actions get no INPUT_* variables, so action.yml maps each one by hand), no `run:`
// interpolates an expression, every `uses:` is pinned to a full commit SHA, the prebuilt binary
// is used only when it matches the checksum committed beside action.yml, and the action really
// deploys and promotes when a workflow calls it. That last part runs the action with act
// (github.com/nektos/act, installed by scripts/install-tools.sh) against a live Prefect server,
// and is skipped under `go test -short`.
package actiontest
