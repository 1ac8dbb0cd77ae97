package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/bench/workflows"
	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/memstore"
	"github.com/durablegen/durable/runtime/postgres"
)

// Stores our runtime is measured on.
const (
	storeMem          = "memstore"
	storeSQLiteFull   = "sqlite FULL"
	storeSQLiteNormal = "sqlite NORMAL"
	storePostgres     = "postgres"
)

// rig is one of our stores, wrapped in a probe, with a client, the
// workflows' service and a bare committer on the same database.
type rig struct {
	kind   string
	probe  *probe
	client *runtime.Client
	svc    *workflows.Service
	bare   *bare // nil for memstore
	close  func()
}

func (e *env) openRig(ctx context.Context, kind string, maxBatch ...int) (*rig, error) {
	r := &rig{kind: kind, svc: &workflows.Service{}}
	var inner runtime.Store
	switch kind {
	case storeMem:
		inner, r.close = memstore.New(), func() {}
	case storeSQLiteFull, storeSQLiteNormal:
		sync := map[string]string{storeSQLiteFull: "FULL", storeSQLiteNormal: "NORMAL"}[kind]
		s, path, closer, err := e.openSQLite(sync, maxBatch...)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", kind, err)
		}
		b, err := newSQLiteBare(ctx, path, sync)
		if err != nil {
			closer()
			return nil, fmt.Errorf("open %s: %w", kind, err)
		}
		inner, r.bare = s, b
		r.close = func() { b.close(); closer() }
	case storePostgres:
		s, closer, err := e.openPostgres(ctx, maxBatch...)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", kind, err)
		}
		b, err := newPostgresBare(ctx, s.Pool(), s.Schema())
		if err != nil {
			closer()
			return nil, fmt.Errorf("open %s: %w", kind, err)
		}
		inner, r.bare, r.close = s, b, closer
	default:
		return nil, fmt.Errorf("unknown store %q", kind)
	}
	r.probe = newProbe(inner)
	r.client = runtime.NewClient(r.probe)
	return r, nil
}

// worker returns a worker on the rig's store running the given
// workflows, logging nothing.
func (r *rig) worker(concurrency int, defs ...durable.Definition) (*runtime.Worker, error) {
	w := runtime.NewWorker(r.probe, runtime.WorkerOptions{
		Concurrency: concurrency,
		Owner:       "bench",
		Logger:      slog.New(slog.DiscardHandler),
	})
	for _, d := range defs {
		if err := w.Register(d); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// runSequential starts one instance of Sequential(n) and drains it,
// returning the wall time.
func (r *rig) runSequential(ctx context.Context, w *runtime.Worker, id string, n int) (time.Duration, error) {
	wf := workflows.ServiceSequentialWorkflow.Bind(r.svc)
	start := time.Now()
	h, err := runtime.Start(ctx, r.client, wf, id, n)
	if err != nil {
		return 0, err
	}
	if _, err := w.Drain(ctx); err != nil {
		return 0, err
	}
	d := time.Since(start)
	got, err := h.Result(ctx)
	if err != nil {
		return 0, err
	}
	if want := n * (n + 1) / 2; got != want {
		return 0, fmt.Errorf("Sequential(%d) = %d, want %d", n, got, want)
	}
	return d, nil
}

// checkpointCost runs a 200-step sequential workflow on each store with
// a bare commit on the same database after every checkpoint, so that
// both are measured under the same conditions, and compares them. It
// returns the rows and the mean bare commit by store.
func checkpointCost(ctx context.Context, e *env, steps, runs int) ([]Row, map[string]time.Duration) {
	var rows []Row
	bareMean := map[string]time.Duration{}
	for _, kind := range []string{storeSQLiteFull, storeSQLiteNormal, storePostgres} {
		got, d, err := checkpointCostOn(ctx, e, kind, steps, runs)
		if err != nil {
			rows = append(rows, Row{Section: "checkpoint", Name: "Store.Checkpoint, " + kind, System: sysOurs, Skipped: err.Error()})
			continue
		}
		rows = append(rows, got...)
		bareMean[kind] = d
	}
	return rows, bareMean
}

func checkpointCostOn(ctx context.Context, e *env, kind string, steps, runs int) ([]Row, time.Duration, error) {
	r, err := e.openRig(ctx, kind)
	if err != nil {
		return nil, 0, err
	}
	defer r.close()
	w, err := r.worker(1, workflows.ServiceSequentialWorkflow.Bind(r.svc))
	if err != nil {
		return nil, 0, err
	}
	if _, err := r.runSequential(ctx, w, "warm", 5); err != nil {
		return nil, 0, err
	}
	var bareLat latencies
	var bareErr error
	r.probe.reset()
	r.probe.timing = true
	r.probe.after = func() {
		d, err := r.bare.commit(ctx)
		bareLat = append(bareLat, d)
		bareErr = err
	}
	for i := range runs {
		if _, err := r.runSequential(ctx, w, fmt.Sprint("timed-", i), steps); err != nil {
			return nil, 0, err
		}
		r.probe.newInstance()
	}
	r.probe.timing, r.probe.after = false, nil
	if bareErr != nil {
		return nil, 0, bareErr
	}
	floor, floorMean := us(bareLat.median()), us(bareLat.mean())
	note := fmt.Sprintf("bare commit after each: median %s µs, mean %s µs, p99 %s µs",
		number(floor), number(floorMean), number(us(bareLat.p99())))
	cp, cycles := r.probe.cp, r.probe.cycles
	rows := []Row{
		{Section: "checkpoint", Name: "Store.Checkpoint, " + kind, System: sysOurs, Unit: "µs",
			Value: us(cp.median()), P99: us(cp.p99()),
			Ratio: ratio(us(cp.median()), floor), RatioTo: "÷ bare commit",
			Note:  fmt.Sprintf("goal ≤ 1.1; mean %s µs (%.2f × bare mean); %s", number(us(cp.mean())), ratio(us(cp.mean()), floorMean), note),
			Extra: map[string]float64{"mean": us(cp.mean()), "bare_median": floor, "bare_mean": floorMean, "bare_p99": us(bareLat.p99())}},
		{Section: "checkpoint", Name: "step + machine + checkpoint, " + kind, System: sysOurs, Unit: "µs",
			Value: us(cycles.median()), P99: us(cycles.p99()),
			Ratio: ratio(us(cycles.median()), floor), RatioTo: "÷ bare commit",
			Note:  fmt.Sprintf("end of one checkpoint to the end of the next, bare commit excluded; mean %s µs", number(us(cycles.mean()))),
			Extra: map[string]float64{"mean": us(cycles.mean())}},
	}
	return rows, bareLat.mean(), nil
}

// machineOverhead measures the generated machine and the engine with no
// I/O: a 200-step workflow on a store that keeps nothing, and on the
// in-memory store. The cost per checkpoint is the difference between
// runs of 200 steps and of 0 steps, divided by 200.
func machineOverhead(ctx context.Context, budget time.Duration) []Row {
	const steps = 200
	frame, result := codecAllocs()
	codec := frame + result
	var rows []Row
	for _, kind := range []string{"no-op store", storeMem} {
		newStore := func() runtime.Store { return &noopStore{} }
		if kind == storeMem {
			newStore = func() runtime.Store { return memstore.New() }
		}
		full, empty, err := measureRuns(ctx, newStore(), steps, budget)
		if err != nil {
			rows = append(rows, Row{Section: "machine", Name: "per checkpoint, " + kind, System: sysOurs, Skipped: err.Error()})
			continue
		}
		ns, meanNS := (full.ns-empty.ns)/steps, (full.meanNS-empty.meanNS)/steps
		allocs := (full.allocs - empty.allocs) / steps
		rows = append(rows,
			Row{Section: "machine", Name: "time per checkpoint, " + kind, System: sysOurs, Value: ns, Unit: "ns",
				Note:  fmt.Sprintf("goal < 1000 ns; (median run of 200 steps − median run of 0) ÷ 200, runs alternated; with means (GC included) %s ns", number(meanNS)),
				Extra: map[string]float64{"mean": meanNS}},
			Row{Section: "machine", Name: "allocations per checkpoint, " + kind, System: sysOurs, Value: allocs, Unit: "allocs",
				Note:  fmt.Sprintf("codec %s, engine and machine %s; goal: engine ≤ 2 + codec", number(codec), number(allocs-codec)),
				Extra: map[string]float64{"bytes": (full.bytes - empty.bytes) / steps, "codec": codec, "engine": allocs - codec}},
			Row{Section: "machine", Name: "fixed cost per run (start, claim, decode, complete), " + kind, System: sysOurs,
				Value: empty.ns / 1e3, Unit: "µs", Note: fmt.Sprintf("%s allocs", number(empty.allocs)),
				Extra: map[string]float64{"allocs": empty.allocs}},
		)
	}
	rows = append(rows, Row{Section: "machine", Name: "codec allocations per checkpoint", System: sysOurs,
		Value: codec, Unit: "allocs",
		Note: fmt.Sprintf("frame encode %s (typed fast paths) + step result encoded for the history event %s", number(frame), number(result))})
	return rows
}

// cost is the cost of one run: median time, mean allocations and bytes.
type cost struct{ ns, meanNS, allocs, bytes float64 }

// measureRuns alternates runs of Sequential(steps) and Sequential(0) on s
// for about budget and returns the cost of each.
func measureRuns(ctx context.Context, s runtime.Store, steps int, budget time.Duration) (full, empty cost, err error) {
	wf := workflows.ServiceSequentialWorkflow.Bind(&workflows.Service{})
	c := runtime.NewClient(s)
	w := runtime.NewWorker(s, runtime.WorkerOptions{Owner: "bench", Logger: slog.New(slog.DiscardHandler)})
	if err := w.Register(wf); err != nil {
		return full, empty, err
	}
	id := 0
	run := func(n int) (time.Duration, memStats, error) {
		id++
		var before, after memStats
		before.read()
		start := time.Now()
		_, err := runtime.Start(ctx, c, wf, fmt.Sprint("i-", id), n)
		if err == nil {
			_, err = w.Drain(ctx)
		}
		d := time.Since(start)
		after.read()
		return d, memStats{after.mallocs - before.mallocs, after.bytes - before.bytes}, err
	}
	for range 20 { // warm up
		if _, _, err := run(steps); err != nil {
			return full, empty, err
		}
	}
	var lat [2]latencies
	var mem [2]memStats
	start := time.Now()
	for i := 0; time.Since(start) < budget || i < 20; i++ {
		for k, n := range []int{steps, 0} {
			d, m, err := run(n)
			if err != nil {
				return full, empty, err
			}
			lat[k] = append(lat[k], d)
			mem[k].mallocs += m.mallocs
			mem[k].bytes += m.bytes
		}
	}
	costOf := func(k int) cost {
		n := float64(len(lat[k]))
		return cost{ns: float64(lat[k].median()), meanNS: float64(lat[k].mean()),
			allocs: float64(mem[k].mallocs) / n, bytes: float64(mem[k].bytes) / n}
	}
	return costOf(0), costOf(1), nil
}

// resumeCost measures, on each store, how long an instance takes to
// resume after k committed checkpoints (from the signal that makes it
// runnable to the start of its next step) and how many rows the engine
// reads to do so.
func resumeCost(ctx context.Context, e *env, ks []int, samples int) ([]Row, map[string]map[int]time.Duration) {
	var rows []Row
	medians := map[string]map[int]time.Duration{}
	for _, kind := range []string{storeMem, storeSQLiteFull, storePostgres} {
		got, med, err := resumeCostOn(ctx, e, kind, ks, samples)
		if err != nil {
			rows = append(rows, Row{Section: "resume", Name: "resume, " + kind, System: sysOurs, Skipped: err.Error()})
			continue
		}
		rows = append(rows, got...)
		medians[kind] = med
	}
	return rows, medians
}

func resumeCostOn(ctx context.Context, e *env, kind string, ks []int, samples int) ([]Row, map[int]time.Duration, error) {
	r, err := e.openRig(ctx, kind)
	if err != nil {
		return nil, nil, err
	}
	defer r.close()
	var resumed time.Time
	r.svc.OnStep = func(i int) {
		if i < 0 {
			resumed = time.Now()
		}
	}
	wf := workflows.ServiceResumableWorkflow.Bind(r.svc)
	w, err := r.worker(1, wf)
	if err != nil {
		return nil, nil, err
	}
	id := func(k int) string { return fmt.Sprint("resume-", k) }
	for _, k := range ks {
		if _, err := runtime.Start(ctx, r.client, wf, id(k), k); err != nil {
			return nil, nil, err
		}
	}
	if _, err := w.Drain(ctx); err != nil {
		return nil, nil, err
	}
	lat := map[int]latencies{}
	rowsRead := map[int]int{}
	calls := map[int]map[string]int{}
	for i := range samples + 1 { // the first round warms caches
		for _, k := range ks {
			r.probe.reset()
			start := time.Now()
			if err := r.client.Signal(ctx, id(k), "next", true); err != nil {
				return nil, nil, err
			}
			if _, err := w.Drain(ctx); err != nil {
				return nil, nil, err
			}
			if resumed.Before(start) {
				return nil, nil, fmt.Errorf("instance %s did not resume", id(k))
			}
			if i > 0 {
				lat[k] = append(lat[k], resumed.Sub(start))
			}
			rowsRead[k], calls[k] = r.probe.snapshot()
		}
	}
	for _, k := range ks {
		if err := r.client.Signal(ctx, id(k), "next", false); err != nil {
			return nil, nil, err
		}
	}
	if _, err := w.Drain(ctx); err != nil {
		return nil, nil, err
	}
	var rows []Row
	med := map[int]time.Duration{}
	for _, k := range ks {
		med[k] = lat[k].median()
		row := Row{Section: "resume", Name: fmt.Sprintf("resume after k=%d, %s", k, kind), System: sysOurs, Unit: "µs",
			Value: us(lat[k].median()), P99: us(lat[k].p99()),
			Note:  fmt.Sprintf("rows read %d (store calls: %s)", rowsRead[k], formatCalls(calls[k])),
			Extra: map[string]float64{"rows_read": float64(rowsRead[k])}}
		if k != ks[0] {
			row.Ratio, row.RatioTo = ratio(float64(med[k]), float64(med[ks[0]])), fmt.Sprintf("÷ k=%d", ks[0])
		}
		rows = append(rows, row)
	}
	return rows, med, nil
}

// formatCalls lists store calls in a fixed order.
func formatCalls(calls map[string]int) string {
	s := ""
	for _, name := range []string{"Claim", "Get", "History", "Checkpoint"} {
		if n := calls[name]; n > 0 {
			if s != "" {
				s += ", "
			}
			s += fmt.Sprintf("%s %d", name, n)
		}
	}
	return s
}

// throughput runs n workflows of 5 steps on each store with a worker of
// each concurrency: instances are started by 4 clients while the worker
// runs, and the clock stops at the last result. The rates are keyed by
// rateKey.
func throughput(ctx context.Context, e *env, n int, concurrencies []int) ([]Row, map[string]float64, map[string]cpuUse) {
	var rows []Row
	rates := map[string]float64{}
	cpus := map[string]cpuUse{}
	for _, concurrency := range concurrencies {
		for _, kind := range []string{storeSQLiteFull, storePostgres, storeMem} {
			rate, cpu, err := throughputCPU(ctx, e, kind, n, concurrency)
			row := Row{Section: "throughput", Name: throughputName(n, concurrency, kind),
				System: sysOurs, Value: rate, Unit: "workflows/s"}
			if err != nil {
				row.Skipped = err.Error()
			} else {
				rates[rateKey(kind, concurrency)] = rate
				cpus[rateKey(kind, concurrency)] = cpu
				row.Note = "CPU per workflow: " + cpu.String()
				row.Extra = map[string]float64{"cpu_self_us": us(cpu.self), "cpu_backends_us": us(cpu.backends)}
			}
			rows = append(rows, row)
		}
	}
	// The stores as they were before they batched, every write alone, on
	// fewer workflows: the rate is what counts, and it is slow.
	concurrency := concurrencies[0]
	for _, kind := range []string{storeSQLiteFull, storePostgres} {
		rate, cpu, err := throughputCPU(ctx, e, kind, n/4, concurrency, 1)
		row := Row{Section: "throughput", Name: throughputName(n/4, concurrency, kind) + ", batching off",
			System: sysOurs, Value: rate, Unit: "workflows/s",
			Note: "MaxBatch 1: every write committed alone; CPU per workflow: " + cpu.String()}
		if err != nil {
			row.Skipped = err.Error()
		} else if on := rates[rateKey(kind, concurrency)]; on > 0 {
			row.Ratio, row.RatioTo = ratio(on, rate), "batching on ÷ off"
		}
		rows = append(rows, row)
	}
	return rows, rates, cpus
}

func throughputName(n, concurrency int, store string) string {
	return fmt.Sprintf("%d workflows × 5 steps, %d workers, %s", n, concurrency, store)
}

func rateKey(store string, concurrency int) string { return fmt.Sprintf("%s/%d", store, concurrency) }

func throughputOn(ctx context.Context, e *env, kind string, n, concurrency int, maxBatch ...int) (float64, error) {
	rate, _, err := throughputCPU(ctx, e, kind, n, concurrency, maxBatch...)
	return rate, err
}

// throughputCPU is throughputOn that also returns the CPU time per
// workflow, the PostgreSQL backends' included on PostgreSQL.
func throughputCPU(ctx context.Context, e *env, kind string, n, concurrency int, maxBatch ...int) (float64, cpuUse, error) {
	var cpu cpuUse
	r, err := e.openRig(ctx, kind, maxBatch...)
	if err != nil {
		return 0, cpu, err
	}
	defer r.close()
	backends := func() (time.Duration, error) { return 0, nil }
	if kind == storePostgres {
		app := r.probe.Store.(*postgres.Store).Schema()
		backends = func() (time.Duration, error) { return backendCPU(ctx, e.pgDSN, "application_name = $1", app) }
	}
	self0 := processCPU()
	back0, err := backends()
	if err != nil {
		return 0, cpu, err
	}
	wf := workflows.ServiceSequentialWorkflow.Bind(r.svc)
	w, err := r.worker(concurrency, wf)
	if err != nil {
		return 0, cpu, err
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(runCtx) }()
	defer func() { stop(); <-done }()

	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	start := time.Now()
	clients := concurrency // as many goroutines start them as DBOS runs them with (see dbos.go)
	errs := make(chan error, clients)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := c; i < n; i += clients {
				if _, err := runtime.Start(ctx, r.client, wf, fmt.Sprint("tp-", i), 5); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return 0, cpu, err
	}
	for i := range n {
		if _, err := runtime.Attach[int](r.client, fmt.Sprint("tp-", i)).Result(ctx); err != nil {
			return 0, cpu, err
		}
	}
	elapsed := time.Since(start)
	back1, err := backends()
	if err != nil {
		return 0, cpu, err
	}
	cpu = cpuUse{self: processCPU() - self0, backends: back1 - back0}.per(n)
	return float64(n) / elapsed.Seconds(), cpu, nil
}
