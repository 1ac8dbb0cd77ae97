package main

import (
	"context"
	"fmt"
	"time"

	"github.com/dbos-inc/dbos-transact-golang/dbos"

	"github.com/durablegen/durable/bench/workflows"
)

// stepRunner runs the sequential workflow once on one system and store
// and returns the wall time from start to result.
type stepRunner struct {
	system, store string
	note          string
	run           func(ctx context.Context, id string, n int) (time.Duration, error)
	close         func()
	err           error // why it cannot run
}

// stepsSideBySide runs the 200-step workflow on every system in rounds,
// each round running every system once, so that all see the same load,
// and reports wall time per step: ours ÷ the bare commit mean measured
// in the checkpoint section, peers ÷ ours on the same store.
func stepsSideBySide(ctx context.Context, e *env, steps, rounds int, bareMean map[string]time.Duration) ([]Row, map[string]time.Duration) {
	runners := []*stepRunner{
		ourStepRunner(ctx, e, storeSQLiteFull),
		ourStepRunner(ctx, e, storeSQLiteNormal),
		ourStepRunner(ctx, e, storePostgres),
		gwStepRunner(e),
		{system: sysGoWF, store: storePostgres, err: fmt.Errorf("%s", noGoWFPostgres)},
		dbosStepRunner(ctx, e),
	}
	walls := map[*stepRunner]latencies{}
	for round := range rounds + 1 { // round 0 warms up
		for _, r := range runners {
			if r.err != nil {
				continue
			}
			n := steps
			if round == 0 {
				n = 5
			}
			d, err := r.run(ctx, fmt.Sprintf("seq-%d", round), n)
			if err != nil {
				r.err = err
				continue
			}
			if round > 0 {
				walls[r] = append(walls[r], d/time.Duration(steps))
			}
		}
	}
	ours := map[string]time.Duration{}
	for _, r := range runners {
		if r.system == sysOurs && r.err == nil {
			ours[r.store] = walls[r].median()
		}
	}
	var rows []Row
	for _, r := range runners {
		if r.close != nil {
			r.close()
		}
		row := Row{Section: "checkpoint", Name: fmt.Sprintf("%d-step workflow, wall ÷ %d, %s", steps, steps, r.store),
			System: r.system, Unit: "µs", Note: r.note}
		if r.err != nil {
			row.Skipped = r.err.Error()
			rows = append(rows, row)
			continue
		}
		row.Value = us(walls[r].median())
		row.Extra = map[string]float64{"min": us(walls[r].quantile(0)), "max": us(walls[r].quantile(1))}
		if r.system == sysOurs {
			row.Ratio, row.RatioTo = ratio(row.Value, us(bareMean[r.store])), "÷ bare commit mean"
		} else {
			row = vsOurs(row, us(ours[r.store]))
		}
		row.Note = fmt.Sprintf("median of %d rounds (min %s, max %s µs); %s", rounds, number(row.Extra["min"]), number(row.Extra["max"]), r.note)
		rows = append(rows, row)
	}
	return rows, ours
}

func ourStepRunner(ctx context.Context, e *env, kind string) *stepRunner {
	sr := &stepRunner{system: sysOurs, store: kind, note: "start to result, including start, claim and completion"}
	r, err := e.openRig(ctx, kind)
	if err != nil {
		sr.err = err
		return sr
	}
	w, err := r.worker(1, workflows.ServiceSequentialWorkflow.Bind(r.svc))
	if err != nil {
		r.close()
		sr.err = err
		return sr
	}
	sr.run = func(ctx context.Context, id string, n int) (time.Duration, error) {
		return r.runSequential(ctx, w, id, n)
	}
	sr.close = r.close
	return sr
}

func gwStepRunner(e *env) *stepRunner {
	sr := &stepRunner{system: sysGoWF, store: storeSQLiteFull,
		note: "SQLite backend (synchronous FULL, its default) in the monoprocess wrapper, executor cache on"}
	r, err := newGWRig(e, 1)
	if err != nil {
		sr.err = err
		return sr
	}
	sr.run = r.runSequential
	sr.close = r.close
	return sr
}

func dbosStepRunner(ctx context.Context, e *env) *stepRunner {
	sr := &stepRunner{system: sysDBOS, store: storePostgres, note: "own database on the same server"}
	r, err := newDBOSRig(ctx, e)
	if err == nil {
		if err = dbos.Launch(r.ctx); err != nil {
			r.close()
		}
	}
	if err != nil {
		sr.err = err
		return sr
	}
	sr.run = r.runSequential
	sr.close = r.close
	return sr
}
