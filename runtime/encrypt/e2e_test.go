package encrypt_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/durablegen/durable/examples/transfer/payments"
	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/sqlite"
)

// Plaintext markers of the transfers run by runTransfers: account names,
// amounts (as stored in JSON and as formatted in an error message), the
// approvers, and a cancel reason. Each appears in an unencrypted store.
var markers = []string{
	"ACCT-ALICE-7731", "ACCT-BOB-9912", "1523456", "APPROVER-ERIN",
	"ACCT-CAROL-4410", "ACCT-DAVE-5521", "2718281", "27,182.81", "APPROVER-FRANK",
	"ACCT-GRACE-3301", "FRAUD-SUSPECTED",
	"bank.db", // the bank's path, part of every input
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// runTransfers runs three transfers through the engine on store: one
// approved and completed, one rejected (a workflow error holding an
// amount and a name), one cancelled with a reason. It checks what the
// client reads back, so it also shows that everything opens.
func runTransfers(t *testing.T, store runtime.Store, dir string) {
	t.Helper()
	ctx := context.Background()
	w := runtime.NewWorker(store, runtime.WorkerOptions{Logger: quiet()})
	if err := w.Register(payments.TransferWorkflow); err != nil {
		t.Fatalf("Register() = %v", err)
	}
	c := runtime.NewClient(store)
	bank := payments.Bank{Path: filepath.Join(dir, "bank.db")}
	start := func(id, from, to string, amount int64) *runtime.Handle[payments.Receipt] {
		t.Helper()
		h, err := runtime.Start(ctx, c, payments.TransferWorkflow, id, payments.TransferRequest{From: from, To: to, Amount: amount, Bank: bank})
		if err != nil {
			t.Fatalf("Start(%s) = %v", id, err)
		}
		return h
	}
	approved := start("transfer-1", "ACCT-ALICE-7731", "ACCT-BOB-9912", 1523456)
	rejected := start("transfer-2", "ACCT-CAROL-4410", "ACCT-DAVE-5521", 2718281)
	cancelled := start("transfer-3", "ACCT-GRACE-3301", "ACCT-BOB-9912", 100)
	if err := c.Cancel(ctx, "transfer-3", "FRAUD-SUSPECTED on ACCT-GRACE-3301"); err != nil {
		t.Fatalf("Cancel() = %v", err)
	}
	drainAll(t, w, 2)
	for id, a := range map[string]payments.Approval{
		"transfer-1": {Approved: true, By: "APPROVER-ERIN"},
		"transfer-2": {Approved: false, By: "APPROVER-FRANK"},
	} {
		if err := c.Signal(ctx, id, "approval", a); err != nil {
			t.Fatalf("Signal(%s) = %v", id, err)
		}
	}
	drainAll(t, w, 2)

	r, err := approved.Result(ctx)
	if err != nil || r.Amount != 1523456 || r.ApprovedBy != "APPROVER-ERIN" {
		t.Errorf("approved Result() = %+v, %v, want 1523456 cents approved by APPROVER-ERIN", r, err)
	}
	if _, err := rejected.Result(ctx); err == nil || !strings.Contains(err.Error(), "transfer of $27,182.81 rejected by APPROVER-FRANK") {
		t.Errorf("rejected Result() error = %v, want the rejection with amount and approver", err)
	}
	if _, err := cancelled.Result(ctx); err == nil || !strings.Contains(err.Error(), "FRAUD-SUSPECTED on ACCT-GRACE-3301") {
		t.Errorf("cancelled Result() error = %v, want the cancel reason", err)
	}
	evs, err := c.History(ctx, "transfer-1")
	if err != nil {
		t.Fatalf("History(transfer-1) = %v", err)
	}
	var details []string
	for _, ev := range evs {
		details = append(details, string(ev.Detail))
	}
	if all := strings.Join(details, "\n"); !strings.Contains(all, `"By":"APPROVER-ERIN"`) || !strings.Contains(all, `"Amount":1523456`) {
		t.Errorf("History(transfer-1) details = %s, want the approval payload and the receipt in clear", all)
	}
}

func drainAll(t *testing.T, w *runtime.Worker, want int) {
	t.Helper()
	if n, err := w.Drain(context.Background()); n != want || err != nil {
		t.Fatalf("Drain() = %d, %v, want %d, nil", n, err, want)
	}
}

// TestNoPlaintextInDatabase runs transfers on an encrypted SQLite store,
// then reads the database files byte by byte and every stored value row
// by row: no marker may appear, every payload column must be sealed, and
// the same scan on an unencrypted store must find the markers (so the
// scan can fail).
func TestNoPlaintextInDatabase(t *testing.T) {
	for _, encrypted := range []bool{true, false} {
		t.Run(fmt.Sprintf("encrypted=%v", encrypted), func(t *testing.T) {
			dir := t.TempDir()
			dbPath := filepath.Join(dir, "durable.db")
			inner, err := sqlite.Open(dbPath)
			if err != nil {
				t.Fatalf("sqlite.Open() = %v", err)
			}
			var store runtime.Store = inner
			if encrypted {
				store = wrap(t, inner, testRing(t))
			}
			runTransfers(t, store, dir)
			values := storedValues(t, dbPath)
			files := databaseFiles(t, dir, "open: ") // the WAL holds the recent pages
			if err := inner.Close(); err != nil {
				t.Fatalf("Close() = %v", err)
			}
			for name, b := range databaseFiles(t, dir, "closed: ") {
				files[name] = b
			}

			var found []string
			for _, m := range markers {
				n := len(found)
				for name, b := range files {
					if bytes.Contains(b, []byte(m)) {
						found = append(found, m+" in "+name)
					}
				}
				for _, v := range values {
					if strings.Contains(v.value, m) {
						found = append(found, m+" in "+v.column)
					}
				}
				if len(found) == n && !encrypted {
					t.Errorf("marker %s not found in the unencrypted store: the scan could not see it", m)
				}
			}
			if !encrypted {
				return
			}
			if len(found) > 0 {
				t.Errorf("plaintext in the encrypted store:\n%s", strings.Join(found, "\n"))
			}
			sealed := 0
			for _, v := range values {
				if !v.payload || v.value == "" {
					continue
				}
				if !strings.HasPrefix(v.value, "\xde\x01") && !strings.HasPrefix(v.value, "enc:") {
					t.Errorf("%s = %q, want a sealed value", v.column, v.value)
				}
				sealed++
			}
			if sealed < 20 {
				t.Errorf("%d sealed values, want at least 20 (frames, outputs, details, payloads, errors)", sealed)
			}
		})
	}
}

// databaseFiles returns the contents of the SQLite files in dir (the
// database and any WAL or shared-memory file), leaving out the bank, by
// name after prefix.
func databaseFiles(t *testing.T, dir, prefix string) map[string][]byte {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "durable.db*"))
	if err != nil || len(names) == 0 {
		t.Fatalf("database files in %s = %v, %v", dir, names, err)
	}
	files := make(map[string][]byte)
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		files[prefix+filepath.Base(name)] = b
	}
	return files
}

// storedValue is one stored column value, as text.
type storedValue struct {
	column  string // table.column
	value   string
	payload bool // a column the encrypting store seals
}

// storedValues reads every column of every row of the store's tables.
func storedValues(t *testing.T, path string) []storedValue {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sealedColumns := map[string]bool{
		"instances.frame": true, "instances.output": true, "instances.error": true,
		"history.error": true, "history.detail": true, "signals.payload": true,
	}
	var out []storedValue
	for _, table := range []string{"instances", "history", "signals"} {
		rows, err := db.Query("SELECT * FROM " + table)
		if err != nil {
			t.Fatalf("read %s: %v", table, err)
		}
		cols, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				s := ""
				switch v := v.(type) {
				case nil:
				case []byte:
					s = string(v)
				default:
					s = fmt.Sprint(v)
				}
				col := table + "." + cols[i]
				out = append(out, storedValue{column: col, value: s, payload: sealedColumns[col]})
			}
			n++
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		if n == 0 {
			t.Fatalf("table %s is empty", table)
		}
	}
	return out
}
