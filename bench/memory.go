package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	goruntime "runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/durablegen/durable/bench/workflows"
	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/sqlite"
)

// sleeperReport is what the memory child prints.
type sleeperReport struct {
	N          int     `json:"n"`
	VmHWMKiB   int     `json:"vmhwm_kib"` // peak resident set
	VmRSSKiB   int     `json:"vmrss_kib"` // resident set once all sleep, after a GC
	HeapInuse  uint64  `json:"heap_inuse"`
	Goroutines int     `json:"goroutines"`
	Seconds    float64 `json:"seconds"`
}

// memory runs the child process with a small and a large number of
// sleeping instances and reports the peak RSS of the large one and the
// memory per instance between the two.
func memory(ctx context.Context, n int) []Row {
	fail := func(err error) []Row {
		return []Row{{Section: "memory", Name: fmt.Sprintf("worker with %d sleeping instances", n), System: sysOurs, Skipped: err.Error()}}
	}
	small, err := runSleeperChild(ctx, n/10)
	if err != nil {
		return fail(err)
	}
	large, err := runSleeperChild(ctx, n)
	if err != nil {
		return fail(err)
	}
	per := func(a, b float64) float64 { return (b - a) / float64(large.N-small.N) }
	note := fmt.Sprintf("%d-instance run: %d KiB; SQLite store (synchronous NORMAL), worker concurrency 16, client in the same process", small.N, small.VmHWMKiB)
	return []Row{
		{Section: "memory", Name: fmt.Sprintf("peak RSS (VmHWM), %d sleeping instances", large.N), System: sysOurs,
			Value: float64(large.VmHWMKiB) / 1024, Unit: "MiB", Note: note},
		{Section: "memory", Name: "peak RSS per sleeping instance", System: sysOurs,
			Value: per(float64(small.VmHWMKiB)*1024, float64(large.VmHWMKiB)*1024), Unit: "bytes",
			Note: fmt.Sprintf("(VmHWM(%d) − VmHWM(%d)) ÷ %d; goal ≈ 0", large.N, small.N, large.N-small.N)},
		{Section: "memory", Name: "Go heap in use per sleeping instance, after GC", System: sysOurs,
			Value: per(float64(small.HeapInuse), float64(large.HeapInuse)), Unit: "bytes",
			Note: fmt.Sprintf("heap %d KiB with %d sleeping, %d KiB with %d; %d goroutines", large.HeapInuse/1024, large.N, small.HeapInuse/1024, small.N, large.Goroutines)},
	}
}

func runSleeperChild(ctx context.Context, n int) (*sleeperReport, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	var out, errOut bytes.Buffer
	cmd := exec.CommandContext(ctx, self, "-sleepers", strconv.Itoa(n))
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("memory child: %v: %s", err, firstLine(errOut.Bytes()))
	}
	var r sleeperReport
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		return nil, fmt.Errorf("memory child: %w", err)
	}
	return &r, nil
}

// sleeperChild starts n instances that run a step and sleep for an hour,
// waits until all of them sleep, and prints a sleeperReport.
func sleeperChild(n int, stdout, stderr io.Writer) int {
	r, err := holdSleepers(context.Background(), n)
	if err != nil {
		fmt.Fprintf(stderr, "memory child: %v\n", err)
		return 1
	}
	if err := json.NewEncoder(stdout).Encode(r); err != nil {
		fmt.Fprintf(stderr, "memory child: %v\n", err)
		return 1
	}
	return 0
}

func holdSleepers(ctx context.Context, n int) (*sleeperReport, error) {
	dir, err := os.MkdirTemp("", "durablebench-mem")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	s, err := sqlite.New(sqlite.Config{Path: dir + "/sleepers.db", Synchronous: "NORMAL"})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	p := newProbe(s)
	wf := workflows.ServiceSleeperWorkflow.Bind(&workflows.Service{})
	w := runtime.NewWorker(p, runtime.WorkerOptions{Concurrency: 16, Owner: "bench", Logger: slog.New(slog.DiscardHandler)})
	if err := w.Register(wf); err != nil {
		return nil, err
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(runCtx) }()
	defer func() { stop(); <-done }()

	start := time.Now()
	c := runtime.NewClient(p)
	const clients = 4
	errs := make(chan error, clients)
	var wg sync.WaitGroup
	for k := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := k; i < n; i += clients {
				if _, err := runtime.Start(ctx, c, wf, fmt.Sprint("sleeper-", i), time.Hour); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	deadline := time.Now().Add(5 * time.Minute)
	for {
		_, calls := p.snapshot()
		if calls["Checkpoint sleeping"] >= n {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%d of %d instances sleeping after 5 minutes", calls["Checkpoint sleeping"], n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	elapsed := time.Since(start)
	time.Sleep(100 * time.Millisecond) // let the runs' goroutines exit
	goruntime.GC()
	var ms goruntime.MemStats
	goruntime.ReadMemStats(&ms)
	hwm, rss, err := procStatus()
	if err != nil {
		return nil, err
	}
	return &sleeperReport{N: n, VmHWMKiB: hwm, VmRSSKiB: rss, HeapInuse: ms.HeapInuse,
		Goroutines: goruntime.NumGoroutine(), Seconds: elapsed.Seconds()}, nil
}

// procStatus reads VmHWM and VmRSS, in KiB, from /proc/self/status.
func procStatus() (hwm, rss int, err error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		switch k {
		case "VmHWM":
			hwm, _ = strconv.Atoi(f[0])
		case "VmRSS":
			rss, _ = strconv.Atoi(f[0])
		}
	}
	if hwm == 0 {
		return 0, 0, fmt.Errorf("no VmHWM in /proc/self/status")
	}
	return hwm, rss, nil
}
