package inspector

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/examples/transfer/payments"
	"github.com/durablegen/durable/internal/equiv"
	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/encrypt"
	"github.com/durablegen/durable/runtime/memstore"
)

// memFixture is an in-memory store on a clock that moves only when told,
// with the equiv workflows registered on a worker that runs when asked.
type memFixture struct {
	t      *testing.T
	store  *memstore.Store
	client *runtime.Client
	worker *runtime.Worker
	mu     sync.Mutex
	now    time.Time
}

var fixtureStart = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func newMemFixture(t *testing.T, wrap func(runtime.Store) runtime.Store) *memFixture {
	t.Helper()
	f := &memFixture{t: t, now: fixtureStart}
	f.store = memstore.NewWithClock(f.clock)
	var s runtime.Store = f.store
	if wrap != nil {
		s = wrap(s)
	}
	f.client = runtime.NewClient(s)
	f.worker = runtime.NewWorker(s, runtime.WorkerOptions{Logger: slog.New(slog.DiscardHandler), Owner: "worker-7"})
	for _, d := range []durable.Definition{equiv.ApprovalWorkflow, equiv.SequenceWorkflow, equiv.OnboardWorkflow, equiv.DripWorkflow} {
		if err := f.worker.Register(d); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f *memFixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *memFixture) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

// start starts an instance one second after the previous one.
func start[In, Out any](f *memFixture, wf *durable.Workflow[In, Out], id string, in In) {
	f.t.Helper()
	if _, err := runtime.Start(context.Background(), f.client, wf, id, in); err != nil {
		f.t.Fatal(err)
	}
	f.advance(time.Second)
}

func (f *memFixture) drain() {
	f.t.Helper()
	if _, err := f.worker.Drain(context.Background()); err != nil {
		f.t.Fatal(err)
	}
}

func (f *memFixture) get(id string) *runtime.Instance {
	f.t.Helper()
	inst, err := f.store.Get(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return inst
}

// serve runs one request through h and returns the status and body.
func serve(t *testing.T, h http.Handler, r *http.Request) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec.Code, rec.Body.String()
}

func get(t *testing.T, h http.Handler, target string) (int, string) {
	t.Helper()
	return serve(t, h, httptest.NewRequest("GET", target, nil))
}

// post sends a form as a same-origin browser would.
func post(t *testing.T, h http.Handler, target string, form url.Values, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest("POST", target, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// rowIDs returns the instance IDs of a list page, in order.
func rowIDs(body string) []string {
	var ids []string
	for _, m := range regexp.MustCompile(`<tr data-id="([^"]*)"`).FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

func TestListFilters(t *testing.T) {
	f := newMemFixture(t, nil)
	start(f, equiv.ApprovalWorkflow, "pay-1", 20_000_00) // waits
	start(f, equiv.ApprovalWorkflow, "pay-2", 5)         // completes
	start(f, equiv.SequenceWorkflow, "seq-1", 1)         // completes
	start(f, equiv.ApprovalWorkflow, "pay-3", 30_000_00) // waits
	f.drain()
	start(f, equiv.SequenceWorkflow, "seq-2", 2) // ready
	h := Handler(f.store, Options{Workflows: []durable.Definition{equiv.ApprovalWorkflow, equiv.SequenceWorkflow}})
	version := equiv.SequenceWorkflow.Version()

	tests := []struct {
		name, query string
		want        []string
	}{
		{"all, newest first", "", []string{"seq-2", "pay-3", "seq-1", "pay-2", "pay-1"}},
		{"oldest first", "order=asc", []string{"pay-1", "pay-2", "seq-1", "pay-3", "seq-2"}},
		{"status", "status=waiting", []string{"pay-3", "pay-1"}},
		{"two statuses", "status=waiting&status=ready", []string{"seq-2", "pay-3", "pay-1"}},
		{"full workflow name", "workflow=" + url.QueryEscape(equiv.SequenceWorkflow.Name()), []string{"seq-2", "seq-1"}},
		{"short name of a registered workflow", "workflow=equiv.Approval", []string{"pay-3", "pay-2", "pay-1"}},
		{"ID prefix", "prefix=pay-", []string{"pay-3", "pay-2", "pay-1"}},
		{"created from", "since=2030-01-02T03:04:07", []string{"seq-2", "pay-3", "seq-1"}},
		{"created before", "until=2030-01-02T03:04:07Z", []string{"pay-2", "pay-1"}},
		{"window", "since=2030-01-02T03:04:06&until=2030-01-02T03:04:08", []string{"seq-1", "pay-2"}},
		{"version", "version=" + version, []string{"seq-2", "seq-1"}},
		{"version prefix", "version=" + version[:6], []string{"seq-2", "seq-1"}},
		{"all filters", "status=completed&prefix=seq&version=" + version, []string{"seq-1"}},
		{"none match", "prefix=nope", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body := get(t, h, "/?"+tc.query)
			if code != http.StatusOK {
				t.Fatalf("GET /?%s = %d, want 200:\n%s", tc.query, code, body)
			}
			if got := rowIDs(body); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("GET /?%s lists %q, want %q", tc.query, got, tc.want)
			}
		})
	}

	for _, q := range []string{"status=sleepy", "since=yesterday", "limit=0", "limit=100000", "after=garbage"} {
		t.Run("bad "+q, func(t *testing.T) {
			code, body := get(t, h, "/?"+q)
			if code != http.StatusBadRequest || !strings.Contains(body, `id="list-error"`) {
				t.Errorf("GET /?%s = %d, want 400 with the error on the page:\n%s", q, code, body)
			}
		})
	}
}

func TestListPaging(t *testing.T) {
	f := newMemFixture(t, nil)
	var all []string // newest first
	for i := range 7 {
		id := fmt.Sprintf("seq-%d", i)
		start(f, equiv.SequenceWorkflow, id, i)
		all = append([]string{id}, all...)
	}
	h := Handler(f.store, Options{PageSize: 3})
	next := regexp.MustCompile(`<a href="([^"]*)" rel="next"`)
	prev := regexp.MustCompile(`<a href="([^"]*)" rel="prev"`)
	link := func(re *regexp.Regexp, body string) string {
		m := re.FindStringSubmatch(body)
		if m == nil {
			return ""
		}
		return strings.ReplaceAll(m[1], "&amp;", "&")
	}

	var got [][]string
	var bodies []string
	target := "/"
	for target != "" && len(got) < 5 {
		code, body := get(t, h, target)
		if code != http.StatusOK {
			t.Fatalf("GET %s = %d:\n%s", target, code, body)
		}
		got = append(got, rowIDs(body))
		bodies = append(bodies, body)
		if n := link(next, body); n != "" {
			target = "/" + n
		} else {
			target = ""
		}
	}
	want := [][]string{all[0:3], all[3:6], all[6:7]}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("pages = %q, want %q", got, want)
	}
	if link(prev, bodies[0]) != "" {
		t.Errorf("the first page links to a previous one")
	}
	// Back from the last page: the middle one, then the first.
	p := link(prev, bodies[2])
	_, body := get(t, h, "/"+p)
	if ids := rowIDs(body); fmt.Sprint(ids) != fmt.Sprint(all[3:6]) {
		t.Errorf("previous of the last page = %q, want %q", ids, all[3:6])
	}
	_, body = get(t, h, "/"+link(prev, body))
	if ids := rowIDs(body); fmt.Sprint(ids) != fmt.Sprint(all[0:3]) {
		t.Errorf("previous of the middle page = %q, want %q", ids, all[0:3])
	}
	// An instance created meanwhile does not shift the pages after the
	// first: keyset pages.
	start(f, equiv.SequenceWorkflow, "seq-new", 9)
	_, body = get(t, h, "/"+link(next, bodies[0]))
	if ids := rowIDs(body); fmt.Sprint(ids) != fmt.Sprint(all[3:6]) {
		t.Errorf("second page after a new instance = %q, want %q", ids, all[3:6])
	}
}

// TestVersionScanBound: the version filter, which the store does not
// apply, reads a bounded number of store pages per page shown and then
// offers to continue.
func TestVersionScanBound(t *testing.T) {
	f := newMemFixture(t, nil)
	n := maxScanPages*200 + 10
	for i := range n {
		if _, err := runtime.Start(context.Background(), f.client, equiv.SequenceWorkflow, fmt.Sprintf("s-%05d", i), i); err != nil {
			t.Fatal(err)
		}
	}
	h := Handler(f.store, Options{})
	code, body := get(t, h, "/?version=ffff")
	if code != http.StatusOK || len(rowIDs(body)) != 0 {
		t.Fatalf("GET /?version=ffff = %d with %d rows, want 200 and none", code, len(rowIDs(body)))
	}
	if !strings.Contains(body, "store pages without finding") || !strings.Contains(body, `rel="next"`) {
		t.Errorf("a page stopped at the scan bound does not say so and link to the rest:\n%s", body)
	}
}

func TestInstancePage(t *testing.T) {
	f := newMemFixture(t, nil)
	start(f, equiv.ApprovalWorkflow, "pay-1", 20_000_00)
	start(f, equiv.OnboardWorkflow, "onb", []string{"ann"})
	f.drain()
	h := Handler(f.store, Options{Workflows: []durable.Definition{equiv.ApprovalWorkflow, equiv.OnboardWorkflow, equiv.DripWorkflow}})

	code, body := get(t, h, "/instance?id=pay-1")
	if code != http.StatusOK {
		t.Fatalf("GET /instance?id=pay-1 = %d:\n%s", code, body)
	}
	for _, want := range []string{
		`id="status">waiting<`,
		`signal <code>approval</code>`,
		`<li class="line current cp" data-line="157"`, // control.go: the Await
		`durable.Await[Decision](ctx, &#34;approval&#34;)`,
		`<span class="here">waits here</span>`,
		`id="signal-form"`, `id="cancel-form"`,
		`<th class="mono">cents</th>`, `2000000`,
		`await approval at control.go:157:`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page of pay-1 has no %q", want)
		}
	}
	if strings.Contains(body, `id="retry-form"`) {
		t.Errorf("page of a waiting instance offers a retry")
	}

	// A parent waiting for its child, which sleeps: the tree, the links.
	_, body = get(t, h, "/instance?id=onb")
	child := "onb/child-1"
	for _, want := range []string{"child <a href=\"/instance?id=" + url.QueryEscape(child) + "\">" + child + "</a>", `<ul class="tree"><li><a href="/instance?id=` + url.QueryEscape(child)} {
		if !strings.Contains(body, want) {
			t.Errorf("page of onb has no %q:\n%s", want, body)
		}
	}
	_, body = get(t, h, "/instance?id="+url.QueryEscape(child))
	for _, want := range []string{`id="status">sleeping<`, "timer, fires 2030-01-09", `<span class="here">sleeps here</span>`, `href="/instance?id=onb"`} {
		if !strings.Contains(body, want) {
			t.Errorf("page of %s has no %q", child, want)
		}
	}

	if code, _ := get(t, h, "/instance?id=nope"); code != http.StatusNotFound {
		t.Errorf("GET /instance?id=nope = %d, want 404", code)
	}
}

// TestTimelinePaging: a long history is shown a page at a time, the last
// page first.
func TestTimelinePaging(t *testing.T) {
	f := newMemFixture(t, nil)
	start(f, equiv.SequenceWorkflow, "seq", 1)
	f.drain()
	evs, err := f.store.History(context.Background(), "seq")
	if err != nil || len(evs) < 3 {
		t.Fatalf("history of seq: %d events, %v; want at least 3", len(evs), err)
	}
	h := Handler(f.store, Options{PageSize: 2})
	seqs := func(body string) []string {
		var out []string
		for _, m := range regexp.MustCompile(`(?s)<tr class="ev-[^"]*">\s*<td class="num">(\d+)</td>`).FindAllStringSubmatch(body, -1) {
			out = append(out, m[1])
		}
		return out
	}
	pages := (len(evs) + 1) / 2
	_, body := get(t, h, "/instance?id=seq")
	if got, want := seqs(body), fmt.Sprint(evs[len(evs)-1].Seq); len(got) == 0 || got[len(got)-1] != want {
		t.Errorf("default timeline page shows events %q, want the last page, ending with %s", got, want)
	}
	_, body = get(t, h, "/instance?id=seq&events=1")
	if got := seqs(body); fmt.Sprint(got) != "[1 2]" {
		t.Errorf("timeline page 1 shows events %q, want [1 2]", got)
	}
	if !strings.Contains(body, fmt.Sprintf("events=%d", pages)) {
		t.Errorf("timeline page 1 has no link to page %d", pages)
	}
}

func TestActions(t *testing.T) {
	f := newMemFixture(t, nil)
	start(f, equiv.ApprovalWorkflow, "pay-1", 20_000_00)
	start(f, equiv.ApprovalWorkflow, "pay-2", 20_000_00)
	start(f, equiv.ApprovalWorkflow, "pay-3", 20_000_00)
	f.drain()
	h := Handler(f.store, Options{})

	rec := post(t, h, "/signal", url.Values{"id": {"pay-1"}, "name": {"approval"}, "payload": {`{"By": "ann", "OK": true}`}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/instance?id=pay-1&done=signal" {
		t.Fatalf("POST /signal = %d to %q, want 303 to the instance:\n%s", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	f.drain()
	if inst := f.get("pay-1"); inst.Status != runtime.StatusCompleted || string(inst.Output) != `"approved by ann"` {
		t.Errorf("after the signal pay-1 is %s with %s, want completed, approved by ann", inst.Status, inst.Output)
	}
	if _, body := get(t, h, rec.Header().Get("Location")); !strings.Contains(body, "Signal sent.") {
		t.Errorf("the page after the signal does not say it was sent")
	}

	rec = post(t, h, "/signal", url.Values{"id": {"pay-2"}, "name": {"approval"}, "payload": {`{By: ann}`}})
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "the payload is not JSON") {
		t.Errorf("POST /signal with bad JSON = %d, want 400 saying so:\n%s", rec.Code, rec.Body)
	}
	rec = post(t, h, "/signal", url.Values{"id": {"pay-1"}, "name": {"approval"}, "payload": {`{}`}})
	if rec.Code != http.StatusConflict {
		t.Errorf("POST /signal to a completed instance = %d, want 409", rec.Code)
	}

	rec = post(t, h, "/cancel", url.Values{"id": {"pay-2"}, "reason": {"duplicate"}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("POST /cancel = %d:\n%s", rec.Code, rec.Body)
	}
	if inst := f.get("pay-2"); inst.Status != runtime.StatusCanceled || inst.Error != "duplicate" {
		t.Errorf("after the cancel pay-2 is %s (%q), want canceled (duplicate)", inst.Status, inst.Error)
	}
	rec = post(t, h, "/cancel", url.Values{"id": {"pay-3"}, "compensate": {"1"}})
	if rec.Code != http.StatusSeeOther || !strings.HasSuffix(rec.Header().Get("Location"), "done=compensate") {
		t.Fatalf("POST /cancel with compensations = %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	if inst := f.get("pay-3"); inst.CancelReason == "" {
		t.Errorf("after the cancel with compensations pay-3 has no requested cancel")
	}
	f.drain()
	if inst := f.get("pay-3"); inst.Status != runtime.StatusCanceled {
		t.Errorf("pay-3 is %s after a worker ran, want canceled", inst.Status)
	}

	rec = post(t, h, "/retry", url.Values{"id": {"pay-1"}})
	if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "only a failed instance can be retried") {
		t.Errorf("POST /retry of a completed instance = %d, want 409 saying why:\n%s", rec.Code, rec.Body)
	}
	rec = post(t, h, "/signal", url.Values{"id": {"nope"}, "name": {"approval"}})
	if rec.Code != http.StatusNotFound {
		t.Errorf("POST /signal to a missing instance = %d, want 404", rec.Code)
	}
}

func TestCrossOriginRefused(t *testing.T) {
	f := newMemFixture(t, nil)
	start(f, equiv.ApprovalWorkflow, "pay-1", 20_000_00)
	f.drain()
	h := Handler(f.store, Options{TrustedOrigins: []string{"https://ops.example.com"}})
	form := url.Values{"id": {"pay-1"}, "reason": {"csrf"}}
	for _, tc := range []struct {
		name   string
		header []string
		want   int
	}{
		{"cross-site fetch", []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"same-site other origin", []string{"Sec-Fetch-Site", "same-site"}, http.StatusForbidden},
		{"foreign Origin", []string{"Sec-Fetch-Site", "", "Origin", "https://evil.example"}, http.StatusForbidden},
		{"trusted origin", []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://ops.example.com"}, http.StatusSeeOther},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := post(t, h, "/cancel", form, tc.header...)
			if rec.Code != tc.want {
				t.Errorf("POST /cancel with %q = %d, want %d:\n%s", tc.header, rec.Code, tc.want, rec.Body)
			}
			if tc.want == http.StatusForbidden && f.get("pay-1").Status == runtime.StatusCanceled {
				t.Fatalf("a refused cross-origin POST canceled the instance")
			}
		})
	}
}

func TestReadOnlyAndDisabled(t *testing.T) {
	f := newMemFixture(t, nil)
	start(f, equiv.ApprovalWorkflow, "pay-1", 20_000_00)
	f.drain()
	signal := url.Values{"id": {"pay-1"}, "name": {"approval"}, "payload": {`{"OK": true}`}}
	cancel := url.Values{"id": {"pay-1"}}

	ro := Handler(f.store, Options{ReadOnly: true})
	_, body := get(t, ro, "/instance?id=pay-1")
	if strings.Contains(body, "<form method=\"post\"") || !strings.Contains(body, "read-only") {
		t.Errorf("read-only page shows a form or does not say it is read-only")
	}
	for _, path := range []string{"/signal", "/cancel", "/retry"} {
		if rec := post(t, ro, path, cancel); rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "read-only") {
			t.Errorf("read-only POST %s = %d, want 403 saying read-only", path, rec.Code)
		}
	}

	noSignal := Handler(f.store, Options{DisableSignal: true, DisableRetry: true})
	_, body = get(t, noSignal, "/instance?id=pay-1")
	if strings.Contains(body, `id="signal-form"`) || !strings.Contains(body, `id="cancel-form"`) {
		t.Errorf("with signals off, the page shows the signal form or hides cancel")
	}
	if rec := post(t, noSignal, "/signal", signal); rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "signal action is switched off") {
		t.Errorf("POST /signal switched off = %d, want 403:\n%s", rec.Code, rec.Body)
	}
	if f.get("pay-1").Status != runtime.StatusWaiting {
		t.Fatalf("a refused signal reached the instance")
	}
	noCancel := Handler(f.store, Options{DisableCancel: true})
	if rec := post(t, noCancel, "/cancel", cancel); rec.Code != http.StatusForbidden {
		t.Errorf("POST /cancel switched off = %d, want 403", rec.Code)
	}
	if f.get("pay-1").Status != runtime.StatusWaiting {
		t.Fatalf("a refused cancel reached the instance")
	}
}

func TestPrefix(t *testing.T) {
	f := newMemFixture(t, nil)
	start(f, equiv.ApprovalWorkflow, "pay 1/ü", 20_000_00)
	f.drain()
	mux := http.NewServeMux()
	mux.Handle("/ops/durable/", Handler(f.store, Options{Prefix: "/ops/durable/"}))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "app") })

	code, body := get(t, mux, "/ops/durable/")
	if code != http.StatusOK {
		t.Fatalf("GET /ops/durable/ = %d", code)
	}
	link := "/ops/durable/instance?id=" + url.QueryEscape("pay 1/ü")
	for _, want := range []string{`href="/ops/durable/static/style.css"`, `action="/ops/durable/"`, `href="` + strings.ReplaceAll(link, "+", "&#43;") + `"`} {
		if !strings.Contains(body, want) {
			t.Errorf("list under the prefix has no %s", want)
		}
	}
	if code, body := get(t, mux, link); code != http.StatusOK || !strings.Contains(body, `action="/ops/durable/signal"`) {
		t.Errorf("GET %s = %d, or the form does not post under the prefix", link, code)
	}
	if code, body := get(t, mux, "/ops/durable/static/style.css"); code != http.StatusOK || !strings.Contains(body, "--accent") {
		t.Errorf("GET the style sheet under the prefix = %d", code)
	}
	rec := post(t, mux, "/ops/durable/signal", url.Values{"id": {"pay 1/ü"}, "name": {"approval"}, "payload": {`{"OK": true, "By": "x"}`}})
	if loc := rec.Header().Get("Location"); rec.Code != http.StatusSeeOther || !strings.HasPrefix(loc, link+"&") {
		t.Errorf("POST under the prefix = %d to %q, want 303 to %s&...", rec.Code, loc, link)
	}
	if code, _ := get(t, mux, "/ops/durable/nothing-here"); code != http.StatusNotFound {
		t.Errorf("GET an unknown page under the prefix = %d, want 404", code)
	}
	// The handler alone refuses paths outside its prefix.
	h := Handler(f.store, Options{Prefix: "/ops/durable"})
	for _, p := range []string{"/", "/ops/durablex/", "/instance?id=x"} {
		if code, _ := get(t, h, p); code != http.StatusNotFound {
			t.Errorf("GET %s outside the prefix = %d, want 404", p, code)
		}
	}
	if rec := httptest.NewRecorder(); true {
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/ops/durable", nil))
		if rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "/ops/durable/" {
			t.Errorf("GET /ops/durable = %d to %q, want a redirect to /ops/durable/", rec.Code, rec.Header().Get("Location"))
		}
	}
}

func TestSealed(t *testing.T) {
	key, err := encrypt.GenerateKey("k1")
	if err != nil {
		t.Fatal(err)
	}
	ring, err := encrypt.NewKeyring(key)
	if err != nil {
		t.Fatal(err)
	}
	var sealed *encrypt.Store
	f := newMemFixture(t, func(s runtime.Store) runtime.Store {
		sealed, err = encrypt.Wrap(s, ring)
		if err != nil {
			t.Fatal(err)
		}
		return sealed
	})
	start(f, equiv.ApprovalWorkflow, "pay-1", 20_000_00)
	start(f, equiv.ApprovalWorkflow, "pay-2", 20_000_00)
	f.drain()
	if err := f.client.Signal(context.Background(), "pay-2", "approval", equiv.Decision{By: "mallory"}); err != nil {
		t.Fatal(err)
	}
	f.drain() // pay-2 fails: rejected by mallory

	// Without the keyring: sealed, naming the key; nothing in plain text.
	h := Handler(f.store, Options{})
	_, body := get(t, h, "/instance?id=pay-1")
	if !strings.Contains(body, "The frame is sealed with key k1") || strings.Contains(body, "2000000") {
		t.Errorf("page of a sealed instance without the keyring does not say it is sealed, or shows its variables:\n%s", body)
	}
	_, body = get(t, h, "/instance?id=pay-2")
	if !strings.Contains(body, "sealed with key <code>k1</code>") || strings.Contains(body, "mallory") {
		t.Errorf("page of a sealed failed instance shows its error, or does not say it is sealed:\n%s", body)
	}
	_, body = get(t, h, "/?prefix=pay-2")
	if !strings.Contains(body, "error sealed (key k1)") {
		t.Errorf("list does not say the error is sealed:\n%s", body)
	}

	// With it: plain text.
	h = Handler(sealed, Options{})
	_, body = get(t, h, "/instance?id=pay-1")
	if !strings.Contains(body, "<th class=\"mono\">cents</th>") || !strings.Contains(body, "2000000") || strings.Contains(body, "sealed") {
		t.Errorf("page of a sealed instance with the keyring does not show its variables")
	}
	_, body = get(t, h, "/instance?id=pay-2")
	if !strings.Contains(body, "rejected by mallory") {
		t.Errorf("page of a failed instance with the keyring does not show its error")
	}

	// With a keyring that lacks the key: the page says which key is missing.
	other, _ := encrypt.GenerateKey("k2")
	ring2, _ := encrypt.NewKeyring(other)
	wrong, err := encrypt.Wrap(f.store, ring2)
	if err != nil {
		t.Fatal(err)
	}
	code, body := get(t, Handler(wrong, Options{}), "/instance?id=pay-1")
	if code != http.StatusOK || !strings.Contains(body, "k1") || strings.Contains(body, "2000000") {
		t.Errorf("page with a keyring lacking the key = %d, want 200 naming key k1 and no variables:\n%s", code, body)
	}
}

// TestNoSource: without the workflow's code the page says where the
// instance is by checkpoint and how to show its source.
func TestNoSource(t *testing.T) {
	f := newMemFixture(t, nil)
	start(f, equiv.ApprovalWorkflow, "pay-1", 20_000_00)
	f.drain()
	_, body := get(t, Handler(f.store, Options{}), "/instance?id=pay-1")
	if !strings.Contains(body, "No generated code found") || !strings.Contains(body, "Options.SourceDirs") {
		t.Errorf("page without the workflow's code does not say how to find it:\n%s", body)
	}
	// Found through a source directory instead of a descriptor.
	_, body = get(t, Handler(f.store, Options{SourceDirs: []string{"../internal/equiv"}}), "/instance?id=pay-1")
	if !strings.Contains(body, `<span class="here">waits here</span>`) {
		t.Errorf("page with the source directory does not mark the await")
	}
}

// TestCompensations: a registered compensation of a waiting transfer,
// and the refund a rejected one ran, with the line it was registered at.
func TestCompensations(t *testing.T) {
	ts := newTransferStore(t)
	h := Handler(ts.store, Options{Workflows: []durable.Definition{payments.TransferWorkflow}})
	_, body := get(t, h, "/instance?id="+bigID)
	if !regexp.MustCompile(`<strong>Refund</strong> <span class="muted small mono">transfer\.go:\d+:\d+</span>\s*<div class="small">registered: runs if the workflow fails`).MatchString(body) {
		t.Errorf("page of %s does not show its registered refund:\n%s", bigID, body)
	}
	_, body = get(t, h, "/instance?id="+rejectedID)
	if !regexp.MustCompile(`<strong>Refund</strong>.*\s*<div class="small">ran at checkpoint \d+ \(1 attempt\)`).MatchString(body) {
		t.Errorf("page of %s does not show the refund it ran:\n%s", rejectedID, body)
	}
	if !strings.Contains(body, `durable.Compensate(ctx, in.Bank.Refund, charge.ID)</code><span class="here">last checkpoint</span>`) {
		t.Errorf("page of %s does not mark the refund's registration as its last checkpoint", rejectedID)
	}
	// Its timeline's last row is the failure, with the error.
	_, body = get(t, h, "/instance?id="+rejectedID+"&events=1")
	if !regexp.MustCompile(`<tr class="ev-fail has-error">(?s:.)*?<span class="error">transfer of \$40,000.00 rejected by dave`).MatchString(body) {
		t.Errorf("timeline of %s does not show its failure with the error:\n%s", rejectedID, body)
	}
	if !regexp.MustCompile(`<td><span class="kind">step</span></td>\s*<td>Charge <span class="muted small mono">transfer\.go:\d+:\d+</span></td>\s*<td class="num">1</td>`).MatchString(body) {
		t.Errorf("timeline of %s does not show the charge with its site and attempts:\n%s", rejectedID, body)
	}
}

// TestHelperFrames: an instance stopped inside a helper (its frame
// nested in the workflow's) is shown at the helper's checkpoint.
func TestHelperFrames(t *testing.T) {
	f := newMemFixture(t, nil)
	for _, d := range []durable.Definition{equiv.HelperWaitsWorkflow, equiv.HelpersWorkflow} {
		if err := f.worker.Register(d); err != nil {
			t.Fatal(err)
		}
	}
	start(f, equiv.HelperWaitsWorkflow, "hw", 5)
	start(f, equiv.HelpersWorkflow, "hs", 1)
	f.drain()
	h := Handler(f.store, Options{SourceDirs: []string{"../internal/equiv"}})
	for _, tc := range []struct{ id, fn, line, label string }{
		{"hw", "approve", `durable.AwaitTimeout[Decision](ctx, &#34;approval&#34;, 72*time.Hour)`, "waits here"},
		{"hs", "settle", `durable.Sleep(ctx, time.Minute)`, "sleeps here"},
	} {
		_, body := get(t, h, "/instance?id="+tc.id)
		if !strings.Contains(body, "func "+tc.fn+"</div>") || !regexp.MustCompile(regexp.QuoteMeta(tc.line)+`.*</code><span class="here">`+tc.label+`</span>`).MatchString(body) {
			t.Errorf("page of %s does not show func %s with %q marked %q:\n%s", tc.id, tc.fn, tc.line, tc.label, body)
		}
	}
}

// bareStore is a store without the Admin capability.
type bareStore struct{ runtime.Store }

func TestListWithoutAdmin(t *testing.T) {
	f := newMemFixture(t, nil)
	code, body := get(t, Handler(bareStore{f.store}, Options{}), "/")
	if code != http.StatusNotImplemented || !strings.Contains(body, "does not implement runtime.Admin") {
		t.Errorf("list of a store without Admin = %d, want 501 saying so:\n%s", code, body)
	}
}

// TestOddRequests: malformed queries and forms get a 4xx page, never a
// panic or a 500.
func TestOddRequests(t *testing.T) {
	f := newMemFixture(t, nil)
	start(f, equiv.ApprovalWorkflow, "pay-1", 20_000_00)
	f.drain()
	h := Handler(f.store, Options{Workflows: []durable.Definition{equiv.ApprovalWorkflow}})
	for _, target := range []string{
		"/instance", "/instance?id=%00", "/instance?id=" + strings.Repeat("x", 5000), "/instance?id=pay-1&events=-3",
		"/instance?id=pay-1&events=999999999999999999999", "/?after=1%2F", "/?before=x%2Fy", "/?since=2030-01-02&until=2030-01-01",
		"/?limit=-1", "/?status=", "/static/../inspector.go", "/static/nope.css", "/%ff",
	} {
		code, body := get(t, h, target)
		if code >= 500 {
			t.Errorf("GET %s = %d:\n%s", target, code, body)
		}
	}
	for _, form := range []url.Values{
		{}, {"id": {"pay-1"}}, {"id": {"pay-1"}, "name": {"a\x00b"}, "payload": {"1"}},
		{"id": {"pay-1"}, "name": {"approval"}, "payload": {strings.Repeat("[", 100000)}},
	} {
		rec := post(t, h, "/signal", form)
		if rec.Code >= 500 || rec.Code < 400 {
			t.Errorf("POST /signal %v = %d, want a 4xx:\n%s", form, rec.Code, rec.Body)
		}
	}
	if inst := f.get("pay-1"); inst.Status != runtime.StatusWaiting {
		t.Errorf("odd signals changed pay-1: %s", inst.Status)
	}
}

// TestRuns: an instance that continued as new shows its run number and
// the summaries of its earlier runs, newest first, with the input each
// continued with.
func TestRuns(t *testing.T) {
	ctx := t.Context()
	f := newMemFixture(t, nil)
	if _, _, err := f.store.Create(ctx, &runtime.Instance{ID: "renew", Workflow: "wf", Version: "v1"}); err != nil {
		t.Fatal(err)
	}
	for run := 1; run <= 2; run++ {
		got, err := f.store.Claim(ctx, runtime.ClaimRequest{Owner: "w", Workflows: []string{"wf@v1"}, Limit: 1, Lease: time.Minute})
		if err != nil || len(got) != 1 {
			t.Fatalf("Claim() = %v, %v", got, err)
		}
		cp := &runtime.Checkpoint{ID: "renew", Epoch: got[0].Epoch, Seq: got[0].Seq + 1, Frame: []byte("{}"), Status: runtime.StatusReady,
			Continue: &runtime.Continuation{Input: []byte(fmt.Sprintf(`{"Polls":%d}`, 10*run))}, Event: runtime.Event{Kind: "continue"}}
		if err := f.store.Checkpoint(ctx, cp); err != nil {
			t.Fatal(err)
		}
	}
	h := Handler(f.store, Options{})
	_, body := get(t, h, "/instance?id=renew")
	if !regexp.MustCompile(`<dt>Run</dt><dd id="run">3 `).MatchString(body) {
		t.Errorf("page of renew does not show run 3:\n%s", body)
	}
	i1, i2 := strings.Index(body, `&#34;Polls&#34;: 20`), strings.Index(body, `&#34;Polls&#34;: 10`)
	if !strings.Contains(body, "<h2>Runs</h2>") || i1 < 0 || i2 < 0 || i1 > i2 {
		t.Errorf("page of renew does not list runs 2 then 1 with the inputs they continued with:\n%s", body)
	}
	// An instance in its first run has no Runs section.
	start(f, payments.TransferWorkflow, "first", payments.TransferRequest{From: "a", To: "b", Amount: 1})
	if _, body := get(t, h, "/instance?id=first"); strings.Contains(body, "<h2>Runs</h2>") {
		t.Errorf("page of an instance in its first run has a Runs section")
	}
}
