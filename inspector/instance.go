package inspector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/encrypt"
)

// instancePage is the data of an instance's page.
type instancePage struct {
	page
	Inst       *runtime.Instance
	Short      string // the workflow's short name
	Parent     string // the parent's ID, for a child
	Lease      string
	LeaseGone  bool
	Wait       *wait
	Error      string
	ErrSealed  string
	Output     payload
	Unreadable string // why the stored data does not open
	Retryable  string // why a failed instance can or cannot be retried

	vars map[string]json.RawMessage // the frame's variables, nil if unreadable

	Checkpoint *checkpointView
	Source     sourceView
	Vars       []variable
	VarsNote   string // why there are no variables to show
	PC         int
	Comps      []compensation
	CompErrs   []string

	Events     []eventRow
	EventPages []pageLink
	EventsNote string

	Children     []*childNode
	ChildrenMore bool

	// Runs are the summaries of the instance's earlier runs (it
	// continued as new), the newest first; RunsNote says why there are
	// none to show when the store cannot say.
	Runs     []runRow
	RunsNote string

	Actions actionsView
	Done    string // the action that just succeeded
	Failed  string // the action that just failed, with why
}

// wait is what a suspended instance waits for.
type wait struct {
	Kind   string // "timer", "signal", "child", "retry"
	Name   string // signal name, child ID
	At     time.Time
	Signal string // the signal name to prefill the form with
}

// checkpointView says which checkpoint the page marks and how it knows.
type checkpointView struct {
	Site  site
	Label string // "waits here", "resumes here", "last checkpoint"
	Note  string // a version mismatch, say
}

type variable struct {
	Name  string
	Value payload
}

type compensation struct {
	Name  string
	Pos   string
	Args  []payload
	State string
}

type eventRow struct {
	runtime.Event
	Took    time.Duration
	Detail  payload
	Err     string
	ErrSeal string
	Pos     string
}

type pageLink struct {
	N       int
	Current bool
}

type childNode struct {
	ID       string
	Workflow string
	Status   runtime.Status
	Detail   string
	Children []*childNode
}

// maxChildren bounds the descendants listed on an instance's page.
const maxChildren = 200

func (h *inspector) serveInstance(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	if id == "" {
		h.fail(w, r, http.StatusBadRequest, errors.New("no instance ID: open an instance from the list"))
		return
	}
	p, status, err := h.instance(r.Context(), id, r.URL.Query().Get("events"))
	if err != nil {
		h.fail(w, r, status, err)
		return
	}
	if done := r.URL.Query().Get("done"); done != "" {
		p.Done = doneMessage(done)
	}
	h.render(w, http.StatusOK, "instance", p)
}

// get reads instance id. With a store that opens sealed values, an
// instance that does not open (its key is missing from the keyring) is
// read through the list instead, which marks it Unreadable.
func (h *inspector) get(ctx context.Context, id string) (*runtime.Instance, error) {
	inst, err := h.store.Get(ctx, id)
	var oerr *encrypt.OpenError
	if err == nil || !errors.As(err, &oerr) {
		return inst, err
	}
	insts, lerr := h.client.List(ctx, runtime.ListOptions{IDPrefix: id, Limit: 20, Payloads: true})
	if lerr == nil {
		for _, inst := range insts {
			if inst.ID == id {
				if inst.Unreadable == nil {
					inst.Unreadable = err
				}
				return inst, nil
			}
		}
	}
	return nil, err
}

// instance assembles the page of instance id; events is the requested
// page of its timeline ("" for the last).
func (h *inspector) instance(ctx context.Context, id, events string) (*instancePage, int, error) {
	inst, err := h.get(ctx, id)
	if errors.Is(err, runtime.ErrNotFound) {
		return nil, http.StatusNotFound, fmt.Errorf("no instance %q in this store", id)
	}
	if err != nil {
		return nil, http.StatusInternalServerError, fmt.Errorf("read instance %s: %w", id, err)
	}
	now := h.now()
	p := &instancePage{page: h.basePage(inst.ID, true), Inst: inst, Short: shortWorkflow(inst.Workflow)}
	p.Parent, _ = parentOf(inst.ID)
	if !inst.LeaseUntil.IsZero() && inst.Owner != "" {
		p.Lease = inst.LeaseUntil.UTC().Format(timeLayout) + " (" + relative(inst.LeaseUntil, now) + ")"
		p.LeaseGone = inst.Status == runtime.StatusRunning && now.After(inst.LeaseUntil)
	}
	p.Wait = waitOf(inst)
	p.Error, p.ErrSealed = errorText(inst.Error, inst.Status == runtime.StatusCanceled)
	p.Output = showPayload(inst.Output)
	if inst.Unreadable != nil {
		p.Unreadable = inst.Unreadable.Error()
	}
	if inst.Status == runtime.StatusFailed {
		if err := runtime.Retryable(inst); err != nil {
			p.Retryable = "Its workflow returned this error, which is its result: retrying would return it again. Start a new instance, or force the retry to run the code before the return again."
		} else {
			p.Retryable = "It failed outside its workflow's return, with the frame of its last checkpoint kept: retry resumes it there, once the fix is deployed."
		}
	}

	evs, err := h.store.History(ctx, id)
	if err != nil {
		p.EventsNote = "history not readable: " + err.Error()
	}
	c, exact := h.code.find(inst.Workflow, inst.Version)
	h.frame(p, c)
	h.compensationsRun(p, c, evs)
	h.locate(p, c, exact, evs)
	h.timeline(p, c, evs, events)
	if err := h.children(ctx, p); err != nil {
		p.EventsNote = strings.TrimSpace(p.EventsNote + " children not listed: " + err.Error())
	}
	h.runs(ctx, p)
	p.Actions = h.actionsFor(inst, p.Wait)
	return p, http.StatusOK, nil
}

func waitOf(inst *runtime.Instance) *wait {
	switch inst.Status {
	case runtime.StatusSleeping:
		if inst.Attempt > 0 {
			return &wait{Kind: "retry", At: inst.WakeAt, Name: strconv.Itoa(inst.Attempt)}
		}
		return &wait{Kind: "timer", At: inst.WakeAt}
	case runtime.StatusWaiting:
		if child, ok := strings.CutPrefix(inst.AwaitName, childSignalPrefix); ok {
			return &wait{Kind: "child", Name: child, At: inst.WakeAt}
		}
		return &wait{Kind: "signal", Name: inst.AwaitName, At: inst.WakeAt, Signal: inst.AwaitName}
	}
	return nil
}

// frame fills the variables and compensations from the instance's frame.
func (h *inspector) frame(p *instancePage, c *code) {
	inst := p.Inst
	if inst.Unreadable != nil {
		p.VarsNote = "The frame is not readable: " + inst.Unreadable.Error()
		return
	}
	if key, err := encrypt.KeyID(inst.Frame); err == nil {
		p.VarsNote = "The frame is sealed with key " + key + ": the inspector opens it only when its store is wrapped with a keyring holding that key (runtime/encrypt; for durable ui, set $DURABLE_KEYS)."
		return
	}
	st, err := runtime.StateOf(inst)
	if err != nil {
		p.VarsNote = "The frame does not decode: " + err.Error()
		return
	}
	p.PC, p.vars = st.PC, st.Vars
	if len(st.Vars) == 0 {
		p.VarsNote = "No variables: the instance has not committed a checkpoint that keeps any."
	}
	for _, name := range st.Names() {
		p.Vars = append(p.Vars, variable{Name: name, Value: showPayload(st.Vars[name])})
	}
	raw, ok := st.Vars["saga"]
	if !ok {
		return
	}
	var saga runtime.Saga
	if json.Unmarshal(raw, &saga) != nil {
		return
	}
	p.CompErrs = saga.Errors
	// Pending compensations run last first: list them in that order.
	for i := len(saga.List) - 1; i >= 0; i-- {
		cp := saga.List[i]
		comp := compensation{Name: cp.Name, State: "registered: runs if the workflow fails or a cancel asks for compensations"}
		if inst.Status.Terminal() {
			comp.State = "not run"
		} else if p.PC != 0 && c != nil && c.siteByID(p.PC) != nil && c.siteByID(p.PC).Kind == "compensate" {
			comp.State = "pending: the workflow is compensating"
		}
		if inst.CancelReason != "" && !inst.Status.Terminal() {
			comp.State = "pending: a cancel with compensations was requested"
		}
		if c != nil && cp.Site >= 0 && cp.Site < len(c.sites) {
			comp.Pos = c.sites[cp.Site].Pos
		}
		for _, a := range cp.Args {
			comp.Args = append(comp.Args, showPayload(a))
		}
		p.Comps = append(p.Comps, comp)
	}
}

// compensationsRun puts the compensations the history shows ran before
// those still registered, and keeps the saga's errors only when the
// history does not show them.
func (h *inspector) compensationsRun(p *instancePage, c *code, evs []runtime.Event) {
	var ran []compensation
	failed := false
	for _, ev := range evs {
		s := c.eventSite(c.rootFrame(), ev.Site, ev.Name)
		if s == nil || s.Kind != "compensate" {
			continue
		}
		comp := compensation{Name: ev.Name, Pos: s.Pos, State: fmt.Sprintf("ran at checkpoint %d (%s)", ev.Seq, plural(ev.Attempts, "attempt"))}
		if msg, sealed := errorText(ev.Error, true); msg != "" || sealed != "" {
			failed = true
			comp.State = fmt.Sprintf("failed for good at checkpoint %d after %s: %s", ev.Seq, plural(ev.Attempts, "attempt"), msg)
			if sealed != "" {
				comp.State = fmt.Sprintf("failed for good at checkpoint %d after %s (error sealed, key %s)", ev.Seq, plural(ev.Attempts, "attempt"), sealed)
			}
		}
		ran = append(ran, comp)
	}
	p.Comps = append(ran, p.Comps...)
	if failed {
		p.CompErrs = nil
	}
}

func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

// locate finds the checkpoint to mark in the source: the one the
// instance waits at or resumes at (its machine state is a checkpoint's),
// else the last one it committed.
func (h *inspector) locate(p *instancePage, c *code, exact bool, evs []runtime.Event) {
	if c == nil {
		p.Source.Err = "No generated code found for " + p.Inst.Workflow + ": register its descriptor with the inspector (Options.Workflows) or give the directory of its source (Options.SourceDirs, durable ui -src)."
		return
	}
	frame, pc := innermost(c, p.vars, p.PC)
	here := func(id int) *site {
		if fc := c.frames[frame]; fc != nil {
			for i := range fc.sites {
				if fc.sites[i].ID == id {
					return &fc.sites[i]
				}
			}
		}
		return nil
	}
	lastSite := func() *site {
		for i := len(evs) - 1; i >= 0; i-- {
			if s := c.eventSite(frame, evs[i].Site, evs[i].Name); s != nil {
				return s
			}
		}
		return nil
	}
	var cv *checkpointView
	switch st := p.Inst.Status; {
	case st == runtime.StatusWaiting || st == runtime.StatusSleeping:
		// Suspended by its last checkpoint (an await's state is also its
		// machine state; a sleep's continuation is the next one's).
		s := lastSite()
		if s == nil {
			s = here(pc)
		}
		if s != nil {
			cv = &checkpointView{Site: *s, Label: map[runtime.Status]string{runtime.StatusWaiting: "waits here", runtime.StatusSleeping: "sleeps here"}[st]}
		}
	case !st.Terminal() && here(pc) != nil:
		label := "resumes here"
		if st == runtime.StatusRunning {
			label = "runs here"
		}
		cv = &checkpointView{Site: *here(pc), Label: label}
	default:
		if s := lastSite(); s != nil {
			cv = &checkpointView{Site: *s, Label: "last checkpoint"}
		}
	}
	if cv == nil {
		p.Source.Err = "The instance has committed no checkpoint yet."
		if len(c.sites) > 0 {
			cv = &checkpointView{Site: c.sites[0], Label: "first checkpoint"}
			p.Source.Err = ""
		}
	}
	if cv == nil {
		return
	}
	if !exact {
		cv.Note = fmt.Sprintf("The code found is of version %s, the instance runs version %s: lines may differ.", shortVersion(c.version), shortVersion(p.Inst.Version))
	}
	p.Checkpoint = cv
	p.Source = readSource(c, &cv.Site)
}

// innermost follows the frames of the helpers in progress from the
// workflow's frame (vars, at machine state pc) to the innermost one, and
// returns its frame type and machine state. Without vars (a sealed or
// undecodable frame) it returns the workflow's frame and -1.
func innermost(c *code, vars map[string]json.RawMessage, pc int) (string, int) {
	frame := c.root
	if vars == nil {
		return frame, -1
	}
	for depth := 0; depth < 64; depth++ {
		fc := c.frames[frame]
		if fc == nil {
			break
		}
		moved := false
		for _, field := range sortedKeys(fc.helpers) {
			var nested map[string]json.RawMessage
			if raw := vars[field]; len(raw) == 0 || json.Unmarshal(raw, &nested) != nil || nested == nil {
				continue
			}
			var npc int
			if json.Unmarshal(nested["pc"], &npc) != nil {
				continue
			}
			frame, pc, vars, moved = fc.helpers[field], npc, nested, true
			break
		}
		if !moved {
			break
		}
	}
	return frame, pc
}

// timeline fills one page of the checkpoint events, the last by default.
func (h *inspector) timeline(p *instancePage, c *code, evs []runtime.Event, pageArg string) {
	if len(evs) == 0 {
		return
	}
	pages := (len(evs) + h.size - 1) / h.size
	n := pages
	if v, err := strconv.Atoi(pageArg); err == nil && v >= 1 && v <= pages {
		n = v
	}
	from, to := (n-1)*h.size, min(n*h.size, len(evs))
	for i := from; i < to; i++ {
		ev := evs[i]
		prev := p.Inst.CreatedAt
		if i > 0 {
			prev = evs[i-1].At
		}
		row := eventRow{Event: ev, Took: max(0, ev.At.Sub(prev)), Detail: showPayload(ev.Detail)}
		row.Err, row.ErrSeal = errorText(ev.Error, true)
		if s := c.eventSite(c.rootFrame(), ev.Site, ev.Name); s != nil {
			row.Pos = s.Pos
		}
		p.Events = append(p.Events, row)
	}
	if pages > 1 {
		for i := 1; i <= pages; i++ {
			p.EventPages = append(p.EventPages, pageLink{N: i, Current: i == n})
		}
	}
}

// children lists the instance's descendants as a tree.
func (h *inspector) children(ctx context.Context, p *instancePage) error {
	insts, err := h.client.List(ctx, runtime.ListOptions{IDPrefix: p.Inst.ID + childPrefix, Limit: maxChildren})
	if err != nil {
		if errors.Is(err, errors.ErrUnsupported) {
			return nil
		}
		return err
	}
	p.ChildrenMore = len(insts) == maxChildren
	now := h.now()
	nodes := map[string]*childNode{p.Inst.ID: {}}
	for _, inst := range insts {
		nodes[inst.ID] = &childNode{ID: inst.ID, Workflow: shortWorkflow(inst.Workflow), Status: inst.Status, Detail: detail(inst, now)}
	}
	for _, inst := range insts {
		parent, ok := parentOf(inst.ID)
		for ok && nodes[parent] == nil { // a parent past the bound: attach higher
			parent, ok = parentOf(parent)
		}
		if !ok {
			parent = p.Inst.ID
		}
		nodes[parent].Children = append(nodes[parent].Children, nodes[inst.ID])
	}
	p.Children = nodes[p.Inst.ID].Children
	return nil
}

// runRow is an earlier run of an instance that continued as new.
type runRow struct {
	Run            int
	Started, Ended time.Time
	Seq            int64
	ContinuedWith  payload // the input the run gave the next one
}

// runs lists the earlier runs of an instance past its first, from a
// store that keeps them (runtime.Continuer), newest first.
func (h *inspector) runs(ctx context.Context, p *instancePage) {
	if p.Inst.Run <= 1 {
		return
	}
	rs, ok := h.store.(runtime.Continuer)
	if !ok {
		p.RunsNote = "the store keeps no summaries of earlier runs"
		return
	}
	runs, err := rs.Runs(ctx, p.Inst.ID)
	if err != nil {
		p.RunsNote = "runs not readable: " + err.Error()
		return
	}
	for i := len(runs) - 1; i >= 0; i-- {
		r := runs[i]
		p.Runs = append(p.Runs, runRow{Run: r.Run, Started: r.StartedAt, Ended: r.EndedAt, Seq: r.Seq, ContinuedWith: showPayload(r.Output)})
	}
}
