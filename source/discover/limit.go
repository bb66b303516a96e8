package discover

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"sync"
)

// MaxModuleSize is the largest Python file discovery analyses: analysing a file takes several
// times its size in memory, and no hand-written flow module comes near this. A larger file
// that never mentions "flow" cannot define one and is skipped; one that does is reported as
// invalid, so the run stops (exclude the file, or split it) rather than silently miss a flow.
const MaxModuleSize = 4 << 20

// analysisBudget bounds the bytes of source being analysed at once across the concurrent
// readers, so that peak memory does not grow with the number of CPUs.
const analysisBudget = 4 << 20

// budget is a counting semaphore over bytes of source.
type budget struct {
	mu    sync.Mutex
	cond  *sync.Cond
	free  int64
	total int64
}

func newBudget(n int64) *budget {
	b := &budget{free: n, total: n}
	b.cond = sync.NewCond(&b.mu)
	return b
}

// acquire waits until n bytes (at most the whole budget) are free and takes them; it returns
// what it took, for release.
func (b *budget) acquire(n int64) int64 {
	n = min(max(n, 1), b.total)
	b.mu.Lock()
	for b.free < n {
		b.cond.Wait()
	}
	b.free -= n
	b.mu.Unlock()
	return n
}

func (b *budget) release(n int64) {
	b.mu.Lock()
	b.free += n
	b.mu.Unlock()
	b.cond.Broadcast()
}

var sourceBudget = newBudget(analysisBudget)

// oversized decides about a file larger than MaxModuleSize without holding it in memory:
// nil when it never mentions "flow" (skip it), else an invalid-file warning naming the first
// line that does.
func oversized(rel, path string, size int64) []Warning {
	f, err := os.Open(path)
	if err != nil {
		return []Warning{{File: rel, Message: fmt.Sprintf("failed to read file: %v", err)}}
	}
	defer f.Close()
	line, col, found, err := firstMention(f, []byte("flow"))
	if err != nil {
		return []Warning{{File: rel, Message: fmt.Sprintf("failed to read file: %v", err)}}
	}
	if !found {
		return nil
	}
	return []Warning{{File: rel, Line: line, Column: col, Invalid: true, Message: fmt.Sprintf(
		"file is larger than the %d MiB a flow module may be (%d bytes), and mentions \"flow\" here, so it is not skipped silently; exclude it if it holds no flow, or split it",
		MaxModuleSize>>20, size)}}
}

// firstMention streams r and returns the 1-based line and byte column of the first occurrence
// of word, holding at most 64 KiB of it at a time.
func firstMention(r io.Reader, word []byte) (line, col int, found bool, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	line, col = 1, 1 // col: where the current chunk starts in its line
	for {
		chunk, err := br.ReadSlice('\n')
		if i := bytes.Index(chunk, word); i >= 0 {
			return line, col + i, true, nil
		}
		switch err {
		case nil:
			line, col = line+1, 1
		case bufio.ErrBufferFull:
			// A line longer than the buffer: look for the word across the boundary too.
			tail := append([]byte(nil), chunk[max(0, len(chunk)-len(word)+1):]...)
			next, _ := br.Peek(len(word) - 1) // short at the end of the file
			if i := bytes.Index(append(tail, next...), word); i >= 0 {
				return line, col + len(chunk) - len(tail) + i, true, nil
			}
			col += len(chunk)
		case io.EOF:
			return 0, 0, false, nil
		default:
			return 0, 0, false, err
		}
	}
}
