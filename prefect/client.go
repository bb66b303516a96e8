package prefect

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Version is reported in the client's User-Agent.
var Version = "dev"

// DefaultUserAgent is the User-Agent sent by a client of the given program version when
// Config.UserAgent is empty.
func DefaultUserAgent(version string) string {
	return "prefect-deploy-action/" + version + " (API " + apiVersion + ")"
}

// apiVersion is the Prefect API version header value every 2.14–3.x server accepts.
const apiVersion = "0.8.4"

// Client talks to one Prefect API. It is safe for concurrent use.
type Client struct {
	cfg     Config
	base    string
	http    *http.Client
	auth    string
	retries int
	delay   time.Duration

	csrfMu      sync.Mutex
	csrfChecked bool
	csrfToken   string
	csrfClient  string
	csrfExpires time.Time

	reads, writes atomic.Int64

	serverMu    sync.Mutex
	serverKnown bool
	server      ServerInfo

	// sleep waits between retries; replaced in tests.
	sleep func(ctx context.Context, d time.Duration) error
}

// New returns a Client for cfg. It validates the URL and TLS settings but makes no request.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.APIURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%s %q is not an http(s) URL", EnvAPIURL, redactURL(cfg.APIURL))
	}
	if u.User != nil {
		return nil, fmt.Errorf("%s must not carry credentials; use %s or %s", EnvAPIURL, EnvAPIKey, EnvAuthString)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.CACertFile != "" {
		pem, err := os.ReadFile(cfg.CACertFile)
		if err != nil {
			return nil, fmt.Errorf("failed to read CA bundle %q (%s): %w", cfg.CACertFile, EnvSSLCertFile, err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CA bundle %q (%s) holds no PEM certificate", cfg.CACertFile, EnvSSLCertFile)
		}
		tlsCfg.RootCAs = pool
	}
	if cfg.InsecureSkipVerify {
		tlsCfg.InsecureSkipVerify = true // #nosec G402 -- explicit user opt-in via PREFECT_API_TLS_INSECURE_SKIP_VERIFY
	}
	tr.TLSClientConfig = tlsCfg
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = 60 * time.Second
	}
	c := &Client{
		cfg:     cfg,
		base:    strings.TrimRight(cfg.APIURL, "/"),
		http:    &http.Client{Transport: tr, Timeout: timeout},
		retries: cfg.MaxRetries,
		delay:   cfg.RetryBaseDelay,
		sleep:   Sleep,
	}
	if c.retries == 0 {
		c.retries = 5
	} else if c.retries < 0 {
		c.retries = 0
	}
	if c.delay == 0 {
		c.delay = time.Second
	}
	switch {
	case cfg.AuthString != "":
		c.auth = "Basic " + base64.StdEncoding.EncodeToString([]byte(cfg.AuthString))
	case cfg.APIKey != "":
		c.auth = "Bearer " + cfg.APIKey
	}
	return c, nil
}

// Config returns the settings the client was built with.
func (c *Client) Config() Config { return c.cfg }

// Requests returns how many read (GET, and POST to filter/count endpoints) and write requests the
// client has sent, retries included.
func (c *Client) Requests() (reads, writes int64) { return c.reads.Load(), c.writes.Load() }

// UIURL returns the Prefect UI link for a path such as "deployments/deployment/<id>".
func (c *Client) UIURL(path string) string {
	return c.cfg.uiBase() + "/" + strings.TrimLeft(path, "/")
}

// DeploymentURL returns the Prefect UI link of a deployment.
func (c *Client) DeploymentURL(id string) string { return c.UIURL("deployments/deployment/" + id) }

// FlowRunURL returns the Prefect UI link of a flow run.
func (c *Client) FlowRunURL(id string) string { return c.UIURL("runs/flow-run/" + id) }

// APIError is an answer from the server that was not a success.
type APIError struct {
	// Op says what the client was doing, e.g. `read deployment "etl/prod"`.
	Op string
	// Method and Path identify the request (the path is relative to the API base).
	Method, Path string
	// StatusCode is the HTTP status.
	StatusCode int
	// Detail is the server's own message.
	Detail string
	// RetryAfter is the wait the server asked for (Retry-After), if any.
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	msg := fmt.Sprintf("failed to %s: %s %s: HTTP %d", e.Op, e.Method, e.Path, e.StatusCode)
	switch e.StatusCode {
	case http.StatusUnauthorized:
		return msg + ": the Prefect server refused the credentials; check " + EnvAPIKey + " (Prefect Cloud) or " + EnvAuthString + " (self-hosted basic auth)"
	case http.StatusForbidden:
		if e.Detail == "" {
			return msg + ": forbidden; the credentials lack permission for this call"
		}
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// IsNotFound reports whether err is a 404 answer from the server.
func IsNotFound(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.StatusCode == http.StatusNotFound
}

// request describes one API call.
type request struct {
	op     string
	method string
	path   string
	query  url.Values
	body   any
	read   bool // a POST that only reads (filter, count)
	// idempotent marks a write that may be repeated safely (create-or-get, upsert).
	idempotent bool
	// lookup, for a write that is not idempotent (it creates something), finds what the write
	// would have made on the server, filling out. It runs when an attempt failed in a way that
	// leaves open whether the server applied it (connection lost or timeout after sending, a
	// gateway error, an unreadable success); found means the write did happen and is not
	// repeated. A non-idempotent write without lookup is not repeated after such a failure.
	lookup func(ctx context.Context, out any) (found bool, err error)
	// goneOK makes a 404 a success when an earlier attempt may have applied the write (a
	// delete whose answer was lost).
	goneOK bool
}

// errNotSent marks a failure before the request left the client (e.g. fetching a CSRF token).
type errNotSent struct{ err error }

func (e errNotSent) Error() string { return e.err.Error() }
func (e errNotSent) Unwrap() error { return e.err }

// mayHaveApplied reports whether a transport error leaves open whether the server received the
// request: anything but a failure to connect or to build it.
func mayHaveApplied(err error) bool {
	var ns errNotSent
	if errors.As(err, &ns) || errors.Is(err, syscall.ECONNREFUSED) {
		return false
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "dial" {
		return false
	}
	var de *net.DNSError
	return !errors.As(err, &de)
}

// ErrOutcomeUnknown is wrapped by the error of a write that is not repeated because the server
// may already have applied it and there is no way to check.
var ErrOutcomeUnknown = errors.New("the server may or may not have applied it")

// do sends req with retries and decodes a JSON answer into out (when out is not nil). It returns
// the final HTTP status.
func (c *Client) do(ctx context.Context, req request, out any) (int, error) {
	var payload []byte
	if req.body != nil {
		var err error
		payload, err = json.Marshal(req.body)
		if err != nil {
			return 0, fmt.Errorf("failed to %s: encode request: %w", req.op, err)
		}
	}
	mutating := req.method != http.MethodGet && !req.read
	csrfRetried := false
	// maybeApplied is set once an attempt may have reached the server without our learning
	// the outcome.
	maybeApplied := false
	// createPending is set once a create's lookup found nothing after an unknown outcome: the
	// server may still be applying that attempt, so a conflict on the retry is read again.
	createPending := false
	// settle decides, after an attempt whose outcome is unknown, whether to try again: a write
	// that is safe to repeat is repeated; a create first reads what the server now holds.
	settle := func(cause error) (done bool, status int, err error) {
		if !mutating || req.idempotent {
			maybeApplied = true
			return false, 0, nil
		}
		if req.lookup == nil {
			return true, 0, fmt.Errorf("failed to %s: %s %s: %w, so it is not repeated: %w", req.op, req.method, req.path, scrub(cause, c), ErrOutcomeUnknown)
		}
		found, lerr := req.lookup(ctx, out)
		if lerr != nil {
			return true, 0, fmt.Errorf("failed to %s: the answer was lost (%w) and reading what the server holds failed: %w", req.op, scrub(cause, c), lerr)
		}
		if found {
			return true, http.StatusOK, nil
		}
		createPending = true
		return false, 0, nil
	}
	for attempt := 0; ; attempt++ {
		resp, err := c.send(ctx, req, payload, mutating)
		if err != nil {
			if ctx.Err() != nil {
				return 0, fmt.Errorf("failed to %s: %w", req.op, ctx.Err())
			}
			if attempt < c.retries && retryableErr(err) {
				if mutating && mayHaveApplied(err) {
					if done, status, serr := settle(err); done {
						return status, serr
					}
				}
				if serr := c.sleep(ctx, c.backoff(attempt, 0)); serr != nil {
					return 0, fmt.Errorf("failed to %s: %w", req.op, serr)
				}
				continue
			}
			return 0, fmt.Errorf("failed to %s: %s %s: %w", req.op, req.method, req.path, scrub(err, c))
		}
		body, rerr := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
		resp.Body.Close()
		if rerr != nil {
			if attempt < c.retries {
				if mutating && resp.StatusCode < 300 {
					if done, status, serr := settle(rerr); done {
						return status, serr
					}
				}
				if serr := c.sleep(ctx, c.backoff(attempt, 0)); serr != nil {
					return 0, fmt.Errorf("failed to %s: %w", req.op, serr)
				}
				continue
			}
			return resp.StatusCode, fmt.Errorf("failed to %s: reading the answer: %w", req.op, rerr)
		}
		if resp.StatusCode == http.StatusForbidden && mutating && !csrfRetried && strings.Contains(string(body), "CSRF token") {
			csrfRetried = true
			c.resetCSRF()
			continue
		}
		if retryableStatus(resp.StatusCode) && attempt < c.retries && !busyReturned(ctx, resp.StatusCode) {
			// A gateway's 502 may come after the server applied the write.
			if mutating && resp.StatusCode == http.StatusBadGateway {
				if done, status, serr := settle(&APIError{Op: req.op, Method: req.method, Path: req.path, StatusCode: resp.StatusCode, Detail: detail(body)}); done {
					return status, serr
				}
			}
			if serr := c.sleep(ctx, c.backoff(attempt, retryAfter(resp.Header.Get("Retry-After")))); serr != nil {
				return 0, fmt.Errorf("failed to %s: %w", req.op, serr)
			}
			continue
		}
		if resp.StatusCode == http.StatusConflict && createPending {
			// The attempt whose answer was lost landed after the lookup: it is ours.
			if found, lerr := req.lookup(ctx, out); lerr == nil && found {
				return http.StatusOK, nil
			}
		}
		if resp.StatusCode == http.StatusNotFound && req.goneOK && maybeApplied {
			return http.StatusNoContent, nil // an earlier attempt deleted it
		}
		if resp.StatusCode >= 300 {
			return resp.StatusCode, &APIError{Op: req.op, Method: req.method, Path: req.path, StatusCode: resp.StatusCode, Detail: detail(body),
				RetryAfter: retryAfter(resp.Header.Get("Retry-After"))}
		}
		if out != nil && len(bytes.TrimSpace(body)) > 0 {
			if err := json.Unmarshal(body, out); err != nil {
				return resp.StatusCode, fmt.Errorf("failed to %s: the server's answer is not the JSON expected: %w", req.op, err)
			}
		}
		return resp.StatusCode, nil
	}
}

func (c *Client) send(ctx context.Context, req request, payload []byte, mutating bool) (*http.Response, error) {
	u := c.base + req.path
	if len(req.query) > 0 {
		u += "?" + req.query.Encode()
	}
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload) // a bytes.Reader gives the request a Content-Length
	}
	hr, err := http.NewRequestWithContext(ctx, req.method, u, body)
	if err != nil {
		return nil, err
	}
	if payload != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	hr.Header.Set("Accept", "application/json")
	hr.Header.Set("X-Prefect-Api-Version", apiVersion)
	if c.auth != "" {
		hr.Header.Set("Authorization", c.auth)
	}
	for k, v := range c.cfg.Headers {
		hr.Header.Set(k, v)
	}
	ua := c.cfg.UserAgent
	if ua == "" {
		ua = DefaultUserAgent(Version)
	}
	hr.Header.Set("User-Agent", ua)
	if req.idempotent && !req.goneOK || req.read {
		// Marks the request as safe to replay, so Go's transport resends it by itself when a
		// kept-alive connection turns out closed; the header is not sent. (Not for a delete
		// whose replay could meet a 404: do must see that the first attempt was lost.)
		hr.Header["X-Idempotency-Key"] = nil
	}
	if mutating {
		if err := c.addCSRF(ctx, hr); err != nil {
			return nil, errNotSent{err}
		}
		c.writes.Add(1)
	} else {
		c.reads.Add(1)
	}
	return c.http.Do(hr)
}

// addCSRF adds CSRF headers when the server has CSRF protection on. The first mutating request
// asks the server for a token; a server that answers 404 or 422 has protection off.
func (c *Client) addCSRF(ctx context.Context, hr *http.Request) error {
	if c.cfg.CSRFDisabled || c.cfg.IsCloud() {
		return nil
	}
	c.csrfMu.Lock()
	defer c.csrfMu.Unlock()
	if c.csrfChecked && (c.csrfToken == "" || time.Now().Before(c.csrfExpires)) {
		if c.csrfToken != "" {
			hr.Header.Set("Prefect-Csrf-Token", c.csrfToken)
			hr.Header.Set("Prefect-Csrf-Client", c.csrfClient)
		}
		return nil
	}
	if c.csrfClient == "" {
		c.csrfClient = newUUID()
	}
	var tok struct {
		Token      string    `json:"token"`
		Expiration time.Time `json:"expiration"`
	}
	q := url.Values{"client": {c.csrfClient}}
	r, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/csrf-token?"+q.Encode(), nil)
	if err != nil {
		return err
	}
	if c.auth != "" {
		r.Header.Set("Authorization", c.auth)
	}
	for k, v := range c.cfg.Headers {
		r.Header.Set(k, v)
	}
	c.reads.Add(1)
	resp, err := c.http.Do(r)
	if err != nil {
		return fmt.Errorf("fetching a CSRF token: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusUnprocessableEntity:
		c.csrfChecked, c.csrfToken = true, "" // protection off (or a server without the endpoint)
		return nil
	case resp.StatusCode >= 300:
		return &APIError{Op: "fetch a CSRF token", Method: http.MethodGet, Path: "/csrf-token", StatusCode: resp.StatusCode, Detail: detail(b)}
	}
	if err := json.Unmarshal(b, &tok); err != nil || tok.Token == "" {
		return fmt.Errorf("fetching a CSRF token: unexpected answer")
	}
	c.csrfChecked, c.csrfToken = true, tok.Token
	c.csrfExpires = tok.Expiration.Add(-30 * time.Second)
	if tok.Expiration.IsZero() {
		c.csrfExpires = time.Now().Add(10 * time.Minute)
	}
	hr.Header.Set("Prefect-Csrf-Token", c.csrfToken)
	hr.Header.Set("Prefect-Csrf-Client", c.csrfClient)
	return nil
}

func (c *Client) resetCSRF() {
	c.csrfMu.Lock()
	c.csrfChecked, c.csrfToken = false, ""
	c.csrfMu.Unlock()
}

func retryableStatus(code int) bool {
	switch code {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable:
		return true
	}
	return false
}

// retryableErr reports whether a transport error is worth another attempt: dropped or refused
// connections, resets and timeouts. TLS and URL errors are not.
func retryableErr(err error) bool {
	var ae *APIError
	if errors.As(err, &ae) {
		return retryableStatus(ae.StatusCode)
	}
	var ce *tls.CertificateVerificationError
	if errors.As(err, &ce) {
		return false
	}
	var ue x509.UnknownAuthorityError
	if errors.As(err, &ue) {
		return false
	}
	if strings.Contains(err.Error(), "server closed idle connection") {
		return true
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	var oe *net.OpError
	return errors.As(err, &oe)
}

// backoff returns the delay before retry number attempt+1: base·2^attempt with ±20% jitter, and
// never less than the server's Retry-After.
func (c *Client) backoff(attempt int, minimum time.Duration) time.Duration {
	d := c.delay << attempt
	if d > 60*time.Second || d <= 0 {
		d = 60 * time.Second
	}
	j, err := rand.Int(rand.Reader, big.NewInt(401))
	if err == nil {
		d = time.Duration(float64(d) * (0.8 + float64(j.Int64())/1000))
	}
	if d < minimum {
		d = minimum + d/5
	}
	return d
}

// retryAfter parses a Retry-After header (seconds or an HTTP date), capped at five minutes.
func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	var d time.Duration
	if s, err := strconv.ParseFloat(v, 64); err == nil && s > 0 {
		d = time.Duration(s * float64(time.Second))
	} else if t, err := http.ParseTime(v); err == nil {
		d = time.Until(t)
	}
	if d > 5*time.Minute {
		d = 5 * time.Minute
	}
	if d < 0 {
		d = 0
	}
	return d
}

// Sleep waits d or until ctx ends, whichever comes first, and returns ctx.Err() in the latter case.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// detail extracts the server's own message from an error body. Validation errors list each
// field's problem; the echoed request body (which may hold secrets) is never included.
func detail(body []byte) string {
	var v struct {
		Detail           json.RawMessage `json:"detail"`
		ExceptionMessage string          `json:"exception_message"`
		ExceptionDetail  []struct {
			Loc []any  `json:"loc"`
			Msg string `json:"msg"`
		} `json:"exception_detail"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		s := strings.TrimSpace(string(body))
		if len(s) > 300 {
			s = s[:300] + "…"
		}
		return s
	}
	var parts []string
	if len(v.Detail) > 0 {
		var s string
		if json.Unmarshal(v.Detail, &s) == nil {
			parts = append(parts, s)
		} else {
			var list []struct {
				Loc []any  `json:"loc"`
				Msg string `json:"msg"`
			}
			if json.Unmarshal(v.Detail, &list) == nil {
				for _, d := range list {
					parts = append(parts, locString(d.Loc)+d.Msg)
				}
			} else {
				parts = append(parts, string(v.Detail))
			}
		}
	}
	if v.ExceptionMessage != "" && len(v.ExceptionDetail) == 0 {
		parts = append(parts, v.ExceptionMessage)
	}
	for _, d := range v.ExceptionDetail {
		parts = append(parts, locString(d.Loc)+d.Msg)
	}
	return strings.Join(parts, "; ")
}

func locString(loc []any) string {
	if len(loc) == 0 {
		return ""
	}
	var s []string
	for _, l := range loc {
		s = append(s, fmt.Sprint(l))
	}
	return strings.Join(s, ".") + ": "
}

// scrub removes credentials from a transport error's text, in case a proxy or URL echoed them.
func scrub(err error, c *Client) error {
	msg := err.Error()
	for _, secret := range []string{c.cfg.APIKey, c.cfg.AuthString} {
		if secret != "" && strings.Contains(msg, secret) {
			msg = strings.ReplaceAll(msg, secret, "***")
		}
	}
	if msg == err.Error() {
		return err
	}
	return errors.New(msg)
}

// RedactURL returns the URL s with any user information replaced by "***", for what is
// printed or written to a file.
func RedactURL(s string) string { return redactURL(s) }

func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	u.User = url.User("***")
	return u.String()
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
