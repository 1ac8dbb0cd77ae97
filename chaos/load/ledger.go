package load

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/durablegen/durable"
)

// Ledger is the receiver of the workflows: the file in which their steps
// record their executions. It is never serialized.
type Ledger struct {
	mu    sync.Mutex
	f     *os.File
	owner string
	epoch func(id string) int64
	crash func()
}

// Hooks are what a worker process gives its ledger.
type Hooks struct {
	// Epoch returns the epoch under which this process last claimed
	// instance id, recorded with each execution.
	Epoch func(id string) int64
	// Crash ends the process: the effect of the poison step [Ledger.Crash].
	Crash func()
}

// OpenLedger opens (creating) the ledger file of worker owner in dir.
func OpenLedger(dir, owner string, h Hooks) (*Ledger, error) {
	path := filepath.Join(dir, owner+".ledger")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open ledger: %w", err)
	}
	if h.Epoch == nil {
		h.Epoch = func(string) int64 { return 0 }
	}
	if h.Crash == nil {
		h.Crash = func() {}
	}
	return &Ledger{f: f, owner: owner, epoch: h.Epoch, crash: h.Crash}, nil
}

// Close closes the ledger file.
func (l *Ledger) Close() error { return l.f.Close() }

// Execution is one execution of a step, as the ledger recorded it.
type Execution struct {
	Key      string `json:"k"` // durable.StepKey
	Instance string `json:"id"`
	Seq      int64  `json:"seq"`
	Step     string `json:"step"`
	Index    int    `json:"i"` // the step's argument i: its place in the workflow
	Attempt  int    `json:"a"`
	Owner    string `json:"o"`
	Epoch    int64  `json:"e"`
	PID      int    `json:"pid"`
	At       int64  `json:"at"` // wall clock, Unix nanoseconds, before the step's work
}

// Time returns the execution's start.
func (e Execution) Time() time.Time { return time.Unix(0, e.At) }

// record appends the execution of the step running with ctx, in one
// write, so that a process killed at any instant leaves whole lines.
func (l *Ledger) record(ctx context.Context, i int) error {
	info, ok := durable.Step(ctx)
	if !ok {
		return errors.New("record execution: not called from a step")
	}
	b, _ := json.Marshal(Execution{ // strings and numbers: it cannot fail
		Key: info.Key(), Instance: info.InstanceID, Seq: info.Seq, Step: info.Name, Index: i,
		Attempt: info.Attempt, Owner: l.owner, Epoch: l.epoch(info.InstanceID), PID: os.Getpid(),
		At: time.Now().UnixNano(),
	})
	b = append(b, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, err := l.f.Write(b); err != nil {
		return fmt.Errorf("record execution of %s: %w", info.Key(), err)
	}
	return nil
}

// ReadLedgers reads every ledger file in dir, ordered by start time.
func ReadLedgers(dir string) ([]Execution, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.ledger"))
	if err != nil {
		return nil, err
	}
	var all []Execution
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("read ledger: %w", err)
		}
		// A process killed in the middle of a write leaves its last line
		// cut: drop it (the step's execution did not happen).
		if i := bytes.LastIndexByte(b, '\n'); i+1 < len(b) {
			b = b[:i+1]
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(nil, 1<<20)
		for n := 1; sc.Scan(); n++ {
			var e Execution
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				return nil, fmt.Errorf("ledger %s line %d: %w", p, n, err)
			}
			all = append(all, e)
		}
	}
	slices.SortStableFunc(all, func(a, b Execution) int {
		if a.At != b.At {
			if a.At < b.At {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Key, b.Key)
	})
	return all, nil
}
