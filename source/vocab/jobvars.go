package vocab

// DeepMerge returns dst with src merged in, the way job_variables merge across levels:
// nested maps merge recursively, every other value from src replaces the one in dst. dst may
// be modified; src is copied.
func DeepMerge(dst, src map[string]any) map[string]any {
	if dst == nil {
		dst = make(map[string]any, len(src))
	}
	for k, v := range src {
		sm, srcIsMap := v.(map[string]any)
		dm, dstIsMap := dst[k].(map[string]any)
		if srcIsMap && dstIsMap {
			dst[k] = DeepMerge(dm, sm)
			continue
		}
		dst[k] = DeepCopy(v)
	}
	return dst
}

// DeepCopy copies the maps and lists of a plain YAML or JSON value.
func DeepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = DeepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = DeepCopy(e)
		}
		return l
	}
	return v
}
