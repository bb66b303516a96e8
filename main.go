// Command prefect-deploy deploys Prefect flows from a repository and promotes them between
// environments. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/prefect-flow-deploy/prefect-deploy-action/cli"
)

// memoryLimit is the heap size past which the garbage collector works harder (a soft limit:
// GOMEMLIMIT overrides it). Without it, the heap of a run that analysed a large Python file
// grows to twice its working set before the collector runs.
const memoryLimit = 40 << 20

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], cli.Env{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv})
	stop()
	os.Exit(code)
}
