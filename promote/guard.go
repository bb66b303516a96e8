package promote

import "github.com/prefect-flow-deploy/prefect-deploy-action/deploy"

// CheckDowngrade is the downgrade guard promote applies, for other commands that overwrite an
// environment (rollback): it returns why the planned step must not overwrite its deployment —
// the deployment is on a newer PACKAGE_VERSION than the step's, or the two cannot be compared —
// or "" when it may (always, with allow).
func CheckDowngrade(st *deploy.Step, allow bool) string { return checkDowngrade(st, allow) }
