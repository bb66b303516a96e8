package prefectyaml

import (
	"strings"
)

// Variants names the entries of one flow apart, for a deploy that renames entries after the
// flow (`--prefect-yaml-naming product`, where several entries of one flow would otherwise get
// the same name). It returns one variant per deployment, in order: "" for a flow with a single
// selected entry; else what is left of the entry's name after the "--<env>" suffix and the
// "--"-separated segments that all of the flow's entries share, e.g. "nominatim" and
// "fallback" for "rj-crm--geo--nominatim--prod" and "rj-crm--geo--fallback--prod". An entry
// whose name is only the shared part gets "" (the flow's plain name). Two entries left with the
// same variant are reported by the caller as one name defined twice.
func Variants(deps []Deployment, env string) []string {
	out := make([]string, len(deps))
	byFlow := map[string][]int{}
	for i, d := range deps {
		byFlow[d.FlowName] = append(byFlow[d.FlowName], i)
	}
	for _, idx := range byFlow {
		if len(idx) < 2 {
			continue
		}
		segs := make([][]string, len(idx))
		for j, i := range idx {
			name := deps[i].Name
			if env != "" {
				name = strings.TrimSuffix(name, "--"+env)
			}
			segs[j] = strings.Split(name, "--")
		}
		common := len(segs[0])
		for _, s := range segs[1:] {
			n := 0
			for n < common && n < len(s) && s[n] == segs[0][n] {
				n++
			}
			common = n
		}
		for j, i := range idx {
			out[i] = strings.Join(segs[j][common:], "-")
		}
	}
	return out
}
