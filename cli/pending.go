package cli

import (
	"errors"

	"github.com/prefect-flow-deploy/prefect-deploy-action/config"
	"github.com/prefect-flow-deploy/prefect-deploy-action/deploy"
)

func prefectYAMLTargets(f *deployFlags, cfg *config.File, meta deploy.Meta, env Env) ([]deploy.Target, error) {
	return nil, errors.New("prefect.yaml: not wired yet")
}
