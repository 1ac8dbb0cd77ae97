package inspector

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/durablegen/durable/runtime"
)

// listPage is the data of the instance list.
type listPage struct {
	page
	Filter    filter
	Statuses  []statusOption
	Workflows []string // names to suggest
	Rows      []listRow
	Next      string // query of the next page, "" if none
	Prev      string // query of the previous page
	First     string // query of the first page, when not on it
	Scanned   string // why a page is short: the version filter's bound
	Err       string
}

type statusOption struct {
	Name    string
	Checked bool
}

type listRow struct {
	ID, Workflow, Version string
	Status                runtime.Status
	Seq                   int64
	Created, Updated      time.Time
	Detail                string
}

// filter is what the list's form selects, as read from the query.
type filter struct {
	Statuses      []runtime.Status
	Workflow      string
	Prefix        string
	Since, Until  string // as typed: 2030-01-02T15:04 (UTC) or RFC 3339
	Version       string
	Asc           bool
	Limit         int
	since, until  time.Time
	after, before runtime.Cursor
}

// parseFilter reads the list's query. Bad values are errors for the
// form to show.
func (h *inspector) parseFilter(q url.Values) (filter, error) {
	f := filter{
		Workflow: strings.TrimSpace(q.Get("workflow")),
		Prefix:   q.Get("prefix"),
		Since:    strings.TrimSpace(q.Get("since")),
		Until:    strings.TrimSpace(q.Get("until")),
		Version:  strings.TrimSpace(q.Get("version")),
		Asc:      q.Get("order") == "asc",
		Limit:    h.size,
	}
	for _, s := range q["status"] {
		st := runtime.Status(s)
		if !st.Valid() {
			return f, fmt.Errorf("unknown status %q", s)
		}
		if !slices.Contains(f.Statuses, st) {
			f.Statuses = append(f.Statuses, st)
		}
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > maxPageSize {
			return f, fmt.Errorf("limit %q: want 1 to %d", l, maxPageSize)
		}
		f.Limit = n
	}
	var err error
	if f.since, err = parseTime("created from", f.Since); err != nil {
		return f, err
	}
	if f.until, err = parseTime("created before", f.Until); err != nil {
		return f, err
	}
	if f.after, err = runtime.ParseCursor(q.Get("after")); err != nil {
		return f, err
	}
	if f.before, err = runtime.ParseCursor(q.Get("before")); err != nil {
		return f, err
	}
	return f, nil
}

// parseTime reads a time of the form: what a datetime-local input sends
// (taken as UTC), a date, or RFC 3339.
func parseTime(what, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%s %q: want a time such as 2030-01-02T15:04 (UTC) or an RFC 3339 time", what, s)
}

// query encodes the filter, with a page position added by the caller.
func (f filter) query() url.Values {
	q := url.Values{}
	for _, s := range f.Statuses {
		q.Add("status", string(s))
	}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("workflow", f.Workflow)
	set("prefix", f.Prefix)
	set("since", f.Since)
	set("until", f.Until)
	set("version", f.Version)
	if f.Asc {
		q.Set("order", "asc")
	}
	return q
}

// options returns the store's list options for the filter: the workflow
// name as given, or the full name of a registered workflow whose short
// name it is.
func (h *inspector) options(f filter) runtime.ListOptions {
	wf := f.Workflow
	if wf != "" && !strings.Contains(wf, "/") {
		for _, d := range h.opts.Workflows {
			if shortWorkflow(d.Name()) == wf {
				wf = d.Name()
				break
			}
		}
	}
	return runtime.ListOptions{
		Statuses:      f.Statuses,
		Workflow:      wf,
		IDPrefix:      f.Prefix,
		CreatedAfter:  f.since,
		CreatedBefore: f.until,
		Descending:    !f.Asc,
	}
}

// maxScanPages bounds the pages of the store read for one page of the
// list when the version filter (which the store does not apply) skips
// instances.
const maxScanPages = 20

func (h *inspector) serveList(w http.ResponseWriter, r *http.Request) {
	p := listPage{page: h.basePage("Instances", true)}
	f, err := h.parseFilter(r.URL.Query())
	p.Filter = f
	for _, s := range []runtime.Status{runtime.StatusReady, runtime.StatusRunning, runtime.StatusSleeping, runtime.StatusWaiting,
		runtime.StatusCompleted, runtime.StatusFailed, runtime.StatusCanceled} {
		p.Statuses = append(p.Statuses, statusOption{string(s), slices.Contains(f.Statuses, s)})
	}
	for _, d := range h.opts.Workflows {
		if !slices.Contains(p.Workflows, d.Name()) {
			p.Workflows = append(p.Workflows, d.Name())
		}
	}
	status := http.StatusOK
	if err != nil {
		p.Err, status = err.Error(), http.StatusBadRequest
	} else if err := h.fillList(r.Context(), &p, f); err != nil {
		p.Err, status = err.Error(), listStatus(err)
	}
	h.render(w, status, "list", p)
}

// listStatus is the HTTP status of a list the store could not give.
func listStatus(err error) int {
	var perr *pageError
	switch {
	case errors.As(err, &perr):
		return http.StatusBadRequest
	case errors.Is(err, errors.ErrUnsupported):
		return http.StatusNotImplemented
	}
	return http.StatusInternalServerError
}

// pageError is a list request the store cannot serve as asked.
type pageError struct{ err error }

func (e *pageError) Error() string { return e.err.Error() }

// fillList reads one page of instances: after f.after in the chosen
// order, or the page before f.before.
func (h *inspector) fillList(ctx context.Context, p *listPage, f filter) error {
	opts := h.options(f)
	back := !f.before.IsZero()
	if back { // the page before: the other way from its first row
		opts.Descending = !opts.Descending
		opts.After = f.before
	} else {
		opts.After = f.after
	}
	if err := opts.Validate(); err != nil {
		return &pageError{err}
	}
	insts, last, more, err := h.scan(ctx, opts, f)
	if err != nil {
		return err
	}
	if back {
		slices.Reverse(insts)
	}
	now := h.now()
	for _, inst := range insts {
		if !slices.Contains(p.Workflows, inst.Workflow) {
			p.Workflows = append(p.Workflows, inst.Workflow) // suggested in the filter
		}
		p.Rows = append(p.Rows, listRow{ID: inst.ID, Workflow: inst.Workflow, Version: inst.Version, Status: inst.Status,
			Seq: inst.Seq, Created: inst.CreatedAt, Updated: inst.UpdatedAt, Detail: detail(inst, now)})
	}
	base := f.query()
	link := func(k string, c runtime.Cursor) string {
		q := url.Values{}
		for k, v := range base {
			q[k] = v
		}
		q.Set(k, c.String())
		return "?" + q.Encode()
	}
	if more && len(insts) < f.Limit {
		p.Scanned = fmt.Sprintf("Read %d store pages without finding %d instances of version %s; the next page continues from there.", maxScanPages, f.Limit, f.Version)
	}
	if len(insts) == 0 {
		if more && !back {
			p.Next = link("after", last)
		}
		if !f.after.IsZero() || back {
			p.First = "?" + base.Encode()
		}
		return nil
	}
	first, lastRow := insts[0].Cursor(), insts[len(insts)-1].Cursor()
	switch {
	case back:
		p.Next = link("after", lastRow) // the page we came from
		if more {
			p.Prev = link("before", first)
		}
	default:
		if more {
			p.Next = link("after", lastRow)
			if len(insts) < f.Limit { // the scan stopped at its bound
				p.Next = link("after", last)
			}
		}
		if !f.after.IsZero() {
			p.Prev = link("before", first)
		}
	}
	if !f.after.IsZero() || back {
		p.First = "?" + base.Encode()
	}
	return nil
}

// scan reads instances for one page of f.Limit: straight from the store,
// or, with the version filter, through up to maxScanPages pages of the
// store's list. It returns the instances, the position of the last one
// read (shown or not), and whether more may follow.
func (h *inspector) scan(ctx context.Context, opts runtime.ListOptions, f filter) ([]*runtime.Instance, runtime.Cursor, bool, error) {
	if f.Version == "" {
		opts.Limit = f.Limit
		insts, err := h.client.List(ctx, opts)
		if err != nil {
			return nil, runtime.Cursor{}, false, err
		}
		var last runtime.Cursor
		if len(insts) > 0 {
			last = insts[len(insts)-1].Cursor()
		}
		return insts, last, len(insts) == f.Limit, nil
	}
	opts.Limit = max(f.Limit, 200)
	var out []*runtime.Instance
	last := opts.After
	for range maxScanPages {
		insts, err := h.client.List(ctx, opts)
		if err != nil {
			return nil, runtime.Cursor{}, false, err
		}
		for i, inst := range insts {
			if inst.Version != f.Version && !strings.HasPrefix(inst.Version, f.Version) {
				continue
			}
			out = append(out, inst)
			if len(out) == f.Limit {
				more := i < len(insts)-1 || len(insts) == opts.Limit
				return out, inst.Cursor(), more, nil
			}
		}
		if len(insts) < opts.Limit {
			return out, last, false, nil
		}
		last = insts[len(insts)-1].Cursor()
		opts.After = last
	}
	return out, last, true, nil
}
