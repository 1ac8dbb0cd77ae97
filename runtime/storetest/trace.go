package storetest

import (
	"fmt"
	"strings"
	"sync"

	"github.com/durablegen/durable/runtime"
)

// testCreateTrace checks Instance.Trace: what Create is given comes back
// from Create, Get and Claim, and from a second Create of the ID (which
// does not change it), also for instances created concurrently (which a
// store may batch); a trace longer than runtime.MaxTraceLength is dropped,
// not cut.
func testCreateTrace(h *harness) {
	const trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	got := h.createInstance(&runtime.Instance{ID: "order-1", Workflow: workflow, Version: version, Trace: trace})
	if got.Trace != trace {
		h.t.Errorf("Create(order-1).Trace = %q, want %q", got.Trace, trace)
	}
	again, _, err := h.s.Create(h.ctx, &runtime.Instance{ID: "order-1", Workflow: workflow, Version: version, Trace: "other"})
	if err != nil || again.Trace != trace {
		h.t.Errorf("Create(order-1) again = %v, %v, want Trace %q, nil", traceOf(again), err, trace)
	}
	if got := h.get("order-1"); got.Trace != trace {
		h.t.Errorf("Get(order-1).Trace = %q, want %q", got.Trace, trace)
	}
	if got := h.claimID("worker-a", "order-1", longLease); got.Trace != trace {
		h.t.Errorf("Claim().Trace = %q, want %q", got.Trace, trace)
	}

	long := strings.Repeat("x", runtime.MaxTraceLength+1)
	if got := h.createInstance(&runtime.Instance{ID: "order-long", Workflow: workflow, Version: version, Trace: long}); got.Trace != "" {
		h.t.Errorf("Create(order-long).Trace is %d bytes, want none (over runtime.MaxTraceLength)", len(got.Trace))
	}
	longest := long[:runtime.MaxTraceLength]
	if got := h.createInstance(&runtime.Instance{ID: "order-longest", Workflow: workflow, Version: version, Trace: longest}); got.Trace != longest {
		h.t.Errorf("Create(order-longest).Trace is %d bytes, want %d", len(got.Trace), len(longest))
	}

	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			id := fmt.Sprintf("many-%d", i)
			_, _, errs[i] = h.s.Create(h.ctx, &runtime.Instance{ID: id, Workflow: workflow, Version: version, Trace: "trace-" + id})
		})
	}
	wg.Wait()
	for i := range n {
		id := fmt.Sprintf("many-%d", i)
		if errs[i] != nil {
			h.t.Fatalf("Create(%s) error = %v, want nil", id, errs[i])
		}
		if got := h.get(id); got.Trace != "trace-"+id {
			h.t.Errorf("Get(%s).Trace = %q, want %q", id, got.Trace, "trace-"+id)
		}
	}
}

func traceOf(inst *runtime.Instance) string {
	if inst == nil {
		return "<nil>"
	}
	return inst.Trace
}
