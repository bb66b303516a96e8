package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/prefect-flow-deploy/prefect-deploy-action/deploy"
	"github.com/prefect-flow-deploy/prefect-deploy-action/pools"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
	"github.com/prefect-flow-deploy/prefect-deploy-action/report"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/config"
)

// plannedPools is the client with the work pools a dry run would create reading as existing.
type plannedPools struct {
	*prefect.Client
	read func(ctx context.Context, name string) (*prefect.WorkPool, error)
}

// ReadWorkPool reads a pool, or the one the run would create.
func (p plannedPools) ReadWorkPool(ctx context.Context, name string) (*prefect.WorkPool, error) {
	return p.read(ctx, name)
}

// ensurePools plans the config's work pools and queues and, unless dryRun, creates or updates
// them, recording each in rep.WorkPools. It returns the client the deployment plan should use:
// under dryRun, one on which the pools to be created already exist.
func ensurePools(ctx context.Context, c *prefect.Client, rep *report.Report, declared []config.WorkPool, dryRun bool, env Env) (deploy.API, error) {
	env.phase(fmt.Sprintf("Plan %s", report.Count(len(declared), "work pool")))
	steps, warnings, err := pools.Plan(ctx, c, declared)
	rep.Warnings = append(rep.Warnings, warnings...)
	if err != nil {
		return nil, err
	}
	if dryRun {
		rep.WorkPools = pools.Items(steps, true)
		return plannedPools{Client: c, read: pools.Exists(c, steps)}, nil
	}
	if w := env.phaseLog(); w != nil {
		(&report.Report{WorkPools: pools.Items(steps, true)}).WritePlan(w)
	}
	rep.WorkPools = pools.Apply(ctx, c, steps)
	var failed []string
	for _, it := range rep.WorkPools {
		if it.Action == report.Failed {
			failed = append(failed, it.Error)
		}
	}
	if len(failed) > 0 {
		return nil, errors.New(strings.Join(failed, "\n"))
	}
	return c, nil
}
