// Package ghaction is the GitHub Actions face of prefect-deploy. It decides three things:
//
//   - which CLI arguments a run of the composite action stands for: the action's inputs,
//     validated one by one, with the project, branch, commit and versions that the workflow's
//     event implies filled in where the user left them out (ContextDefaults, Args);
//   - how the outcome is shown on GitHub: step outputs, a Markdown job summary, log groups and
//     error annotations within GitHub's per-step budget, with secrets masked and never printed
//     (Mask, Publish, Group);
//   - what a run records in the repository's Deployments API (RecordDeployments).
//
// Inputs are read from INPUT_<UPPER_SNAKE> variables because composite actions get no INPUT_*
// variables from the runner: action.yml maps every input into the step's env by hand.
package ghaction
