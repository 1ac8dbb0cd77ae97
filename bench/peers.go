package main

import (
	"context"
	"fmt"
	"runtime/debug"
	"strings"
	"time"
)

// Peer modules, as built into this binary.
const (
	modGoWF = "github.com/cschleiden/go-workflows"
	modDBOS = "github.com/dbos-inc/dbos-transact-golang"
)

// noGoWFPostgres says why go-workflows has no PostgreSQL rows.
const noGoWFPostgres = "go-workflows v1.2.0 (its latest release) has no PostgreSQL backend (sqlite, mysql, redis only)"

// peerVersions returns "module version" for each peer.
func peerVersions() []string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return nil
	}
	var vs []string
	for _, d := range info.Deps {
		if d.Path == modGoWF || d.Path == modDBOS {
			vs = append(vs, strings.TrimPrefix(d.Path, "github.com/")+" "+d.Version)
		}
	}
	return vs
}

// vsOurs fills the ratio of row (a peer's) as ours ÷ peer.
func vsOurs(row Row, ours float64) Row {
	if ours > 0 && row.Skipped == "" {
		row.Ratio, row.RatioTo = ratio(ours, row.Value), "ours ÷ peer"
	}
	return row
}

// peerResume measures the peers' resume after k steps.
func peerResume(ctx context.Context, e *env, c config, ours ourNumbers) []Row {
	samples := c.peerSamples
	var rows []Row
	add := func(system, store, how string, med map[int]time.Duration, read map[int]int, err error) {
		if err != nil {
			rows = append(rows, Row{Section: "resume", Name: "resume, " + store, System: system, Skipped: err.Error()})
			return
		}
		for _, k := range c.resumeKs {
			row := Row{Section: "resume", Name: fmt.Sprintf("resume after k=%d, %s", k, store), System: system,
				Value: us(med[k]), Unit: "µs", Extra: map[string]float64{"rows_read": float64(read[k])}}
			row.Note = fmt.Sprintf("%s %d", how, read[k])
			if o := ours.resume[map[string]string{"sqlite": storeSQLiteFull, "postgres": storePostgres}[store]][k]; o > 0 {
				row.Note += fmt.Sprintf("; ours ÷ peer %.3f", ratio(us(o), us(med[k])))
			}
			if k != c.resumeKs[0] {
				row.Ratio, row.RatioTo = ratio(float64(med[k]), float64(med[c.resumeKs[0]])), fmt.Sprintf("÷ k=%d", c.resumeKs[0])
			}
			rows = append(rows, row)
		}
	}
	med, read, err := gwResume(ctx, e, c.resumeKs, samples)
	add(sysGoWF, "sqlite", "uncached worker replays the history: rows read", med, read, err)
	rows = append(rows, Row{Section: "resume", Name: "resume, postgres", System: sysGoWF, Skipped: noGoWFPostgres})
	med, read, err = dbosResume(ctx, e, c.resumeKs, samples)
	add(sysDBOS, "postgres", "Launch recovers and re-executes from the top; recorded operations read", med, read, err)
	return rows
}

// peerThroughput runs the throughput workload on the peers, at each
// concurrency.
func peerThroughput(ctx context.Context, e *env, c config, ours ourNumbers) []Row {
	var rows []Row
	for _, workers := range c.workers {
		name := func(store string) string { return throughputName(c.workflows, workers, store) }
		rate, done, err := gwThroughput(ctx, e, c.workflows, workers, c.peerLimit)
		row := Row{Section: "throughput", Name: name("sqlite FULL"), System: sysGoWF, Value: rate, Unit: "workflows/s",
			Note: "MaxParallelWorkflowTasks = MaxParallelActivityTasks = workers"}
		if done < c.workflows {
			row.Note += fmt.Sprintf("; stopped after %v with %d of %d finished: rate of steps run ÷ 5", c.peerLimit, done, c.workflows)
		}
		if err != nil {
			row.Skipped = err.Error()
		}
		rows = append(rows, vsOurs(row, ours.rates[rateKey(storeSQLiteFull, workers)]))
		rows = append(rows, Row{Section: "throughput", Name: name("postgres"), System: sysGoWF, Skipped: noGoWFPostgres})
		rate, cpu, err := dbosThroughput(ctx, e, c.workflows, workers)
		row = Row{Section: "throughput", Name: name("postgres"), System: sysDBOS, Value: rate, Unit: "workflows/s",
			Note:  "RunWorkflow in-process from `workers` goroutines (DBOS runs a workflow where it starts); CPU per workflow: " + cpu.String(),
			Extra: map[string]float64{"cpu_self_us": us(cpu.self), "cpu_backends_us": us(cpu.backends)}}
		if err != nil {
			row.Skipped = err.Error()
		}
		if c := ours.cpu[rateKey(storePostgres, workers)]; c.self+c.backends > 0 && cpu.self+cpu.backends > 0 {
			row.Note += fmt.Sprintf("; ours ÷ peer in CPU per workflow: %.2f", float64(c.self+c.backends)/float64(cpu.self+cpu.backends))
		}
		rows = append(rows, vsOurs(row, ours.rates[rateKey(storePostgres, workers)]))
	}
	return rows
}
