package adopt

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// secretNameParts are the parts of an env var name that say it holds a credential.
var secretNameParts = []string{"PASSWORD", "PASSWD", "SECRET", "TOKEN", "APIKEY", "API_KEY", "ACCESS_KEY", "PRIVATE", "CREDENTIAL", "AUTH", "DSN", "CONNECTION_STRING", "CONN_STR", "WEBHOOK", "SIGNING", "SESSION_KEY", "CLIENT_KEY"}

// tokenPrefixes start well-known token formats (GitHub, GitLab, Slack, Prefect, OpenAI,
// Stripe, AWS access keys, private keys).
var tokenPrefixes = []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "xoxb-", "xoxp-", "xapp-", "pnu_", "pnb_", "sk-", "sk_live_", "rk_live_", "AKIA", "ASIA", "-----BEGIN"}

// randomLooking matches a long run of letters and digits (and + / = _ -) with both letters
// and digits in it: keys, hashes, JWT parts.
var randomLooking = regexp.MustCompile(`^[A-Za-z0-9+/=_\-.]{32,}$`)

// isSecret reports whether an env var should be kept out of the file: its name says it holds
// a credential (PASSWORD, TOKEN, ..._KEY), or its value looks like one (a known token format,
// a URL with a password, a long random string). opts.Secret and opts.NotSecret decide first.
func isSecret(name, value string, opts Options) bool {
	if slices.Contains(opts.NotSecret, name) {
		return false
	}
	if slices.Contains(opts.Secret, name) {
		return true
	}
	if value == "" {
		return false
	}
	if secretName(name) {
		return true
	}
	for _, p := range tokenPrefixes {
		if strings.HasPrefix(value, p) {
			return true
		}
	}
	if u, err := url.Parse(value); err == nil && u.User != nil {
		if _, hasPassword := u.User.Password(); hasPassword {
			return true
		}
	}
	if randomLooking.MatchString(value) && strings.ContainsAny(value, "0123456789") && strings.IndexFunc(value, isLetter) >= 0 && !strings.Contains(value, "/") {
		return true
	}
	return false
}

// secretName reports whether a name says it holds a credential.
func secretName(name string) bool {
	upper := strings.ToUpper(name)
	for _, p := range secretNameParts {
		if strings.Contains(upper, p) {
			return true
		}
	}
	return strings.HasSuffix(upper, "_KEY") || upper == "KEY" || strings.HasSuffix(upper, "_PWD")
}

func isLetter(r rune) bool { return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') }
