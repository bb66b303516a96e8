package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/prefect-flow-deploy/prefect-deploy-action/deploy"
)

// traceSummary is what one prefect-deploy run's writer trace (cli.EnvTrace) says about how its
// adaptive concurrency behaved.
type traceSummary struct {
	answers, refused int
	// before is the time from the process's start to the first write; writing the time from
	// the first write to the last answer.
	before, writing time.Duration
	meanInFlight    float64
	meanLatency     time.Duration // of accepted writes
	refusedLatency  time.Duration // mean, of refused ones
	limits          string        // the limit over the run: "4×12 2×30 1×158" (limit × answers)
	phases          string        // per phase: answers, refused, duration
}

// readTrace summarizes the trace at path of a run that started at start; a run that wrote
// nothing leaves no file, and an empty summary.
func readTrace(path string, start time.Time) (traceSummary, error) {
	var t traceSummary
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return t, nil
	}
	if err != nil {
		return t, err
	}
	defer f.Close()
	var events []deploy.WriterEvent
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e deploy.WriterEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return t, fmt.Errorf("%s: %w", path, err)
		}
		events = append(events, e)
	}
	if err := sc.Err(); err != nil {
		return t, err
	}
	return summarize(events, start), nil
}

// summarize computes a traceSummary from a run's events.
func summarize(events []deploy.WriterEvent, start time.Time) traceSummary {
	var t traceSummary
	if len(events) == 0 {
		return t
	}
	first := events[0].At.Add(-events[0].Latency)
	var inFlight, acceptedLat, refusedLat time.Duration
	var runs []string
	runLimit, runLen := 0, 0
	flush := func() {
		if runLen > 0 {
			runs = append(runs, fmt.Sprintf("%d×%d", runLimit, runLen))
		}
	}
	type phase struct {
		name             string
		answers, refused int
		firstAt, lastAt  time.Time
	}
	var phases []*phase
	for _, e := range events {
		if len(phases) == 0 || phases[len(phases)-1].name != e.Phase {
			phases = append(phases, &phase{name: e.Phase, firstAt: e.At.Add(-e.Latency)})
		}
		p := phases[len(phases)-1]
		p.answers++
		p.lastAt = e.At
		if e.Busy {
			p.refused++
		}
		t.answers++
		if s := e.At.Add(-e.Latency); s.Before(first) {
			first = s
		}
		inFlight += time.Duration(e.InFlight)
		if e.Busy {
			t.refused++
			refusedLat += e.Latency
		} else {
			acceptedLat += e.Latency
		}
		if e.Limit != runLimit {
			flush()
			runLimit, runLen = e.Limit, 0
		}
		runLen++
	}
	flush()
	t.before = first.Sub(start)
	t.writing = events[len(events)-1].At.Sub(first)
	t.meanInFlight = float64(inFlight) / float64(t.answers)
	if n := t.answers - t.refused; n > 0 {
		t.meanLatency = acceptedLat / time.Duration(n)
	}
	if t.refused > 0 {
		t.refusedLatency = refusedLat / time.Duration(t.refused)
	}
	if len(runs) > 12 {
		runs = append(runs[:12], fmt.Sprintf("… (%d changes)", len(runs)-12))
	}
	t.limits = strings.Join(runs, " ")
	var ps []string
	for _, p := range phases {
		ps = append(ps, fmt.Sprintf("%s %d (%d refused) in %s", p.name, p.answers, p.refused, secs(p.lastAt.Sub(p.firstAt))))
	}
	t.phases = strings.Join(ps, ", ")
	return t
}

// String is the summary on one line, for the bench's log.
func (t traceSummary) String() string {
	if t.answers == 0 {
		return "no writes"
	}
	return fmt.Sprintf("%s before the first write, %s writing (%s); %d answers, %d refused (%.0f ms each); %.1f in flight on average, %.0f ms per accepted write; limit %s",
		secs(t.before), secs(t.writing), t.phases, t.answers, t.refused, ms(t.refusedLatency), t.meanInFlight, ms(t.meanLatency), t.limits)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
