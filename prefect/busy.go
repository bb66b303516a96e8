package prefect

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"
)

// busyKey marks a context under which the caller paces its own retries of busy answers.
type busyKey struct{}

// WithoutBusyRetries returns a context under which the client hands an answer refusing a
// request for load (429, 503) straight back as an *APIError, with the server's Retry-After,
// instead of sleeping and retrying it: for a caller that paces its requests itself, such as
// the deploy writer's adaptive concurrency. Other failures are retried as usual.
func WithoutBusyRetries(ctx context.Context) context.Context {
	return context.WithValue(ctx, busyKey{}, true)
}

// busyReturned reports whether ctx asks for busy answers to be handed back at once.
func busyReturned(ctx context.Context, status int) bool {
	return (status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable) && ctx.Value(busyKey{}) != nil
}

// IsBusy reports whether err is the server refusing a request for load: 429 (rate limited),
// 503 (a SQLite-backed server's "database is locked" and similar) or a lock error in any answer.
func IsBusy(err error) bool {
	var e *APIError
	if !errors.As(err, &e) {
		return false
	}
	return e.StatusCode == http.StatusTooManyRequests || e.StatusCode == http.StatusServiceUnavailable ||
		strings.Contains(e.Detail, "database is locked")
}

// RetryAfter is how long the server asked to wait before trying again (its Retry-After
// header), when err is an answer that carried one; 0 otherwise.
func RetryAfter(err error) time.Duration {
	var e *APIError
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}
