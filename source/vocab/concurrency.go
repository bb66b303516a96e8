package vocab

import (
	"slices"

	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
)

// Collision strategies: what happens to runs beyond a deployment's concurrency limit.
const (
	// CollisionEnqueue queues runs that exceed the limit.
	CollisionEnqueue = "ENQUEUE"
	// CollisionCancelNew cancels runs that exceed the limit.
	CollisionCancelNew = "CANCEL_NEW"
)

// CollisionStrategies are the strategies Prefect knows, in the order messages list them.
var CollisionStrategies = []string{CollisionEnqueue, CollisionCancelNew}

// The range Prefect accepts for a concurrency limit's grace_period_seconds.
const (
	MinGracePeriod = 60
	MaxGracePeriod = 86400
)

// Concurrency limits concurrent runs of a deployment.
type Concurrency struct {
	// Limit is at least 1.
	Limit int `json:"limit"`
	// CollisionStrategy is "", CollisionEnqueue or CollisionCancelNew.
	CollisionStrategy string `json:"collision_strategy,omitempty"`
	// GracePeriodSeconds is nil or in MinGracePeriod..MaxGracePeriod.
	GracePeriodSeconds *int `json:"grace_period_seconds,omitempty"`
}

// IsCollisionStrategy reports whether s is a strategy Prefect knows.
func IsCollisionStrategy(s string) bool { return slices.Contains(CollisionStrategies, s) }

// GoodGracePeriod reports whether Prefect accepts g seconds as a grace period.
func GoodGracePeriod(g int) bool { return g >= MinGracePeriod && g <= MaxGracePeriod }

// API converts c into Prefect's concurrency_limit and concurrency_options (nil options
// without a collision strategy).
func (c Concurrency) API() (*int, *prefect.ConcurrencyOptions) {
	n := c.Limit
	if c.CollisionStrategy == "" {
		return &n, nil
	}
	return &n, &prefect.ConcurrencyOptions{CollisionStrategy: c.CollisionStrategy, GracePeriodSeconds: c.GracePeriodSeconds}
}

// Clone returns a copy of c sharing no memory with it.
func (c Concurrency) Clone() Concurrency {
	c.GracePeriodSeconds = clonePtr(c.GracePeriodSeconds)
	return c
}
