package cli

import (
	"runtime/debug"
	"testing"
)

func TestVersionLine(t *testing.T) {
	info := &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.2.0"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "9f3c0e1acb5820ced9479c074f688cc328bf03f3"}, {Key: "vcs.modified", Value: "true"}}}
	tests := []struct {
		name string
		info *debug.BuildInfo
		want string
	}{
		{"module version and dirty commit", info, "prefect-deploy v1.2.0 (commit 9f3c0e1acb5820ced9479c074f688cc328bf03f3+modified, go1.26.0)"},
		{"devel build without vcs", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}}, "prefect-deploy dev (commit unknown, go1.26.0)"},
		{"no build info", nil, "prefect-deploy dev"},
	}
	for _, tt := range tests {
		if got := versionLine(tt.info, tt.info != nil); got != tt.want {
			t.Errorf("%s: versionLine = %q, want %q", tt.name, got, tt.want)
		}
	}
}
