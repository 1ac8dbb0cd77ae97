// Command bench measures durablegen against the physical limits of the
// machine it runs on and against its peers, go-workflows and DBOS
// Transact, on the same workloads in the same run:
//
//	cd bench && go run . [-quick]
//
// It prints one Markdown table per section and writes results.json. The
// PostgreSQL server comes from DURABLE_POSTGRES_DSN (default
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable); every
// measurement uses a private schema or database and drops it. Without a
// server the PostgreSQL rows say why they were not run.
//
// Absolute times on a shared machine are noise; the ratios, measured side
// by side in one run, are the result.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	goruntime "runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

const defaultDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// config sizes a run.
type config struct {
	limitSamples  int           // commits per limit
	steps         int           // steps of the sequential workflow
	cpRuns        int           // runs of it per store
	partSamples   int           // rounds of the checkpoint's parts
	machineBudget time.Duration // per machine measurement
	resumeKs      []int
	resumeSamples int // ours; the peers take fewer, as each is slow
	peerSamples   int
	workflows     int           // throughput
	workers       []int         // throughput: instances (ours) or goroutines (peers) at once
	peerLimit     time.Duration // time a slow peer's throughput run may take
	genWorkflows  int
	sleepers      int
	// scale section: workflows per run
	scaleWorkflows int
}

func configFor(quick bool) config {
	c := config{
		limitSamples:   2000,
		steps:          200,
		cpRuns:         5,
		partSamples:    3000,
		machineBudget:  2 * time.Second,
		resumeKs:       []int{10, 100, 1000},
		resumeSamples:  40,
		peerSamples:    10,
		workflows:      1000,
		workers:        []int{8, 64},
		peerLimit:      5 * time.Minute,
		genWorkflows:   200,
		sleepers:       10000,
		scaleWorkflows: 2000,
	}
	if quick {
		c.limitSamples = 300
		c.cpRuns = 3
		c.partSamples = 1000
		c.machineBudget = time.Second
		c.resumeSamples = 15
		c.peerSamples = 3
		c.peerLimit = 20 * time.Second
		c.scaleWorkflows = 1000
	}
	return c
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	quick := fs.Bool("quick", false, "fewer samples: finishes in a few minutes")
	out := fs.String("out", "results.json", "where to write the results")
	only := fs.String("only", "", "comma-separated sections to run (limits,checkpoint,parts,machine,resume,throughput,scale,tools,memory); default all")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this `file`")
	child := fs.Int("sleepers", 0, "internal: run as the memory child process holding this many sleeping instances")
	scaleSchema := fs.String("scaleworker", "", "internal: run as a worker process of the scale section on this PostgreSQL schema")
	scaleOwner := fs.String("scaleowner", "scale", "internal: the scale worker's owner")
	scaleConc := fs.Int("scaleconcurrency", 64, "internal: the scale worker's concurrency")
	scaleMaxBatch := fs.Int("scalemaxbatch", 0, "internal: the scale worker's store MaxBatch")
	writeGen := fs.String("writegen", "", "only write the generator's input package of 200 workflows into this directory (for profiling)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *writeGen != "" {
		if err := writeGenPackage(*writeGen, configFor(false).genWorkflows); err != nil {
			fmt.Fprintf(stderr, "bench: %v\n", err)
			return 1
		}
		return 0
	}
	if *child > 0 {
		return sleeperChild(*child, stdout, stderr)
	}
	if *scaleSchema != "" {
		return scaleWorkerMain(*scaleSchema, *scaleOwner, *scaleConc, *scaleMaxBatch, stdout, stderr)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintf(stderr, "bench: %v\n", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "bench: %v\n", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	dir, err := os.MkdirTemp("", "durablebench")
	if err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	e := &env{dir: dir, quick: *quick, pgDSN: os.Getenv("DURABLE_POSTGRES_DSN")}
	if e.pgDSN == "" {
		e.pgDSN = defaultDSN
	}
	res := &Results{Date: time.Now().UTC().Format(time.RFC3339), Quick: *quick, Machine: machine(), Versions: peerVersions()}
	res.Machine.Postgres, e.pgErr = postgresVersion(e.pgDSN)

	want := map[string]bool{}
	for _, s := range strings.Split(*only, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		if !slices.ContainsFunc(sections, func(sec section) bool { return sec.key == s }) {
			fmt.Fprintf(stderr, "bench: -only: unknown section %q\n", s)
			return 2
		}
		want[s] = true
	}
	if res.Stale = staleWorkflows(context.Background(), e); res.Stale != "" {
		fmt.Fprintf(stderr, "bench: warning: %s\n", res.Stale)
	}
	start := time.Now()
	res.Rows, res.Sections = measure(context.Background(), e, configFor(*quick), want, stderr)
	res.Seconds = time.Since(start).Seconds()
	res.Machine.Load[1] = loadAverage()
	writeMarkdown(stdout, res)
	if err := writeJSON(*out, res); err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 1
	}
	return 0
}

// measure runs the selected sections (all when want is empty) and
// returns their rows and durations, logging progress to log.
func measure(ctx context.Context, e *env, c config, want map[string]bool, log io.Writer) ([]Row, map[string]float64) {
	var rows []Row
	took := map[string]float64{}
	section := func(name string, f func()) {
		if len(want) > 0 && !want[name] {
			return
		}
		start := time.Now()
		fmt.Fprintf(log, "bench: %s...\n", name)
		f()
		took[name] = time.Since(start).Seconds()
		fmt.Fprintf(log, "bench: %s done in %.1f s\n", name, took[name])
	}
	var ours ourNumbers
	section("limits", func() {
		r, _ := limits(ctx, e, c.limitSamples)
		rows = append(rows, r...)
	})
	section("checkpoint", func() {
		r, bareMean := checkpointCost(ctx, e, c.steps, c.cpRuns)
		rows = append(rows, r...)
		r, _ = stepsSideBySide(ctx, e, c.steps, c.cpRuns, bareMean)
		rows = append(rows, r...)
	})
	section("parts", func() { rows = append(rows, checkpointParts(ctx, e, c.partSamples)...) })
	section("machine", func() { rows = append(rows, machineOverhead(ctx, c.machineBudget)...) })
	section("resume", func() {
		r, med := resumeCost(ctx, e, c.resumeKs, c.resumeSamples)
		ours.resume = med
		rows = append(rows, r...)
		rows = append(rows, peerResume(ctx, e, c, ours)...)
	})
	section("throughput", func() {
		r, rates, cpu := throughput(ctx, e, c.workflows, c.workers)
		ours.rates, ours.cpu = rates, cpu
		rows = append(rows, r...)
		rows = append(rows, peerThroughput(ctx, e, c, ours)...)
	})
	section("scale", func() { rows = append(rows, scaleOut(ctx, e, c)...) })
	section("tools", func() { rows = append(rows, toolSpeed(ctx, e, c.genWorkflows)...) })
	section("memory", func() { rows = append(rows, memory(ctx, c.sleepers)...) })
	return rows, took
}

// ourNumbers are our results that the peers' rows are compared with.
type ourNumbers struct {
	resume map[string]map[int]time.Duration // by store, k
	rates  map[string]float64               // workflows/s by rateKey
	cpu    map[string]cpuUse                // CPU per workflow by rateKey
}

func machine() Machine {
	m := Machine{NProc: goruntime.NumCPU(), Go: goruntime.Version(), OS: goruntime.GOOS + "/" + goruntime.GOARCH, CPU: "unknown"}
	m.Load[0] = loadAverage()
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if out, err := exec.Command("nproc").Output(); err == nil {
		fmt.Sscan(string(out), &m.NProc)
	}
	return m
}

// loadAverage returns the 1-minute load average, 0 if unknown.
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	var l float64
	fmt.Sscan(string(b), &l)
	return l
}

// postgresVersion returns the server's version, or why it cannot be
// reached.
func postgresVersion(dsn string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return "", fmt.Errorf("postgres unavailable (set DURABLE_POSTGRES_DSN): %w", err)
	}
	defer conn.Close(ctx)
	var v string
	if err := conn.QueryRow(ctx, "SHOW server_version").Scan(&v); err != nil {
		return "", fmt.Errorf("postgres unavailable: %w", err)
	}
	return v, nil
}
