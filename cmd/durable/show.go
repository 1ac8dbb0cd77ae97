package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/durablegen/durable/runtime"
)

func runShow(e *env, args []string) error {
	fs := e.newFlags("show")
	asJSON := fs.Bool("json", false, "print the instance and its variables as JSON")
	id, err := e.openID(fs, args)
	if err != nil {
		return err
	}
	inst, err := e.store.Get(e.ctx, id)
	if err != nil {
		return e.notFound(id, err)
	}
	st, stateErr := runtime.StateOf(inst)
	retry := ""
	if inst.Status == runtime.StatusFailed {
		if err := runtime.Retryable(inst); err != nil {
			retry = "not retryable: its workflow returned this error, which is its result; start a new instance (retry -force resumes at the return)"
		} else {
			retry = "durable retry " + shellQuote(id) + " resumes it from its last checkpoint once the fix is deployed"
		}
	}
	if *asJSON {
		out := struct {
			instanceJSON
			Retry string `json:"retry,omitzero"`
			State any    `json:"state"`
		}{instanceJSON: toJSON(inst), Retry: retry}
		if stateErr != nil {
			out.State = map[string]string{"error": stateErr.Error()}
		} else {
			out.State = struct {
				PC   int                        `json:"pc"`
				Vars map[string]json.RawMessage `json:"vars"`
			}{st.PC, st.Vars}
		}
		return writeJSON(e.stdout, out)
	}
	now := time.Now()
	w := newTable(e.stdout, "instance:", inst.ID)
	w.row("workflow:", inst.Workflow)
	w.row("version:", inst.Version)
	w.row("status:", string(inst.Status))
	if note := runNote(inst); note != "" {
		w.row("run:", note)
	}
	w.row("seq:", plural(inst.Seq, "checkpoint")+" committed")
	w.row("epoch:", fmt.Sprint(inst.Epoch))
	if inst.Attempt > 0 {
		w.row("attempt:", fmt.Sprintf("%d failed attempts of the current step (a retry is suspended until wake_at)", inst.Attempt))
	}
	if inst.Owner != "" {
		w.row("owner:", inst.Owner)
	}
	if !inst.LeaseUntil.IsZero() {
		lease := fmtTime(inst.LeaseUntil) + " (" + relative(inst.LeaseUntil, now) + ")"
		if now.After(inst.LeaseUntil) && inst.Status == runtime.StatusRunning {
			lease += ", expired: another worker takes the instance over"
		}
		w.row("lease:", lease)
	}
	if !inst.WakeAt.IsZero() {
		w.row("wake_at:", fmtTime(inst.WakeAt)+" ("+relative(inst.WakeAt, now)+")")
	}
	if inst.AwaitName != "" {
		w.row("awaits:", fmt.Sprintf("signal %q (send it: durable signal %s %s JSON)", inst.AwaitName, shellQuote(id), shellQuote(inst.AwaitName)))
	}
	if inst.Trace != "" {
		w.row("trace:", inst.Trace+" (the trace context of its start)")
	}
	w.row("created:", fmtTime(inst.CreatedAt))
	w.row("updated:", fmtTime(inst.UpdatedAt))
	if msg := errorMessage(inst); msg != "" {
		label := "error:"
		if inst.Status == runtime.StatusCanceled {
			label = "reason:"
		}
		w.row(label, msg)
	}
	if retry != "" {
		w.row("retry:", retry)
	}
	if len(inst.Output) > 0 {
		w.row("output:", payloadText(inst.Output))
	}
	if err := w.flush(); err != nil {
		return err
	}
	if stateErr != nil {
		fmt.Fprintf(e.stdout, "state: unreadable: %v\n", stateErr)
		return nil
	}
	fmt.Fprintf(e.stdout, "state at checkpoint %d (machine state %d):\n", st.Seq, st.PC)
	if len(st.Vars) == 0 {
		fmt.Fprintln(e.stdout, "  (no variables)")
		return nil
	}
	vt := newTable(e.stdout)
	for _, name := range st.Names() {
		vt.row("  "+name, "= "+string(st.Vars[name]))
	}
	return vt.flush()
}

func runHistory(e *env, args []string) error {
	fs := e.newFlags("history")
	asJSON := fs.Bool("json", false, "print the events as JSON, details in full")
	id, err := e.openID(fs, args)
	if err != nil {
		return err
	}
	evs, err := e.store.History(e.ctx, id)
	if err != nil {
		return e.notFound(id, err)
	}
	if inst, err := e.store.Get(e.ctx, id); err == nil && !*asJSON {
		if note := runNote(inst); note != "" {
			fmt.Fprintln(e.stderr, "run "+note)
		}
	}
	if *asJSON {
		type eventJSON struct {
			Seq      int64           `json:"seq"`
			At       time.Time       `json:"at"`
			Kind     string          `json:"kind"`
			Name     string          `json:"name,omitzero"`
			Site     int             `json:"site,omitzero"`
			Attempts int             `json:"attempts,omitzero"`
			Error    string          `json:"error,omitzero"`
			Detail   json.RawMessage `json:"detail,omitzero"`
		}
		out := []eventJSON{}
		for _, ev := range evs {
			out = append(out, eventJSON{ev.Seq, ev.At.UTC(), ev.Kind, ev.Name, ev.Site, ev.Attempts, ev.Error, payloadJSON(ev.Detail)})
		}
		return writeJSON(e.stdout, out)
	}
	if len(evs) == 0 {
		fmt.Fprintln(e.stderr, "no events yet: the instance has not reached its first checkpoint")
		return nil
	}
	t := newTable(e.stdout, "SEQ", "AT", "KIND", "NAME", "SITE", "ATTEMPTS", "ERROR", "DETAIL")
	for _, ev := range evs {
		site, attempts := "", ""
		if ev.Site != 0 {
			site = fmt.Sprint(ev.Site)
		}
		if ev.Attempts != 0 {
			attempts = fmt.Sprint(ev.Attempts)
		}
		t.row(fmt.Sprint(ev.Seq), fmtTimeNano(ev.At), ev.Kind, ev.Name, site, attempts,
			firstLine(ev.Error, 60), truncate(payloadText(ev.Detail), 60))
	}
	return t.flush()
}
