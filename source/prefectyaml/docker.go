package prefectyaml

import (
	"cmp"
	"fmt"
	"strings"
)

// assumedPrefix and assumedSuffix frame the warning about an image whose docker steps are not
// run; [CollapseWarnings] counts the deployments that share one.
const (
	assumedPrefix = "image"
	assumedSuffix = " is assumed to be built and pushed by CI; its docker steps are not run here"
)

// gap says why an output of a docker step that is not run here cannot be
// derived.
type gap struct {
	// what is the short reason, as in "has no tag:" or "its tag: cannot be
	// resolved".
	what string
	// detail explains what; nested says it is the message of a placeholder
	// that failed to resolve, which ends the explanation.
	detail string
	nested bool
	// fix is a remedy besides supplying the output.
	fix string
}

func (g *gap) explain(key, ref string) string {
	if g.nested {
		return fmt.Sprintf("is not run here, so its output %q is unknown (pass --step-output %s=<value>): %s: %s", key, ref, g.what, g.detail)
	}
	return fmt.Sprintf("is not run here and %s%s, so its output %q is unknown; pass --step-output %s=<value>%s", g.what, g.detail, key, ref, g.fix)
}

// noTag and emptyTag are the gaps of a docker step without a tag.
var (
	noTag    = &gap{what: "has no tag:", detail: " (prefect-docker would tag the image with the time of the build)", fix: " or set tag: on the step"}
	emptyTag = &gap{what: "has an empty tag:", detail: noTag.detail, fix: noTag.fix}
)

// dockerStep derives the outputs of a prefect-docker build_docker_image or
// push_docker_image step that is not run here from the step's own
// arguments, as the step would return them: CI is assumed to have built and
// pushed exactly the image they name. image_name and tag are the templated
// arguments, image is "image_name:tag" and additional_tags is the argument
// or []. An output that cannot be derived (a tag left to prefect-docker,
// which makes one from the build time; an argument that cannot be resolved
// here; the image ID) is left out and explained in st.unknown, so that only
// a reference to it is an error.
func (l *fileLoader) dockerStep(st *stepState, step, args *node, res *stepResult, id string) map[string]any {
	st.unknown = map[string]string{}
	out := map[string]any{}
	unknown := func(key string, g *gap) { st.unknown[key] = g.explain(key, id+"."+key) }
	// arg templates one argument, or says why it cannot be resolved.
	arg := func(key string) (*node, *gap) {
		raw, ok := args.Get(key)
		if !ok || raw.IsNull() {
			return nil, nil
		}
		what := "its " + key + ": cannot be resolved"
		if refs := unresolved(raw); len(refs) > 0 {
			return nil, &gap{what: what, detail: strings.Join(refs, ", ") + " needs the Prefect server", nested: true}
		}
		scratch := &errs{file: l.file}
		t := &templater{errs: scratch, lookup: l.lookup, outputs: res.outputs, steps: res.steps,
			warn: func(n *node, f string, a ...any) {
				res.warnings = append(res.warnings, warning{n, fmt.Sprintf(f, a...)})
			}}
		v, _ := t.apply(raw.Clone(), finalPass)
		if len(scratch.list) > 0 {
			return nil, &gap{what: what, detail: scratch.list[0].Message, nested: true}
		}
		return v, nil
	}

	name, nameGap := arg("image_name")
	if nameGap == nil && (name == nil || name.Kind != strKind || name.Str == "") {
		nameGap = &gap{what: "has no image_name string"}
	}
	if nameGap == nil {
		out["image_name"] = name.Str
	} else {
		unknown("image_name", nameGap)
	}

	tag, tagGap := arg("tag")
	if tagGap == nil && !pyTruthy(tag) {
		// prefect-docker's build makes a tag when it is falsy; its push
		// would push every tag and return None.
		tagGap = noTag
		if tag != nil {
			tagGap = emptyTag
		}
	}
	if tagGap == nil {
		out["tag"] = tag.Value()
	} else {
		unknown("tag", tagGap)
	}

	imageGap := cmp.Or(nameGap, tagGap)
	if imageGap == nil {
		out["image"] = name.Str + ":" + pyStr(tag.Value())
	} else {
		unknown("image", imageGap)
	}

	switch extra, g := arg("additional_tags"); {
	case g != nil:
		unknown("additional_tags", g)
	case pyTruthy(extra):
		out["additional_tags"] = extra.Value()
	default:
		out["additional_tags"] = []any{}
	}
	if st.fqn == stepDockerBuild {
		st.unknown["image_id"] = fmt.Sprintf("is not run here, so its output \"image_id\" is unknown: the image ID exists only where the image is built; pass --step-output %s.image_id=<value>", id)
	}

	if imageGap == nil {
		img := out["image"].(string)
		if !res.assumed[img] {
			if res.assumed == nil {
				res.assumed = map[string]bool{}
			}
			res.assumed[img] = true
			res.warnings = append(res.warnings, warning{step, fmt.Sprintf("%s %s", assumedPrefix, img) + assumedSuffix})
		}
	} else {
		res.warnings = append(res.warnings, warning{step, fmt.Sprintf("%s step %s is not run here and %s, so its image is unknown", st.short(), idOr(id), imageGap.what)})
	}
	return out
}
