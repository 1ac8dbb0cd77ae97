package killtest

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/durablegen/durable/internal/killtest/shop"
	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/sqlite"
)

var seed = flag.Uint64("seed", 1, "seed of the kill times")

const (
	instances = 30
	maxKills  = 6
	lease     = 500 * time.Millisecond
	deadline  = 60 * time.Second
)

// TestKill starts instances of shop.Order, runs them in a worker process
// that it kills with SIGKILL at random times and restarts, and then checks
// from the store and from the steps' ledger that each instance completed
// exactly once and that only steps in flight at a kill ran twice.
func TestKill(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts a worker process for about ten seconds; go test ./internal/killtest runs it")
	}
	ctx := context.Background()
	dir := t.TempDir()
	bin := buildWorker(t, dir)
	dbPath, ledgerPath := filepath.Join(dir, "durable.db"), filepath.Join(dir, "ledger.db")
	store, err := sqlite.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ledger, err := shop.OpenLedger(ctx, ledgerPath)
	if err != nil {
		t.Fatal(err)
	}
	defer ledger.Close()

	c := runtime.NewClient(store)
	ids := make([]string, instances)
	for i := range ids {
		ids[i] = fmt.Sprintf("order-%02d", i)
		in := shop.Input{Ledger: ledgerPath, Items: 5, Work: 25 * time.Millisecond, Nap: 300 * time.Millisecond}
		if _, err := runtime.Start(ctx, c, shop.OrderWorkflow, ids[i], in); err != nil {
			t.Fatal(err)
		}
	}

	r := &runner{t: t, bin: bin, db: dbPath, store: store, ids: ids, inFlight: map[string]bool{}}
	start := time.Now()
	r.run(ctx, rand.New(rand.NewPCG(*seed, *seed)))
	t.Logf("seed %d: %d instances completed in %v with %d kills", *seed, instances, time.Since(start).Round(time.Millisecond), r.kills)

	effects, err := shop.Effects(ctx, ledger)
	if err != nil {
		t.Fatal(err)
	}
	committed := checkInstances(t, store, ids)
	reruns := checkEffects(t, committed, effects, r.inFlight)
	t.Logf("%d step executions for %d committed steps: %d re-executions, all of steps in flight at a kill", len(effects), len(committed), reruns)
	if t.Failed() {
		t.Logf("worker stderr:\n%s", r.stderr.String())
	}
}

// buildWorker builds ./worker into dir.
func buildWorker(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "worker")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/durablegen/durable/internal/killtest/worker").CombinedOutput()
	if err != nil {
		t.Fatalf("go build worker: %v\n%s", err, out)
	}
	return bin
}

// runner runs the worker process, kills it and restarts it.
type runner struct {
	t     *testing.T
	bin   string
	db    string
	store *sqlite.Store
	ids   []string

	stderr   lockedBuffer
	kills    int
	inFlight map[string]bool // step keys whose checkpoint had not committed at a kill
}

// run runs the worker until every instance completed, killing it up to
// maxKills times after random delays.
func (r *runner) run(ctx context.Context, rng *rand.Rand) {
	t := r.t
	end := time.Now().Add(deadline)
	for {
		cmd, stdin := r.start()
		if r.kills < maxKills {
			delay := 100*time.Millisecond + time.Duration(rng.Int64N(int64(500*time.Millisecond)))
			if done := r.waitDone(ctx, time.Now().Add(delay)); !done {
				r.kill(ctx, cmd)
				continue
			}
		} else if !r.waitDone(ctx, end) {
			r.kill(ctx, cmd)
			t.Fatalf("not every instance completed within %v: %s\nworker stderr:\n%s", deadline, r.statuses(ctx), r.stderr.String())
		}
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("worker exited with %v after a graceful stop", err)
		}
		r.checkBatches()
		return
	}
}

// checkBatches reads what the last worker, stopped gracefully, says of
// its store's transactions: the worker runs with the store's batching on,
// as a deployment does, so once it committed enough, some of its
// transactions held several writes.
func (r *runner) checkBatches() {
	var writes, batches int64
	for _, line := range strings.Split(r.stderr.String(), "\n") {
		var w, b int64
		if _, err := fmt.Sscanf(line, "store: %d writes in %d transactions", &w, &b); err == nil {
			writes, batches = w, b
		}
	}
	r.t.Logf("the last worker's store committed %d writes in %d transactions", writes, batches)
	if writes >= 50 && writes <= batches {
		r.t.Errorf("no transaction of the last worker held more than one write (%d writes, %d transactions): batching did not run", writes, batches)
	}
}

func (r *runner) start() (*exec.Cmd, io.WriteCloser) {
	cmd := exec.Command(r.bin, "-db", r.db, "-lease", lease.String(), "-concurrency", "4")
	cmd.Stderr = &r.stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		r.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	return cmd, stdin
}

// kill kills the worker with SIGKILL and records, for every instance it
// was running, the step key of the checkpoint it had not committed.
func (r *runner) kill(ctx context.Context, cmd *exec.Cmd) {
	t := r.t
	if err := cmd.Process.Kill(); err != nil {
		t.Fatalf("kill worker: %v", err)
	}
	_ = cmd.Wait()
	r.kills++
	for _, id := range r.ids {
		inst, err := r.store.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if inst.Status == runtime.StatusRunning {
			r.inFlight[stepKey(id, inst.Seq+1)] = true
		}
	}
}

// waitDone waits until every instance is terminal (true) or until.
func (r *runner) waitDone(ctx context.Context, until time.Time) bool {
	for {
		done := true
		for _, id := range r.ids {
			inst, err := r.store.Get(ctx, id)
			if err != nil {
				r.t.Fatal(err)
			}
			if !inst.Status.Terminal() {
				done = false
				break
			}
		}
		if done {
			return true
		}
		if time.Now().After(until) {
			return false
		}
		time.Sleep(min(20*time.Millisecond, time.Until(until)))
	}
}

func (r *runner) statuses(ctx context.Context) string {
	var b strings.Builder
	for _, id := range r.ids {
		inst, err := r.store.Get(ctx, id)
		if err != nil {
			fmt.Fprintf(&b, "%s: %v; ", id, err)
			continue
		}
		fmt.Fprintf(&b, "%s: %s at %d; ", id, inst.Status, inst.Seq)
	}
	return b.String()
}

func stepKey(id string, seq int64) string { return fmt.Sprintf("%s/%d", id, seq) }

// checkInstances checks that every instance completed exactly once with
// a gapless history, and returns its committed steps: step key → name.
func checkInstances(t *testing.T, store *sqlite.Store, ids []string) map[string]string {
	t.Helper()
	ctx := context.Background()
	committed := map[string]string{}
	for _, id := range ids {
		inst, err := store.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if inst.Status != runtime.StatusCompleted {
			t.Errorf("Get(%s).Status = %s, want %s (error %q)", id, inst.Status, runtime.StatusCompleted, inst.Error)
		}
		history, err := store.History(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		completes := 0
		for i, ev := range history {
			if ev.Seq != int64(i+1) {
				t.Errorf("History(%s)[%d].Seq = %d, want %d", id, i, ev.Seq, i+1)
			}
			switch ev.Kind {
			case "complete":
				completes++
			case "step":
				committed[stepKey(id, ev.Seq)] = ev.Name
			}
		}
		if completes != 1 || history[len(history)-1].Kind != "complete" {
			t.Errorf("History(%s) has %d complete events, the last event is %q; want exactly one, last", id, completes, history[len(history)-1].Kind)
		}
		if int64(len(history)) != inst.Seq {
			t.Errorf("History(%s) has %d events, Get(%s).Seq = %d", id, len(history), id, inst.Seq)
		}
	}
	return committed
}

// checkEffects checks the ledger against the committed steps: every
// committed step ran, every execution belongs to a committed step of the
// same name, and a step ran more than once only if its checkpoint was in
// flight at a kill. It returns the number of re-executions.
func checkEffects(t *testing.T, committed map[string]string, effects []shop.Effect, inFlight map[string]bool) int {
	t.Helper()
	runs := map[string]int{}
	for _, e := range effects {
		runs[e.StepKey]++
		name, ok := committed[e.StepKey]
		switch {
		case !ok:
			t.Errorf("ledger: step %s (%s) ran but never committed", e.StepKey, e.Step)
		case name != e.Step:
			t.Errorf("ledger: step %s ran as %s, committed as %s", e.StepKey, e.Step, name)
		}
	}
	reruns := 0
	for _, key := range slices.Sorted(maps.Keys(committed)) {
		n := runs[key]
		switch {
		case n == 0:
			t.Errorf("ledger: committed step %s never ran", key)
		case n > 1 && !inFlight[key]:
			t.Errorf("ledger: step %s ran %d times, but it was not in flight at any kill", key, n)
		}
		reruns += max(n-1, 0)
	}
	return reruns
}

// lockedBuffer collects the stderr of successive workers.
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
