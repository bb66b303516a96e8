// Command prefect-deploy deploys Prefect flows from a repository and promotes them between
// environments. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/prefect-flow-deploy/prefect-deploy-action/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], cli.Env{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv})
	stop()
	os.Exit(code)
}
