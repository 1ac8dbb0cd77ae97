package main

import (
	"bytes"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/durablegen/durable/chaos/trace"
)

// fleet runs the worker processes of a scenario: a few slots, each holding
// one process at a time. A slot whose process died is started again by
// [fleet.keep], under a new owner name, so that every process has a trace
// and a ledger of its own.
type fleet struct {
	bin  string
	args []string // common to every worker: store, ledger, lease...
	// onFault is called, in the trace reader's goroutine, when a worker
	// traces a fault it fires at itself.
	onFault func(p *proc, ev trace.Event)
	// command, if set, returns the command line that runs the worker of
	// slot, given the one that runs it as is.
	command func(slot int, bin string, args []string) (string, []string)

	held atomic.Bool // keep starts nothing (a power cut is under way)

	mu    sync.Mutex
	procs []*proc // every process started, in order
	slots []*proc // the current process of each slot
	runs  []int   // processes started per slot
	err   error   // why keep could not start a process
}

// proc is one worker process.
type proc struct {
	owner  string
	slot   int
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr lockedBuffer
	start  time.Time

	mu     sync.Mutex
	events []trace.Event
	exited chan struct{} // closed when the process was waited for
	exitAt time.Time
	status syscall.WaitStatus
}

func newFleet(bin string, slots int, args ...string) *fleet {
	return &fleet{bin: bin, args: args, slots: make([]*proc, slots), runs: make([]int, slots), onFault: func(*proc, trace.Event) {}}
}

// start starts a process in slot with extra arguments and returns it.
func (f *fleet) start(slot int, extra ...string) (*proc, error) {
	f.mu.Lock()
	n := f.runs[slot]
	f.runs[slot]++
	f.mu.Unlock()
	p := &proc{owner: fmt.Sprintf("w%d.%d", slot, n), slot: slot, exited: make(chan struct{})}
	bin, args := f.bin, append(append(slices.Clone(f.args), "-owner", p.owner), extra...)
	if f.command != nil {
		bin, args = f.command(slot, bin, args)
	}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stderr = &p.stderr
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	p.start = time.Now()
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start worker %s: %w", p.owner, err)
	}
	f.mu.Lock()
	f.procs = append(f.procs, p)
	f.slots[slot] = p
	f.mu.Unlock()
	go func() {
		err := trace.Read(stdout, func(ev trace.Event) {
			p.mu.Lock()
			p.events = append(p.events, ev)
			p.mu.Unlock()
			if ev.Op == trace.OpFault {
				f.onFault(p, ev)
			}
		})
		if err != nil {
			fmt.Fprintf(&p.stderr, "harness: reading the trace: %v\n", err)
			_, _ = io.Copy(io.Discard, stdout)
		}
		_ = p.cmd.Wait()
		p.mu.Lock()
		p.exitAt = time.Now()
		p.status, _ = p.cmd.ProcessState.Sys().(syscall.WaitStatus)
		p.mu.Unlock()
		close(p.exited)
	}()
	return p, nil
}

// current returns the process of slot.
func (f *fleet) current(slot int) *proc {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.slots[slot]
}

// all returns every process started so far.
func (f *fleet) all() []*proc {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.procs)
}

// alive reports whether p has not exited.
func (p *proc) alive() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// started reports whether p has traced its start: it runs its worker.
func (p *proc) started() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.events) > 0 && p.events[0].Op == trace.OpStart
}

// committed reports whether p has traced a successful commit.
func (p *proc) committed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.ContainsFunc(p.events, func(e trace.Event) bool { return e.Op == trace.OpCommit && e.Err == "" })
}

// waitRunning waits until every worker of the fleet has started and one
// has committed a checkpoint, or fails after timeout with the workers'
// output.
func (e *env) waitRunning(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		all, any := true, false
		for _, p := range e.fleet.all() {
			all = all && p.started()
			any = any || p.committed()
		}
		if all && any {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the workers did not start and commit within %v:\n%s", timeout, e.fleet.stderrs())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// signal sends sig to p if it still runs.
func (p *proc) signal(sig syscall.Signal) bool {
	if !p.alive() {
		return false
	}
	return p.cmd.Process.Signal(sig) == nil
}

// command writes a command line (a fault to arm) to p's stdin.
func (p *proc) command(line string) bool {
	if !p.alive() {
		return false
	}
	_, err := io.WriteString(p.stdin, line+"\n")
	return err == nil
}

// trace returns the events p traced so far.
func (p *proc) trace() []trace.Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.events)
}

// exit returns when p exited and how; ok is false while it runs.
func (p *proc) exit() (at time.Time, status syscall.WaitStatus, ok bool) {
	if p.alive() {
		return time.Time{}, 0, false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.exitAt, p.status, true
}

// keep starts a new process in every slot whose process exited at least
// delay ago; an error stops it for good (see failure).
func (f *fleet) keep(delay time.Duration) {
	if f.failure() != nil || f.held.Load() {
		return
	}
	for slot := range f.slots {
		p := f.current(slot)
		if at, _, ok := p.exit(); ok && time.Since(at) >= delay {
			if _, err := f.start(slot); err != nil {
				f.mu.Lock()
				f.err = err
				f.mu.Unlock()
				return
			}
		}
	}
}

// hold stops keep from starting processes (on) until it is called again
// (off).
func (f *fleet) hold(on bool) { f.held.Store(on) }

// failure returns why keep stopped starting processes, if it did.
func (f *fleet) failure() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

// stopAll stops every running process gracefully (closing its stdin,
// resuming it first if it was stopped) and waits for them, killing those
// that take longer than grace.
func (f *fleet) stopAll(grace time.Duration) {
	for _, p := range f.all() {
		if p.alive() {
			p.signal(syscall.SIGCONT)
			p.stdin.Close()
		}
	}
	deadline := time.After(grace)
	for _, p := range f.all() {
		select {
		case <-p.exited:
		case <-deadline:
			p.signal(syscall.SIGKILL)
			<-p.exited
		}
	}
}

// stderrs returns the stderr of every process that wrote to it.
func (f *fleet) stderrs() string {
	var b bytes.Buffer
	for _, p := range f.all() {
		if s := p.stderr.String(); s != "" {
			fmt.Fprintf(&b, "--- worker %s stderr:\n%s", p.owner, s)
		}
	}
	return b.String()
}

// lockedBuffer collects the output of a process.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
