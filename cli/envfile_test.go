package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestRunEnvVarsLayers: --env-file files merge in order (later wins), --env-var wins over all of
// them, paths are relative to the run's directory, and ${NAME} reads the run's environment.
func TestRunEnvVarsLayers(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("acme_shop.dev.1.env", "SHOP_DB_HOST=db.dev.internal\nLOG_LEVEL=DEBUG\nREGION=${AWS_REGION}\nTIER=base\n")
	write("override.env", "TIER=file2\n")
	env := Env{Dir: dir, Getenv: func(k string) string { return map[string]string{"AWS_REGION": "eu-west-1"}[k] }}
	got, err := runEnvVars([]string{"acme_shop.dev.1.env", "override.env"}, []string{"LOG_LEVEL=INFO"}, env)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"SHOP_DB_HOST": "db.dev.internal", "LOG_LEVEL": "INFO", "REGION": "eu-west-1", "TIER": "file2"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	_, err = runEnvVars([]string{"acme_shop.prod.1.env"}, nil, env)
	if err == nil || err.Error() != "--env-file acme_shop.prod.1.env: no such file or directory" {
		t.Errorf("missing file: %v", err)
	}
	if _, ok := err.(*usageError); !ok {
		t.Errorf("a missing env file is a usage error (exit 2), got %T", err)
	}
	write("bad.env", "OK=1\nNO_VALUE\n")
	if _, err = runEnvVars([]string{"bad.env"}, nil, env); err == nil || !strings.HasPrefix(err.Error(), "bad.env:2:1: NO_VALUE has no value") {
		t.Errorf("bad file: %v", err)
	}
}
