package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
)

// preflightTimeout bounds the first, unretried health check: a server that refuses the
// connection or a host name that does not resolve fails the run within it, instead of after
// the client's retries.
const preflightTimeout = 3 * time.Second

// preflight asks the server's health endpoint once, without retries, and turns the answers that
// retrying cannot fix into a message saying what to check: a refused connection, a host name
// that does not resolve, a 404 (an API URL without /api). Anything else (a slow or busy
// server) is left to the retrying health check that follows; healthy says the server answered.
func preflight(ctx context.Context, cfg prefect.Config) (healthy bool, err error) {
	quick := cfg
	quick.MaxRetries = -1
	quick.Timeout = preflightTimeout
	c, err := prefect.New(quick)
	if err != nil {
		return false, err
	}
	ctx, cancel := context.WithTimeout(ctx, preflightTimeout)
	defer cancel()
	err = c.Health(ctx)
	if err == nil {
		return true, nil
	}
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr):
		return false, fmt.Errorf("cannot reach the Prefect API at %s: host %q not found (DNS); check PREFECT_API_URL", cfg.APIURL, dnsErr.Name)
	case errors.Is(err, syscall.ECONNREFUSED):
		return false, fmt.Errorf("cannot reach the Prefect API at %s: connection refused; is the server running there? (check PREFECT_API_URL)", cfg.APIURL)
	case prefect.IsNotFound(err):
		u, perr := url.Parse(cfg.APIURL)
		if perr == nil && !strings.Contains(u.Path, "/api") {
			return false, fmt.Errorf("the server at %s answered 404 Not Found to GET /health: the URL probably lacks /api (try PREFECT_API_URL=%s/api)", cfg.APIURL, strings.TrimRight(cfg.APIURL, "/"))
		}
		return false, fmt.Errorf("the server at %s answered 404 Not Found to GET /health: is PREFECT_API_URL the Prefect API (for Prefect Cloud: https://api.prefect.cloud/api/accounts/ACCOUNT/workspaces/WORKSPACE)?", cfg.APIURL)
	}
	return false, nil
}
