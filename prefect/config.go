// Package prefect is a small client for the Prefect server REST API (self-hosted Prefect 3.x and
// Prefect Cloud). It covers what deploying and promoting flows needs: flows, deployments, work
// pools and queues, flow runs and deployment-owned automations.
//
// Connection settings are read the way Prefect's own client reads them (see ConfigFromEnv). The
// client retries 408, 429, 502 and 503 answers and dropped connections with jittered exponential
// backoff, honours Retry-After as a minimum, fetches CSRF tokens when a server asks for them, and
// never puts the API key or auth string into an error or log line.
package prefect

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config holds connection settings for a Client.
type Config struct {
	// APIURL is the API base, e.g. http://127.0.0.1:4200/api or
	// https://api.prefect.cloud/api/accounts/A/workspaces/W.
	APIURL string
	// APIKey is sent as a bearer token (Prefect Cloud).
	APIKey string
	// AuthString is "user:password" for a self-hosted server started with
	// PREFECT_SERVER_API_AUTH_STRING; it wins over APIKey, as in Prefect's client.
	AuthString string
	// UIURL is the base of the Prefect UI; derived from APIURL when empty.
	UIURL string
	// Headers are extra request headers (PREFECT_CLIENT_CUSTOM_HEADERS).
	Headers map[string]string
	// CACertFile is a PEM bundle of extra trusted certificate authorities.
	CACertFile string
	// InsecureSkipVerify turns TLS certificate verification off. Off by default.
	InsecureSkipVerify bool
	// Timeout bounds a single HTTP attempt. Zero means 60 s.
	Timeout time.Duration
	// MaxRetries is the number of retries after the first attempt. Negative means none;
	// zero means the default of 5.
	MaxRetries int
	// RetryBaseDelay is the first backoff delay (doubled each retry). Zero means 1 s.
	RetryBaseDelay time.Duration
	// CSRFDisabled stops the client from fetching CSRF tokens.
	CSRFDisabled bool
	// UserAgent overrides the default User-Agent.
	UserAgent string
}

// Environment variable names read by ConfigFromEnv.
const (
	EnvAPIURL          = "PREFECT_API_URL"
	EnvAPIKey          = "PREFECT_API_KEY"
	EnvAuthString      = "PREFECT_API_AUTH_STRING"
	EnvUIURL           = "PREFECT_UI_URL"
	EnvCustomHeaders   = "PREFECT_CLIENT_CUSTOM_HEADERS"
	EnvSSLCertFile     = "PREFECT_API_SSL_CERT_FILE"
	EnvInsecure        = "PREFECT_API_TLS_INSECURE_SKIP_VERIFY"
	EnvRequestTimeout  = "PREFECT_API_REQUEST_TIMEOUT"
	EnvMaxRetries      = "PREFECT_CLIENT_MAX_RETRIES"
	EnvCSRFSupport     = "PREFECT_CLIENT_CSRF_SUPPORT_ENABLED"
	envSSLCertFallback = "SSL_CERT_FILE"
)

// ConfigFromEnv reads connection settings from the variables Prefect users already set:
// PREFECT_API_URL (required), PREFECT_API_KEY, PREFECT_API_AUTH_STRING, PREFECT_UI_URL,
// PREFECT_CLIENT_CUSTOM_HEADERS (a JSON object), PREFECT_API_SSL_CERT_FILE (else SSL_CERT_FILE),
// PREFECT_API_TLS_INSECURE_SKIP_VERIFY, PREFECT_API_REQUEST_TIMEOUT (seconds),
// PREFECT_CLIENT_MAX_RETRIES and PREFECT_CLIENT_CSRF_SUPPORT_ENABLED.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		APIURL:     strings.TrimSpace(getenv(EnvAPIURL)),
		APIKey:     strings.TrimSpace(getenv(EnvAPIKey)),
		AuthString: strings.TrimSpace(getenv(EnvAuthString)),
		UIURL:      strings.TrimSpace(getenv(EnvUIURL)),
		CACertFile: strings.TrimSpace(getenv(EnvSSLCertFile)),
	}
	if c.CACertFile == "" {
		c.CACertFile = strings.TrimSpace(getenv(envSSLCertFallback))
	}
	if c.APIURL == "" {
		return c, fmt.Errorf("%s is not set: point it at your Prefect API, e.g. http://127.0.0.1:4200/api or https://api.prefect.cloud/api/accounts/<account>/workspaces/<workspace>", EnvAPIURL)
	}
	if h := strings.TrimSpace(getenv(EnvCustomHeaders)); h != "" {
		if err := json.Unmarshal([]byte(h), &c.Headers); err != nil {
			return c, fmt.Errorf("%s must be a JSON object of header names to string values: %v", EnvCustomHeaders, err)
		}
	}
	if v := strings.TrimSpace(getenv(EnvInsecure)); v != "" {
		b, err := parseBool(v)
		if err != nil {
			return c, fmt.Errorf("%s: %w", EnvInsecure, err)
		}
		c.InsecureSkipVerify = b
	}
	if v := strings.TrimSpace(getenv(EnvCSRFSupport)); v != "" {
		b, err := parseBool(v)
		if err != nil {
			return c, fmt.Errorf("%s: %w", EnvCSRFSupport, err)
		}
		c.CSRFDisabled = !b
	}
	if v := strings.TrimSpace(getenv(EnvRequestTimeout)); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 {
			return c, fmt.Errorf("%s must be a positive number of seconds, got %q", EnvRequestTimeout, v)
		}
		c.Timeout = time.Duration(f * float64(time.Second))
	}
	if v := strings.TrimSpace(getenv(EnvMaxRetries)); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return c, fmt.Errorf("%s must be a whole number >= 0, got %q", EnvMaxRetries, v)
		}
		c.MaxRetries = n
		if n == 0 {
			c.MaxRetries = -1
		}
	}
	return c, nil
}

func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "1", "true", "yes", "on":
		return true, nil
	case "0", "false", "no", "off":
		return false, nil
	}
	return false, fmt.Errorf("want true or false, got %q", v)
}

// IsCloud reports whether the API URL points at Prefect Cloud: a host under prefect.cloud, or
// a URL of Cloud's shape, .../accounts/<account>/workspaces/<workspace> (Cloud behind a proxy, or
// a dedicated Cloud host), which no self-hosted server serves.
func (c Config) IsCloud() bool {
	u, err := url.Parse(c.APIURL)
	if err != nil {
		return false
	}
	if strings.HasSuffix(u.Hostname(), "prefect.cloud") {
		return true
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	n := len(parts)
	return n >= 4 && parts[n-4] == "accounts" && parts[n-2] == "workspaces" && parts[n-3] != "" && parts[n-1] != ""
}

// uiBase derives the UI base URL from the API URL the way Prefect does when PREFECT_UI_URL is unset.
func (c Config) uiBase() string {
	if c.UIURL != "" {
		return strings.TrimRight(c.UIURL, "/")
	}
	api := strings.TrimRight(c.APIURL, "/")
	if c.IsCloud() {
		u, err := url.Parse(api)
		if err != nil {
			return api
		}
		host := strings.Replace(u.Host, "api.", "app.", 1)
		p := strings.TrimPrefix(u.Path, "/api")
		p = strings.Replace(p, "/accounts/", "/account/", 1)
		p = strings.Replace(p, "/workspaces/", "/workspace/", 1)
		return u.Scheme + "://" + host + p
	}
	return strings.TrimSuffix(api, "/api")
}
