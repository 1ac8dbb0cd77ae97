package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/durablegen/durable/runtime"
)

func runList(e *env, args []string) error {
	fs := e.newFlags("list")
	statuses := fs.String("status", "", "keep these statuses, comma-separated: ready, running, sleeping, waiting, completed, failed, canceled")
	workflow := fs.String("workflow", "", "keep instances of this workflow (full name, or the part after the last /, as listed)")
	prefix := fs.String("prefix", "", "keep IDs starting with this prefix")
	since := fs.String("since", "", "keep instances created at or after this time (RFC 3339, or a duration before now: 24h)")
	until := fs.String("until", "", "keep instances created before this time (RFC 3339, or a duration before now)")
	limit := fs.Int("limit", 50, fmt.Sprintf("show at most this many (1..%d)", runtime.MaxListLimit))
	page := fs.String("page", "", "continue after the page token printed by the previous listing")
	desc := fs.Bool("desc", false, "newest first")
	asJSON := fs.Bool("json", false, `print {"instances": [...], "next": TOKEN} as JSON`)
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(rest, 0, "no arguments"); err != nil {
		return err
	}
	now := time.Now()
	opts := runtime.ListOptions{IDPrefix: *prefix, Descending: *desc, Limit: *limit}
	if *limit < 1 || *limit > runtime.MaxListLimit {
		return usagef("-limit %d: want 1..%d (page with -page for more)", *limit, runtime.MaxListLimit)
	}
	if *statuses != "" {
		for _, s := range strings.Split(*statuses, ",") {
			st := runtime.Status(strings.TrimSpace(s))
			if !st.Valid() {
				return usagef("-status %q: unknown status %q; want ready, running, sleeping, waiting, completed, failed or canceled", *statuses, st)
			}
			opts.Statuses = append(opts.Statuses, st)
		}
	}
	if opts.CreatedAfter, err = parseWhen("-since", *since, now); err != nil {
		return err
	}
	if opts.CreatedBefore, err = parseWhen("-until", *until, now); err != nil {
		return err
	}
	if opts.After, err = runtime.ParseCursor(*page); err != nil {
		return usagef("-page: %v", err)
	}
	if err := opts.Validate(); err != nil {
		return usagef("%v", err)
	}
	if err := e.open(); err != nil {
		return err
	}
	if opts.Workflow, err = e.resolveWorkflow(*workflow); err != nil {
		return err
	}
	insts, err := e.client.List(e.ctx, opts)
	if err != nil {
		return err
	}
	next := ""
	if len(insts) == opts.PageSize() {
		next = insts[len(insts)-1].Cursor().String()
	}
	if *asJSON {
		out := struct {
			Instances []instanceJSON `json:"instances"`
			Next      string         `json:"next,omitzero"`
		}{Instances: []instanceJSON{}, Next: next}
		for _, inst := range insts {
			out.Instances = append(out.Instances, toJSON(inst))
		}
		return writeJSON(e.stdout, out)
	}
	if len(insts) == 0 {
		fmt.Fprintln(e.stderr, "no instances match")
		return nil
	}
	t := newTable(e.stdout, "ID", "WORKFLOW", "STATUS", "SEQ", "CREATED", "DETAIL")
	for _, inst := range insts {
		t.row(inst.ID, shortWorkflow(inst.Workflow), string(inst.Status), fmt.Sprint(inst.Seq), fmtTime(inst.CreatedAt), detail(inst, now))
	}
	if err := t.flush(); err != nil {
		return err
	}
	if next != "" {
		fmt.Fprintf(e.stderr, "more may follow: add -page %s\n", shellQuote(next))
	}
	return nil
}

// parseWhen reads a time flag: RFC 3339, or a duration before now.
func parseWhen(flag, s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, usagef("%s %q: want an RFC 3339 time (2030-01-02T15:04:05Z), a date (2030-01-02) or a duration before now (36h)", flag, s)
}

// resolveWorkflow turns the -workflow flag into a full workflow name: a
// name with a "/" or that no instance has as its short form is taken as
// is; a short name ("pay.Transfer") is looked up among the newest
// instances.
func (e *env) resolveWorkflow(name string) (string, error) {
	if name == "" || strings.Contains(name, "/") {
		return name, nil
	}
	insts, err := e.client.List(e.ctx, runtime.ListOptions{Descending: true, Limit: runtime.MaxListLimit})
	if err != nil {
		return "", err
	}
	var found []string
	for _, inst := range insts {
		if inst.Workflow == name {
			return name, nil
		}
		if shortWorkflow(inst.Workflow) == name && !contains(found, inst.Workflow) {
			found = append(found, inst.Workflow)
		}
	}
	switch len(found) {
	case 0:
		return name, nil
	case 1:
		return found[0], nil
	}
	return "", fmt.Errorf("-workflow %s names %d workflows (%s); give the full name", name, len(found), strings.Join(found, ", "))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
