package cli

import (
	"context"
	"errors"

	"github.com/prefect-flow-deploy/prefect-deploy-action/config"
	"github.com/prefect-flow-deploy/prefect-deploy-action/deploy"
)

func runGitHubAction(ctx context.Context, env Env) error {
	return errors.New("github-action: not wired yet")
}

func prefectYAMLTargets(f *deployFlags, cfg *config.File, meta deploy.Meta, env Env) ([]deploy.Target, error) {
	return nil, errors.New("prefect.yaml: not wired yet")
}
