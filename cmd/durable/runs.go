package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/durablegen/durable/runtime"
)

func runGC(e *env, args []string) error {
	fs := e.newFlags("gc")
	before := fs.String("finished-before", "", "delete the instances that finished before this: a duration before now (720h) or an RFC 3339 time")
	batch := fs.Int("batch", runtime.DefaultPurgeBatch, "instances deleted per transaction")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(rest, 0, "no arguments"); err != nil {
		return err
	}
	if *before == "" {
		return usagef("-finished-before is required: say how old a finished instance must be to go (720h: 30 days)")
	}
	cutoff, err := parseWhen("-finished-before", *before, time.Now())
	if err != nil {
		return err
	}
	if *batch < 1 || *batch > runtime.MaxPurgeBatch {
		return usagef("-batch %d out of range 1..%d", *batch, runtime.MaxPurgeBatch)
	}
	if err := e.open(); err != nil {
		return err
	}
	n, err := e.client.Purge(e.ctx, cutoff, runtime.PurgeOptions{BatchSize: *batch})
	if err != nil {
		if n > 0 {
			fmt.Fprintf(e.stdout, "deleted %s before the error\n", plural(int64(n), "instance"))
		}
		return err
	}
	fmt.Fprintf(e.stdout, "deleted %s that finished before %s, with their history, signals and runs\n", plural(int64(n), "instance"), fmtTime(cutoff))
	return nil
}

func runRuns(e *env, args []string) error {
	fs := e.newFlags("runs")
	asJSON := fs.Bool("json", false, "print the runs as JSON, outputs in full")
	id, err := e.openID(fs, args)
	if err != nil {
		return err
	}
	inst, err := e.store.Get(e.ctx, id)
	if err != nil {
		return e.notFound(id, err)
	}
	runs, err := e.client.Runs(e.ctx, id)
	if err != nil && !errors.Is(err, errors.ErrUnsupported) {
		return e.notFound(id, err)
	}
	current := max(inst.Run, 1)
	if *asJSON {
		type runJSON struct {
			Run       int             `json:"run"`
			Status    string          `json:"status"`
			StartedAt time.Time       `json:"started_at"`
			EndedAt   time.Time       `json:"ended_at,omitzero"`
			Seq       int64           `json:"seq"`
			Output    json.RawMessage `json:"output,omitzero"`
		}
		out := []runJSON{}
		for _, r := range runs {
			out = append(out, runJSON{r.Run, "continued", r.StartedAt.UTC(), r.EndedAt.UTC(), r.Seq, payloadJSON(r.Output)})
		}
		out = append(out, runJSON{Run: current, Status: string(inst.Status), StartedAt: runStart(inst, runs).UTC(), Seq: inst.Seq})
		return writeJSON(e.stdout, out)
	}
	if first := current - len(runs); first > 1 {
		fmt.Fprintf(e.stderr, "the summaries of runs 1 to %d are no longer kept (a store keeps the last %d)\n", first-1, runtime.KeptRuns)
	}
	t := newTable(e.stdout, "RUN", "STATUS", "STARTED", "ENDED", "SEQ", "CONTINUED WITH")
	for _, r := range runs {
		t.row(fmt.Sprint(r.Run), "continued", fmtTime(r.StartedAt), fmtTime(r.EndedAt), fmt.Sprint(r.Seq), truncate(payloadText(r.Output), 60))
	}
	t.row(fmt.Sprint(current), string(inst.Status), fmtTime(runStart(inst, runs)), "", fmt.Sprint(inst.Seq), "")
	return t.flush()
}

// runStart returns when the current run of inst started: when the last
// earlier run ended, or when the instance was created.
func runStart(inst *runtime.Instance, runs []runtime.Run) time.Time {
	if len(runs) > 0 {
		return runs[len(runs)-1].EndedAt
	}
	return inst.CreatedAt
}

// runNote says which run of an instance its history and state are of,
// for an instance that continued as new; "" for one in its first run.
func runNote(inst *runtime.Instance) string {
	if inst.Run <= 1 {
		return ""
	}
	return fmt.Sprintf("%d (continued as new %s; the events of earlier runs were deleted: durable runs %s lists them)",
		inst.Run, plural(int64(inst.Run-1), "time"), shellQuote(inst.ID))
}
