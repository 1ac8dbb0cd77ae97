package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/durablegen/durable/chaos/load"
	"github.com/durablegen/durable/chaos/trace"
	"github.com/durablegen/durable/runtime"
)

// poisonScenarios: 14, poison instances among healthy ones.
func poisonScenarios() []*scenario {
	short := plan{
		duration: 10 * time.Second, faults: 4, lease: 500 * time.Millisecond, poll: 50 * time.Millisecond, // duration: a limit; it ends when every instance has, after 4-6 s
		workers: 2, concurrency: 16, active: 40, steps: 5, work: 10 * time.Millisecond, shutdown: time.Second, settle: 5 * time.Second,
	}
	long := short
	long.duration, long.faults = 2*time.Minute, 20
	return perStore("poison", "instances whose frame names an unknown machine state, whose workflow code panics, or whose step kills its worker, among healthy ones",
		short, long, runPoison)
}

// poisonKinds are the poison instances, by the prefix of their IDs, and
// what their error must say.
var poisonKinds = []struct{ prefix, kind, reason string }{
	{"badstate-", "unknown machine state", "machine state"},
	{"panic-", "panic in the workflow's code", "panicked"},
	{"crash-", "a step that kills its worker on every attempt", ""},
}

// runPoison starts p.faults instances of each poison kind among p.active
// healthy ones and runs until every instance has ended or p.duration.
func runPoison(e *env, p plan) (judge, error) {
	var healthy []load.Input
	for range p.active {
		healthy = append(healthy, load.Input{Steps: p.steps, Work: p.work})
	}
	if _, err := e.start("i", healthy); err != nil {
		return nil, err
	}
	poisoned := load.Input{Steps: p.steps, Work: p.work}
	for range p.faults {
		poisoned.Poison = "panic"
		if _, err := e.start("panic-", []load.Input{poisoned}); err != nil {
			return nil, err
		}
		poisoned.Poison = "crash"
		if _, err := e.start("crash-", []load.Input{poisoned}); err != nil {
			return nil, err
		}
		if err := e.startBadState(fmt.Sprintf("badstate-%05d", len(e.started))); err != nil {
			return nil, err
		}
	}
	if err := e.workers(p.workers, p.concurrency, p.shutdown); err != nil {
		return nil, err
	}
	bg := background(e, p, false)
	deadline := time.Now().Add(p.duration)
	for time.Now().Before(deadline) {
		if left, _, err := e.pending(); err == nil && len(left) == 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := bg.finish(0); err != nil {
		return nil, err
	}
	return func(ev *evidence, f *figures) []verdict {
		claims := map[string]int{}
		committed := map[heldKey]bool{} // runs (owner "", instance, epoch) that committed something
		for _, pt := range ev.procs {
			if pt.status.Signaled() && pt.status.Signal() == syscall.SIGKILL {
				f.faults["worker killed by a poison step"]++
			}
			for _, x := range pt.events {
				switch {
				case x.Op == trace.OpClaim && x.Err == "":
					claims[x.ID]++
				case x.Op == trace.OpCommit && x.Err == "":
					committed[heldKey{id: x.ID, epoch: x.Epoch}] = true
				}
			}
		}
		// The attempts of a poison instance are its runs that reached its
		// poison step (the ledger has the step's execution) and committed
		// nothing: a claim whose run was cut before it got there (a
		// neighbour killed the worker) tried nothing, and the run that
		// first reached the step had committed the steps before it.
		attempts := map[string]map[int64]bool{}
		for _, x := range ev.execs {
			if x.Step != "Crash" || committed[heldKey{id: x.Instance, epoch: x.Epoch}] {
				continue
			}
			if attempts[x.Instance] == nil {
				attempts[x.Instance] = map[int64]bool{}
			}
			attempts[x.Instance][x.Epoch] = true
		}
		var out []verdict
		for _, k := range poisonKinds {
			ended, most, mostTried, n := 0, 0, 0, 0
			for _, id := range slices.Sorted(maps.Keys(ev.started)) {
				if !strings.HasPrefix(id, k.prefix) {
					continue
				}
				n++
				tried := claims[id]
				if k.prefix == "crash-" {
					tried = len(attempts[id])
				}
				most, mostTried = max(most, claims[id]), max(mostTried, tried)
				inst := ev.insts[id]
				switch {
				case inst == nil:
				case inst.Status != runtime.StatusFailed || inst.Error == "" || !strings.Contains(inst.Error, k.reason):
					f.example(k.kind, "%s: %s after %d claims, error %q", id, inst.Status, claims[id], inst.Error)
				case tried > 3:
					f.example(k.kind, "%s: failed after %d attempts (%d claims)", id, tried, claims[id])
				default:
					ended++
				}
			}
			e.figure(k.kind, "%d of %d failed with their reason within 3 attempts (most attempts of one: %d; most claims: %d)", ended, n, mostTried, most)
			out = append(out, verdict{name: k.kind, ok: ended == n, got: fmt.Sprintf("%d of %d ended within 3 attempts", ended, n), want: "all"})
		}
		return out
	}, nil
}

// startBadState creates an instance of the workload whose frame names a
// machine state the workflow does not have, as a frame written by another
// build would.
func (e *env) startBadState(id string) error {
	wf := load.LedgerRunWorkflow.Bind(nil)
	enc := runtime.NewEncoder(nil, nil)
	enc.Int("pc", 9999)
	frame, err := enc.Bytes()
	if err != nil {
		return err
	}
	e.mu.Lock()
	e.started[id] = load.Input{Poison: "badstate"}
	e.mu.Unlock()
	_, _, err = e.st.s.Create(e.ctx, &runtime.Instance{ID: id, Workflow: wf.Name(), Version: wf.Version(), Status: runtime.StatusReady, Frame: frame})
	return err
}
