package inspector

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/durablegen/durable/examples/transfer/payments"
	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/sqlite"
)

// transferStore is a SQLite store with transfers of examples/transfer
// run by an in-process worker: small ones that completed, a big one
// waiting for its approval, and a rejected one that failed after its
// refund.
type transferStore struct {
	store  *sqlite.Store
	client *runtime.Client
	bank   payments.Bank
}

// The instances of newTransferStore.
const (
	bigID      = "transfer-big"
	rejectedID = "transfer-rejected"
)

var smallIDs = []string{"transfer-1", "transfer-2", "transfer-3"}

// newTransferStore fills a store and runs a worker on it until the test
// ends, so that signals sent during the test are acted on.
func newTransferStore(t *testing.T) *transferStore {
	t.Helper()
	dir := t.TempDir()
	store, err := sqlite.Open(filepath.Join(dir, "durable.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	ts := &transferStore{store: store, client: runtime.NewClient(store), bank: payments.Bank{Path: filepath.Join(dir, "bank.db")}}
	ctx, cancel := context.WithCancel(context.Background())
	w := runtime.NewWorker(store, runtime.WorkerOptions{Logger: slog.New(slog.DiscardHandler), Owner: "worker-1", PollInterval: 20 * time.Millisecond})
	if err := w.Register(payments.TransferWorkflow); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	req := func(cents int64) payments.TransferRequest {
		return payments.TransferRequest{From: "alice", To: "bob", Amount: cents, PollEvery: 5 * time.Millisecond, Bank: ts.bank}
	}
	for i, id := range smallIDs {
		ts.start(t, id, req(int64(100_00*(i+1))))
	}
	ts.start(t, bigID, req(25_000_00))
	ts.start(t, rejectedID, req(40_000_00))
	ts.waitFor(t, bigID, runtime.StatusWaiting)
	ts.waitFor(t, rejectedID, runtime.StatusWaiting)
	if err := ts.client.Signal(ctx, rejectedID, "approval", payments.Approval{By: "dave"}); err != nil {
		t.Fatal(err)
	}
	ts.waitFor(t, rejectedID, runtime.StatusFailed)
	for _, id := range smallIDs {
		ts.waitFor(t, id, runtime.StatusCompleted)
	}
	return ts
}

func (ts *transferStore) start(t *testing.T, id string, in payments.TransferRequest) {
	t.Helper()
	if _, err := runtime.Start(context.Background(), ts.client, payments.TransferWorkflow, id, in); err != nil {
		t.Fatal(err)
	}
}

// waitFor waits up to 30 s (a loaded machine) for instance id to reach status.
func (ts *transferStore) waitFor(t *testing.T, id string, status runtime.Status) *runtime.Instance {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		inst, err := ts.store.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if inst.Status == status {
			return inst
		}
		if time.Now().After(deadline) {
			t.Fatalf("instance %s is %s after 30 s, want %s", id, inst.Status, status)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
