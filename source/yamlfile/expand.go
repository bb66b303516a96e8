package yamlfile

// Expand returns a tree copy of the graph below n (each use of an alias gets its own copy),
// calling report, in document order, for every problem on the way that has a Message. At
// most limit nodes are copied: beyond it, report is called once with tooMany at the node
// where the limit was passed and the rest is null.
func Expand(n *Node, limit int, tooMany string, report func(at *Node, msg string)) *Node {
	e := &expander{limit: limit, tooMany: tooMany, report: report}
	return e.copy(n)
}

type expander struct {
	limit   int
	count   int
	over    bool
	tooMany string
	report  func(*Node, string)
}

func (e *expander) copy(n *Node) *Node {
	if n == nil {
		return nil
	}
	e.count++
	if e.count > e.limit {
		if !e.over {
			e.over = true
			e.report(n, e.tooMany)
		}
		return &Node{Kind: Null, Line: n.Line, Col: n.Col}
	}
	for _, p := range n.Problems {
		if p.Message != "" {
			e.report(p.At, p.Message)
		}
	}
	for _, k := range n.KeyNodes {
		for _, p := range k.Problems {
			if p.Message != "" {
				e.report(p.At, p.Message)
			}
		}
	}
	for _, m := range n.Merged {
		e.problems(m, map[*Node]bool{})
	}
	c := *n
	c.Problems, c.Merged = nil, nil
	switch n.Kind {
	case Seq:
		c.Items = make([]*Node, len(n.Items))
		for i, x := range n.Items {
			c.Items[i] = e.copy(x)
		}
	case Map:
		c.Keys = append([]string{}, n.Keys...)
		c.KeyNodes = append([]*Node{}, n.KeyNodes...)
		c.Vals = make([]*Node, len(n.Vals))
		for i, x := range n.Vals {
			c.Vals[i] = e.copy(x)
		}
	}
	return &c
}

// problems reports the problems of a merged mapping's own structure and keys (its values'
// are reported where they are copied).
func (e *expander) problems(n *Node, seen map[*Node]bool) {
	if seen[n] {
		return
	}
	seen[n] = true
	for _, p := range n.Problems {
		if p.Message != "" {
			e.report(p.At, p.Message)
		}
	}
	for _, m := range n.Merged {
		e.problems(m, seen)
	}
}
