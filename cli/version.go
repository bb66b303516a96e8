package cli

import (
	"runtime"
	"runtime/debug"
	"strings"
)

// Commit is the commit the binary was built from, set at build time with
// -ldflags "-X github.com/prefect-flow-deploy/prefect-deploy-action/cli.Commit=SHA" ("" = read
// it from the build's VCS stamp).
var Commit = ""

func goVersion(info *debug.BuildInfo) string {
	if info == nil {
		return runtime.Version()
	}
	return info.GoVersion
}

func mainOf(info *debug.BuildInfo) debug.Module {
	if info == nil {
		return debug.Module{}
	}
	return info.Main
}

// versionLine is what `prefect-deploy version` prints: the program version (set at build time,
// else the module version the binary was built from), the commit it was built from (with
// "+modified" for a dirty work tree) and the Go version, e.g.
// "prefect-deploy v1.2.0 (commit 9f3c0e1a8b7c…, go1.26.0)".
func versionLine(info *debug.BuildInfo, ok bool) string {
	v := Version
	var details []string
	if Commit != "" {
		// Stamped by `make build` (the build's own VCS stamping may be off, e.g. GOFLAGS=-buildvcs=false).
		info = &debug.BuildInfo{GoVersion: goVersion(info), Main: mainOf(info), Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: Commit}}}
		ok = true
	}
	if ok && info != nil {
		if v == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			v = info.Main.Version
		}
		var rev, modified string
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					modified = "+modified"
				}
			}
		}
		if rev != "" {
			details = append(details, "commit "+rev+modified)
		} else {
			details = append(details, "commit unknown")
		}
		details = append(details, info.GoVersion)
	}
	line := "prefect-deploy " + v
	if len(details) > 0 {
		line += " (" + strings.Join(details, ", ") + ")"
	}
	return line
}
