package naming

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

func TestSanitizeSegment(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr bool
	}{
		{name: "plain", in: "main", want: "main"},
		{name: "slash and underscore", in: "feature/ABC_12", want: "feature-ABC-12"},
		{name: "case kept", in: "Release-Train", want: "Release-Train"},
		{name: "dependabot branch", in: "dependabot/pip/requests-2.32.0", want: "dependabot-pip-requests-2.32.0"},
		{name: "dot kept", in: "release/1.2", want: "release-1.2"},
		{name: "every banned character", in: "a/b%c&d>e<f", want: "a-b-c-d-e-f"},
		{name: "spaces", in: "my project", want: "my-project"},
		{name: "tabs and newlines", in: "a\tb\nc\r\nd", want: "a-b-c-d"},
		{name: "double hyphen collapses", in: "a--b", want: "a-b"},
		{name: "long run of separators", in: "a -_/-%b", want: "a-b"},
		{name: "leading separators", in: "--lead", want: "lead"},
		{name: "trailing separators", in: "trail--", want: "trail"},
		{name: "leading and trailing dots", in: ".hidden.", want: "hidden"},
		{name: "dot next to trimmed hyphen", in: "-.-x-.-", want: "x"},
		{name: "inner dots kept", in: "v1..2", want: "v1..2"},
		{name: "other punctuation", in: "fix:#12 (hot)!", want: "fix-12-hot"},
		{name: "question mark and hash", in: "a?b#c", want: "a-b-c"},
		{name: "accented letter dropped", in: "café", want: "caf"},
		{name: "decomposed accent dropped", in: "cafe\u0301", want: "cafe"},
		{name: "non-ASCII in the middle", in: "naïve-fix", want: "na-ve-fix"},
		{name: "non-ASCII with ASCII suffix", in: "修复/bug-1", want: "bug-1"},
		{name: "invalid UTF-8", in: "a\xffb", want: "a-b"},
		{name: "digits only", in: "42", want: "42"},
		{name: "empty", in: "", wantErr: true},
		{name: "only separators", in: "--", wantErr: true},
		{name: "only banned", in: "/%&><", wantErr: true},
		{name: "only dots", in: "...", wantErr: true},
		{name: "only whitespace", in: " \t ", wantErr: true},
		{name: "only non-ASCII", in: "修复", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := SanitizeSegment(tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrEmpty) {
					t.Fatalf("SanitizeSegment(%q) = %q, %v; want error wrapping ErrEmpty", tt.in, got, err)
				}
				if !strings.Contains(err.Error(), fmt.Sprintf("%q", tt.in)) {
					t.Errorf("error %q does not quote the input %q", err, tt.in)
				}
				return
			}
			if err != nil {
				t.Fatalf("SanitizeSegment(%q) error: %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("SanitizeSegment(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
			again, err := SanitizeSegment(got)
			if err != nil || again != got {
				t.Errorf("SanitizeSegment not idempotent: SanitizeSegment(%q) = %q, %v", got, again, err)
			}
		})
	}
}

func TestStandardizeFlow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "underscore form kept", in: "my_flow", want: "my_flow"},
		{name: "hyphen", in: "my-flow", want: "my_flow"},
		{name: "space and case kept", in: "My Flow", want: "My_Flow"},
		{name: "dot is not allowed", in: "etl.hourly", want: "etl_hourly"},
		{name: "runs collapse", in: "my--flow", want: "my_flow"},
		{name: "mixed run collapses", in: "a - _ b", want: "a_b"},
		{name: "double underscore collapses", in: "my__flow", want: "my_flow"},
		{name: "leading and trailing trimmed", in: "__private_flow_", want: "private_flow"},
		{name: "dunder", in: "__main__", want: "main"},
		{name: "punctuation", in: "load prices (daily)!", want: "load_prices_daily"},
		{name: "banned characters", in: "a/b%c&d>e<f", want: "a_b_c_d_e_f"},
		{name: "leading digit kept", in: "1st-flow", want: "1st_flow"},
		{name: "non-ASCII dropped", in: "café_daily", want: "caf_daily"},
		{name: "empty", in: "", want: ""},
		{name: "only separators", in: "-_- .", want: ""},
		{name: "only non-ASCII", in: "数据", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := StandardizeFlow(tt.in)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("StandardizeFlow(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
			if again := StandardizeFlow(got); again != got {
				t.Errorf("StandardizeFlow not idempotent: StandardizeFlow(%q) = %q", got, again)
			}
		})
	}
}

func TestSameFlow(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"my-flow", "my_flow", "my flow", "my--flow", "-my-flow-"} {
		if got := StandardizeFlow(in); got != "my_flow" {
			t.Errorf("StandardizeFlow(%q) = %q, want my_flow", in, got)
		}
	}
	if StandardizeFlow("My-Flow") == StandardizeFlow("my-flow") {
		t.Errorf("StandardizeFlow folds case; flows differing in case must stay distinct")
	}
}

func TestHyphenFlow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "one underscore", in: "my_flow", want: "my-flow"},
		{name: "several", in: "load_daily_prices", want: "load-daily-prices"},
		{name: "none", in: "etl", want: "etl"},
		{name: "case kept", in: "My_Flow", want: "My-Flow"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, HyphenFlow(tt.in)); diff != "" {
				t.Errorf("HyphenFlow(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                       string
		project, branch, flow, env string
		want                       Name
		wantString                 string
		wantErrParts               []string // parts the error must name; nil means success
	}{
		{
			name:    "acme example",
			project: "acme_prefect", branch: "main", flow: "fetch_yahoo_data", env: "dev",
			want:       Name{Project: "acme-prefect", Branch: "main", Flow: "fetch_yahoo_data", Env: "dev"},
			wantString: "acme-prefect--main--fetch-yahoo-data--dev",
		},
		{
			name:    "feature branch with slash",
			project: "proj", branch: "feature/ABC_12", flow: "my-flow", env: "dev",
			want:       Name{Project: "proj", Branch: "feature-ABC-12", Flow: "my_flow", Env: "dev"},
			wantString: "proj--feature-ABC-12--my-flow--dev",
		},
		{
			name:    "dependabot branch",
			project: "proj", branch: "dependabot/pip/requests-2.32.0", flow: "etl", env: "tst",
			want:       Name{Project: "proj", Branch: "dependabot-pip-requests-2.32.0", Flow: "etl", Env: "tst"},
			wantString: "proj--dependabot-pip-requests-2.32.0--etl--tst",
		},
		{
			name:    "double hyphens inside parts",
			project: "a--b", branch: "--lead", flow: "x--y", env: "trail--",
			want:       Name{Project: "a-b", Branch: "lead", Flow: "x_y", Env: "trail"},
			wantString: "a-b--lead--x-y--trail",
		},
		{
			name:    "spaces everywhere",
			project: "My Project", branch: "fix the bug", flow: "My Flow", env: "Pre Prod",
			want:       Name{Project: "My-Project", Branch: "fix-the-bug", Flow: "My_Flow", Env: "Pre-Prod"},
			wantString: "My-Project--fix-the-bug--My-Flow--Pre-Prod",
		},
		{
			name:    "dotted flow becomes one flow, not a variant",
			project: "p", branch: "release/1.2", flow: "etl.hourly", env: "prd",
			want:       Name{Project: "p", Branch: "release-1.2", Flow: "etl_hourly", Env: "prd"},
			wantString: "p--release-1.2--etl-hourly--prd",
		},
		{
			name:    "empty branch",
			project: "p", branch: "", flow: "f", env: "dev",
			wantErrParts: []string{`branch ""`},
		},
		{
			name:    "every part empty after sanitising",
			project: "//", branch: "修复", flow: "--", env: " ",
			wantErrParts: []string{`project "//"`, `branch "修复"`, `flow "--"`, `env " "`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := New(tt.project, tt.branch, tt.flow, tt.env)
			if tt.wantErrParts != nil {
				if !errors.Is(err, ErrEmpty) {
					t.Fatalf("New() = %v, %v; want error wrapping ErrEmpty", got, err)
				}
				for _, part := range tt.wantErrParts {
					if !strings.Contains(err.Error(), part) {
						t.Errorf("error %q does not name %s", err, part)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("New() error: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("New() mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantString, got.String()); diff != "" {
				t.Errorf("String() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWithVariant(t *testing.T) {
	t.Parallel()
	base := mustNew(t, "proj", "main", "etl", "dev")
	tests := []struct {
		name       string
		start      Name
		variant    string
		want       Name
		wantString string
		wantErr    bool
	}{
		{
			name: "simple", start: base, variant: "hourly",
			want:       Name{Project: "proj", Branch: "main", Flow: "etl", Variant: "hourly", Env: "dev"},
			wantString: "proj--main--etl.hourly--dev",
		},
		{
			name: "standardised like a flow", start: base, variant: "EU hourly-run",
			want:       Name{Project: "proj", Branch: "main", Flow: "etl", Variant: "EU_hourly_run", Env: "dev"},
			wantString: "proj--main--etl.EU-hourly-run--dev",
		},
		{
			name: "dot in variant is not a second separator", start: base, variant: "a.b",
			want:       Name{Project: "proj", Branch: "main", Flow: "etl", Variant: "a_b", Env: "dev"},
			wantString: "proj--main--etl.a-b--dev",
		},
		{
			name: "empty clears", start: Name{Project: "proj", Branch: "main", Flow: "etl", Variant: "hourly", Env: "dev"}, variant: "",
			want:       base,
			wantString: "proj--main--etl--dev",
		},
		{name: "nothing usable", start: base, variant: "--", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.start.WithVariant(tt.variant)
			if tt.wantErr {
				if !errors.Is(err, ErrEmpty) || !strings.Contains(err.Error(), `variant "--"`) {
					t.Fatalf("WithVariant(%q) = %v, %v; want error naming the variant and wrapping ErrEmpty", tt.variant, got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("WithVariant(%q) error: %v", tt.variant, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("WithVariant(%q) mismatch (-want +got):\n%s", tt.variant, diff)
			}
			if diff := cmp.Diff(tt.wantString, got.String()); diff != "" {
				t.Errorf("String() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want Name
	}{
		{name: "acme name", in: "acme-prefect--main--fetch-yahoo-data--dev",
			want: Name{Project: "acme-prefect", Branch: "main", Flow: "fetch_yahoo_data", Env: "dev"}},
		{name: "variant", in: "proj--main--etl.hourly--dev",
			want: Name{Project: "proj", Branch: "main", Flow: "etl", Variant: "hourly", Env: "dev"}},
		{name: "hyphenated variant", in: "proj--main--load-prices.eu-hourly--prd",
			want: Name{Project: "proj", Branch: "main", Flow: "load_prices", Variant: "eu_hourly", Env: "prd"}},
		{name: "dots in branch", in: "proj--release-1.2--etl--dev",
			want: Name{Project: "proj", Branch: "release-1.2", Flow: "etl", Env: "dev"}},
		{name: "case kept", in: "Proj--Main--My-Flow--DEV",
			want: Name{Project: "Proj", Branch: "Main", Flow: "My_Flow", Env: "DEV"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q) error: %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
			if diff := cmp.Diff(tt.in, got.String()); diff != "" {
				t.Errorf("String() after Parse mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestParseErrors checks that Parse rejects names String cannot produce and
// that the error names the offending segment.
func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		in       string
		mentions []string
	}{
		{name: "empty", in: "", mentions: []string{"got 1"}},
		{name: "three segments", in: "proj--main--etl", mentions: []string{"want 4 segments", "got 3"}},
		{name: "five segments", in: "proj--feature--x--etl--dev", mentions: []string{"got 5"}},
		{name: "triple hyphen", in: "proj---main--etl--dev", mentions: []string{`branch "-main"`, `"main"`}},
		{name: "empty project", in: "--main--etl--dev", mentions: []string{"project is empty"}},
		{name: "empty env", in: "proj--main--etl--", mentions: []string{"env is empty"}},
		{name: "slash in branch", in: "proj--feature/x--etl--dev", mentions: []string{`branch "feature/x"`, `"feature-x"`}},
		{name: "underscore in project", in: "acme_prefect--main--etl--dev", mentions: []string{`project "acme_prefect"`, `"acme-prefect"`}},
		{name: "underscore in flow", in: "proj--main--my_flow--dev", mentions: []string{`flow "my_flow"`, `"my-flow"`}},
		{name: "space in env", in: "proj--main--etl--pre prod", mentions: []string{`env "pre prod"`}},
		{name: "empty variant", in: "proj--main--etl.--dev", mentions: []string{"variant is empty"}},
		{name: "empty flow before variant", in: "proj--main--.hourly--dev", mentions: []string{"flow is empty"}},
		{name: "two dots in flow segment", in: "proj--main--etl.a.b--dev", mentions: []string{`variant "a.b"`, `"a-b"`}},
		{name: "leading hyphen in flow", in: "proj--main---etl--dev", mentions: []string{`flow "-etl"`}},
		{name: "trailing dot in branch", in: "proj--v1.--etl--dev", mentions: []string{`branch "v1."`, `"v1"`}},
		{name: "several bad segments", in: "a_b--c d--e_f--g/h", mentions: []string{"project", "branch", "flow", "env"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse(%q) = %+v, want error", tt.in, got)
			}
			msg := err.Error()
			if !strings.Contains(msg, fmt.Sprintf("%q", tt.in)) {
				t.Errorf("error %q does not quote the name", msg)
			}
			for _, m := range tt.mentions {
				if !strings.Contains(msg, m) {
					t.Errorf("error %q does not mention %s", msg, m)
				}
			}
		})
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		n        Name
		mentions []string // nil means valid
	}{
		{name: "valid", n: Name{Project: "p", Branch: "b", Flow: "my_flow", Variant: "v_1", Env: "e"}},
		{name: "valid without variant", n: Name{Project: "p", Branch: "b", Flow: "f", Env: "e"}},
		{name: "zero value", n: Name{}, mentions: []string{"project is empty", "branch is empty", "flow is empty", "env is empty"}},
		{name: "hyphen flow", n: Name{Project: "p", Branch: "b", Flow: "my-flow", Env: "e"}, mentions: []string{`flow "my-flow"`, `"my_flow"`}},
		{name: "raw branch", n: Name{Project: "p", Branch: "feature/x", Flow: "f", Env: "e"}, mentions: []string{`branch "feature/x"`}},
		{name: "dotted variant", n: Name{Project: "p", Branch: "b", Flow: "f", Variant: "a.b", Env: "e"}, mentions: []string{`variant "a.b"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.n.Validate()
			if tt.mentions == nil {
				if err != nil {
					t.Fatalf("Validate() error: %v", err)
				}
				if _, err := Parse(tt.n.String()); err != nil {
					t.Errorf("valid Name %+v does not parse back: %v", tt.n, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil for %+v, want error", tt.n)
			}
			for _, m := range tt.mentions {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not mention %s", err, m)
				}
			}
		})
	}
}

func TestValidateName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		wantErr string
	}{
		{name: "composed name", in: "proj--main--etl--dev"},
		{name: "any shape is fine", in: "my deployment"},
		{name: "empty", in: "", wantErr: "empty"},
		{name: "slash", in: "proj--feature/x--etl--dev", wantErr: `contains "/"`},
		{name: "percent", in: "100%", wantErr: `contains "%"`},
		{name: "ampersand", in: "a&b", wantErr: `contains "&"`},
		{name: "greater than", in: "a>b", wantErr: `contains ">"`},
		{name: "less than", in: "a<b", wantErr: `contains "<"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := ValidateName(tt.in)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ValidateName(%q) error: %v", tt.in, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("ValidateName(%q) = %v, want error containing %q", tt.in, err, tt.wantErr)
			}
		})
	}
}

func TestTag(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		key, value string
		want       string
	}{
		{name: "commit", key: TagCommit, value: "abc1234", want: "COMMIT_HASH=abc1234"},
		{name: "value with equals", key: TagPackageVersion, value: "1.0.0=rc", want: "PACKAGE_VERSION=1.0.0=rc"},
		{name: "empty value", key: TagEnv, value: "", want: "ENV="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Tag(tt.key, tt.value)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Tag() mismatch (-want +got):\n%s", diff)
			}
			k, v, ok := ParseTag(got)
			if !ok || k != tt.key || v != tt.value {
				t.Errorf("ParseTag(%q) = %q, %q, %v; want %q, %q, true", got, k, v, ok, tt.key, tt.value)
			}
		})
	}
}

func TestParseTag(t *testing.T) {
	t.Parallel()
	type result struct {
		Key, Value string
		OK         bool
	}
	tests := []struct {
		name string
		tag  string
		want result
	}{
		{name: "simple", tag: "ENV=dev", want: result{"ENV", "dev", true}},
		{name: "splits on first equals", tag: "PACKAGE_VERSION=1.0.0=rc", want: result{"PACKAGE_VERSION", "1.0.0=rc", true}},
		{name: "empty value", tag: "ENV=", want: result{"ENV", "", true}},
		{name: "no equals", tag: "team-a", want: result{}},
		{name: "empty key", tag: "=dev", want: result{}},
		{name: "empty tag", tag: "", want: result{}},
		{name: "spaces kept", tag: " ENV = dev", want: result{" ENV ", " dev", true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			k, v, ok := ParseTag(tt.tag)
			if diff := cmp.Diff(tt.want, result{k, v, ok}); diff != "" {
				t.Errorf("ParseTag(%q) mismatch (-want +got):\n%s", tt.tag, diff)
			}
		})
	}
}

func TestTagValue(t *testing.T) {
	t.Parallel()
	type result struct {
		Value string
		OK    bool
	}
	tests := []struct {
		name       string
		tags       []string
		key        string
		want       result
		wantValues []string
	}{
		{
			name: "found among others",
			tags: []string{"team-a", "PROJECT_NAME=proj", "COMMIT_HASH=abc1234", "ENV=dev"},
			key:  TagCommit, want: result{"abc1234", true}, wantValues: []string{"abc1234"},
		},
		{
			name: "value keeps equals",
			tags: []string{"PACKAGE_VERSION=1.0.0=rc"},
			key:  TagPackageVersion, want: result{"1.0.0=rc", true}, wantValues: []string{"1.0.0=rc"},
		},
		{
			name: "key prefix does not match",
			tags: []string{"COMMIT_HASH=abc"},
			key:  "COMMIT", want: result{}, wantValues: nil,
		},
		{
			name: "key substring does not match",
			tags: []string{"MY_ENV=prd", "ENVIRONMENT=prd"},
			key:  TagEnv, want: result{}, wantValues: nil,
		},
		{
			name: "bare word equal to key does not match",
			tags: []string{"ENV"},
			key:  TagEnv, want: result{}, wantValues: nil,
		},
		{
			name: "repeated same value",
			tags: []string{"ENV=dev", "x", "ENV=dev"},
			key:  TagEnv, want: result{"dev", true}, wantValues: []string{"dev"},
		},
		{
			name: "conflicting values are not ok",
			tags: []string{"COMMIT_HASH=abc", "COMMIT_HASH=def", "COMMIT_HASH=abc"},
			key:  TagCommit, want: result{}, wantValues: []string{"abc", "def"},
		},
		{
			name: "empty value is a value",
			tags: []string{"PACKAGE_VERSION="},
			key:  TagPackageVersion, want: result{"", true}, wantValues: []string{""},
		},
		{name: "no tags", tags: nil, key: TagEnv, want: result{}, wantValues: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, ok := TagValue(tt.tags, tt.key)
			if diff := cmp.Diff(tt.want, result{v, ok}); diff != "" {
				t.Errorf("TagValue(%q, %q) mismatch (-want +got):\n%s", tt.tags, tt.key, diff)
			}
			if diff := cmp.Diff(tt.wantValues, TagValues(tt.tags, tt.key)); diff != "" {
				t.Errorf("TagValues(%q, %q) mismatch (-want +got):\n%s", tt.tags, tt.key, diff)
			}
		})
	}
}

// TestErrorMessages pins the wording users see for bad names in a golden
// file; run with -update to rewrite it.
func TestErrorMessages(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	record := func(call string, err error) {
		if err == nil {
			t.Errorf("%s: want error, got nil", call)
			return
		}
		fmt.Fprintf(&b, "%s\n\t%s\n", call, strings.ReplaceAll(err.Error(), "\n", "\n\t"))
	}
	for _, in := range []string{"", "/", "修复"} {
		_, err := SanitizeSegment(in)
		record(fmt.Sprintf("SanitizeSegment(%q)", in), err)
	}
	_, err := New("acme", "feature/", "--", "dev")
	record(`New("acme", "feature/", "--", "dev")`, err)
	_, err = New("", "", "", "")
	record(`New("", "", "", "")`, err)
	_, err = mustNew(t, "p", "b", "f", "e").WithVariant("...")
	record(`WithVariant("...")`, err)
	for _, in := range []string{
		"proj--main--etl",
		"proj--feature/x--my_flow--dev",
		"proj---main--etl--dev",
		"proj--main--etl.--dev",
		"proj--main--etl.a.b--dev",
	} {
		_, err := Parse(in)
		record(fmt.Sprintf("Parse(%q)", in), err)
	}
	record("Validate(Name{})", Name{}.Validate())
	for _, in := range []string{"", "proj--feature/x--etl--dev"} {
		record(fmt.Sprintf("ValidateName(%q)", in), ValidateName(in))
	}

	golden := filepath.Join("testdata", "errors.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("failed to read golden file (run with -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), b.String()); diff != "" {
		t.Errorf("error messages mismatch (-want +got):\n%s", diff)
	}
}

func mustNew(t *testing.T, project, branch, flow, env string) Name {
	t.Helper()
	n, err := New(project, branch, flow, env)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// FuzzNameRoundTrip checks, for any inputs, that sanitising is idempotent,
// that composed names are valid Prefect names whose segments never contain
// "--", that they parse back to the same Name, and that Parse accepts only
// names String prints.
func FuzzNameRoundTrip(f *testing.F) {
	seeds := [][5]string{
		{"acme_prefect", "main", "fetch_yahoo_data", "", "dev"},
		{"proj", "feature/ABC_12", "my-flow", "hourly", "dev"},
		{"proj", "dependabot/pip/requests-2.32.0", "My Flow", "", "tst"},
		{"a--b", "--lead", "x--y", "a.b", "trail--"},
		{"my project", "release/1.2", "etl.hourly", "EU hourly", "pre prod"},
		{"", "", "", "", ""},
		{"café", "修复/bug", "数据", "naïve", "prd"},
		{"-.-", "v1..2.", "__main__", "_", "DEV"},
		{"a/b%c&d>e<f", "x\ty\nz", "a\xffb", "--", "e"},
		{"proj--main--etl.hourly--dev", "b", "f", "", "e"},
		{"acme-prefect", "release-1.2", "load-prices", "eu-hourly", "dev"},
		{"acme-prefect", "main", "load_prices", "", "dev"},
		{"proj---main--etl--dev", "b", "f", "", "e"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1], s[2], s[3], s[4])
	}
	f.Fuzz(func(t *testing.T, project, branch, flow, variant, env string) {
		for _, in := range []string{project, branch, flow, variant, env} {
			if s, err := SanitizeSegment(in); err == nil {
				if again, err := SanitizeSegment(s); err != nil || again != s {
					t.Errorf("SanitizeSegment not idempotent on %q: %q then %q, %v", in, s, again, err)
				}
			}
			s := StandardizeFlow(in)
			if again := StandardizeFlow(s); again != s {
				t.Errorf("StandardizeFlow not idempotent on %q: %q then %q", in, s, again)
			}
		}

		// Parse accepts only what String prints.
		flowSeg := flow
		if variant != "" {
			flowSeg += VariantSeparator + variant
		}
		joined := strings.Join([]string{project, branch, flowSeg, env}, Separator)
		for _, in := range []string{project, joined} {
			if n, err := Parse(in); err == nil && n.String() != in {
				t.Errorf("Parse(%q) = %+v, which prints as %q", in, n, n.String())
			}
		}

		n, err := New(project, branch, flow, env)
		_, pe := SanitizeSegment(project)
		_, be := SanitizeSegment(branch)
		_, ee := SanitizeSegment(env)
		wantErr := pe != nil || be != nil || ee != nil || StandardizeFlow(flow) == ""
		if (err != nil) != wantErr {
			t.Fatalf("New(%q, %q, %q, %q) error = %v, want error: %v", project, branch, flow, env, err, wantErr)
		}
		if err != nil {
			return
		}
		if v, err := n.WithVariant(variant); err == nil {
			n = v
		} else if StandardizeFlow(variant) != "" {
			t.Fatalf("WithVariant(%q) error: %v", variant, err)
		}
		if err := n.Validate(); err != nil {
			t.Fatalf("Validate(%+v) error: %v", n, err)
		}
		s := n.String()
		if err := ValidateName(s); err != nil {
			t.Fatalf("composed name is not a valid Prefect name: %v", err)
		}
		segs := strings.Split(s, Separator)
		if len(segs) != 4 {
			t.Fatalf("composed name %q has %d segments, want 4", s, len(segs))
		}
		for i, seg := range segs {
			if seg == "" || strings.HasPrefix(seg, "-") || strings.HasSuffix(seg, "-") {
				t.Fatalf("composed name %q has segment %d %q that would make splitting ambiguous", s, i, seg)
			}
		}
		got, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse(%q) error: %v", s, err)
		}
		if diff := cmp.Diff(n, got); diff != "" {
			t.Fatalf("Parse(%q) mismatch (-want +got):\n%s", s, diff)
		}
	})
}

func TestValidateFlowName(t *testing.T) {
	for _, ok := range []string{"etl", "load-prices", "My Flow", "a.b", "sales report"} {
		if err := ValidateFlowName(ok); err != nil {
			t.Errorf("ValidateFlowName(%q) = %v, want nil (Prefect accepts it)", ok, err)
		}
	}
	for _, bad := range []string{"", "etl/daily", "50%", "a&b", "x>y", "<lambda>"} {
		if err := ValidateFlowName(bad); err == nil {
			t.Errorf("ValidateFlowName(%q) = nil, want an error (Prefect refuses it)", bad)
		}
	}
}
