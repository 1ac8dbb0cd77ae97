package inspector

import (
	"context"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/examples/transfer/payments"
	"github.com/durablegen/durable/runtime"
)

var updateScreenshots = flag.Bool("update-screenshots", false, "write the browser test's screenshots to docs/inspector-list.png and docs/inspector-instance.png")

// chromium returns the path of a Chromium or Chrome binary, or skips t.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("DURABLE_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no chromium binary found: install chromium (apt-get install chromium) or set DURABLE_CHROMIUM to a Chrome binary to run the browser test")
	return ""
}

// browser starts a headless Chromium that reaches only loopback
// addresses and returns its context.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.WindowSize(1400, 900),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("no-pings", true),
		// Everything but loopback goes to a proxy that is not there.
		chromedp.ProxyServer("http://127.0.0.1:9"),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("start the browser: %v", err)
	}
	return ctx
}

// TestBrowser drives the inspector in a real headless Chromium: it lists
// the transfers, pauses the list's refresh (an instance started then is
// not listed until it is resumed), filters them to the waiting one, opens it, finds the
// line of its approval wait highlighted in the workflow's source, sends
// the approval through the signal form and watches the instance
// complete. -update-screenshots writes the list and instance pages to
// docs/.
func TestBrowser(t *testing.T) {
	bctx := browser(t)
	ctx, cancel := context.WithTimeout(bctx, 90*time.Second) // a bound for a loaded machine: the test takes about 6 s
	defer cancel()
	ts := newTransferStore(t)
	ui := Handler(ts.store, Options{
		Prefix:    "/ops/durable",
		Workflows: []durable.Definition{payments.TransferWorkflow},
		Refresh:   300 * time.Millisecond,
	})
	mux := http.NewServeMux()
	mux.Handle("/ops/durable/", ui)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	base := srv.URL + "/ops/durable/"
	run := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	rowIDs := func() []string {
		t.Helper()
		ids, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#instances tbody tr")).map(r => r.dataset.id)`))
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	// until evaluates expr until it is true, through page loads.
	until := func(what, expr string, within time.Duration) {
		t.Helper()
		deadline := time.Now().Add(within)
		for {
			ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
			if err == nil && ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: not after %v (%s; last error %v)", what, within, expr, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return strings.TrimSpace(s)
	}

	// The list shows every transfer, newest first.
	run("load the list", chromedp.Navigate(base), chromedp.WaitVisible(chromedp.ID("instances")))
	ids := rowIDs()
	if len(ids) != len(smallIDs)+2 || ids[0] != rejectedID {
		t.Fatalf("list rows = %q, want %d transfers, the newest (%s) first", ids, len(smallIDs)+2, rejectedID)
	}
	screenshot(t, ctx, "inspector-list.png")

	// The refresh pauses, and says so, until resumed.
	if state := text(`#refresh-state`); state != "every 300 ms" {
		t.Errorf("refresh state = %q, want every 300 ms", state)
	}
	run("pause the refresh", chromedp.Click(chromedp.ID("refresh-toggle")))
	if state, button := text(`#refresh-state`), text(`#refresh-toggle`); state != "paused" || button != "Resume refresh" {
		t.Errorf("after a click on pause: state %q, button %q; want paused, Resume refresh", state, button)
	}
	ts.start(t, "transfer-late", payments.TransferRequest{From: "carol", To: "dan", Amount: 1, PollEvery: time.Millisecond, Bank: ts.bank})
	time.Sleep(time.Second) // three refresh periods
	if ids := rowIDs(); len(ids) != len(smallIDs)+2 {
		t.Errorf("the paused list refreshed: rows %q", ids)
	}
	run("resume the refresh", chromedp.Click(chromedp.ID("refresh-toggle")))
	if state := text(`#refresh-state`); state != "every 300 ms" {
		t.Errorf("after resuming, refresh state = %q", state)
	}
	until("the new instance listed", `document.querySelector("#instances tbody tr").dataset.id === "transfer-late"`, 20*time.Second)

	// Filtered to waiting instances: only the big transfer.
	run("filter the list",
		chromedp.Click(chromedp.CSS(`input[name=status][value=waiting]`)),
		chromedp.Click(chromedp.ID("apply")),
	)
	until("the filtered list", `location.search.includes("status=waiting") && document.readyState === "complete" && !!document.querySelector("#instances")`, 20*time.Second)
	if ids := rowIDs(); len(ids) != 1 || ids[0] != bigID { // transfer-late has completed
		t.Fatalf("filtered list rows = %q, want only %s", ids, bigID)
	}

	// The instance page marks the line of the approval wait.
	run("open the instance", chromedp.Click(chromedp.CSS(`#instances td.id a`)), chromedp.WaitVisible(chromedp.CSS(`#source li.current`)))
	line := text(`#source li.current code`)
	lineNo, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(`#source li.current`), "data-line"))
	if err != nil {
		t.Fatal(err)
	}
	if want := `durable.Await[Approval](ctx, "approval")`; !strings.Contains(line, want) {
		t.Errorf("highlighted line %s = %q, want the line of %s", lineNo.Value, line, want)
	}
	if want := awaitLine(t); lineNo.Value != want {
		t.Errorf("highlighted line number = %s, want %s (the await in payments/transfer.go)", lineNo.Value, want)
	}
	if label, status := text(`#source li.current .here`), text(`#status`); label != "waits here" || status != "waiting" {
		t.Errorf("label %q, status %q; want \"waits here\", \"waiting\"", label, status)
	}
	if got := text(`#waits`); !strings.Contains(got, "signal approval") {
		t.Errorf("waits on %q, want the approval signal", got)
	}
	screenshot(t, ctx, "inspector-instance.png")

	// Approve through the form; the page refreshes itself to completed.
	run("send the approval",
		chromedp.SetValue(chromedp.CSS(`#signal-form textarea[name=payload]`), `{"Approved": true, "By": "ann"}`),
		chromedp.Click(chromedp.ID("send-signal")),
	)
	until("the signal's banner", `document.readyState === "complete" && !!document.getElementById("done")`, 20*time.Second)
	until("the instance completed", `document.getElementById("status").textContent === "completed"`, 20*time.Second)
	inst := ts.waitFor(t, bigID, runtime.StatusCompleted)
	if !strings.Contains(string(inst.Output), `"ApprovedBy":"ann"`) {
		t.Errorf("output = %s, want the transfer approved by ann", inst.Output)
	}
}

// awaitLine returns the line of the approval wait in the example's
// source, as a string.
func awaitLine(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile("../examples/transfer/payments/transfer.go")
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(src), "\n") {
		if strings.Contains(l, `durable.Await[Approval](ctx, "approval")`) {
			return strconv.Itoa(i + 1)
		}
	}
	t.Fatal("no await in payments/transfer.go")
	return ""
}

// screenshot writes the page to docs/name with -update-screenshots.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if !*updateScreenshots {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "docs", name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", path)
}
