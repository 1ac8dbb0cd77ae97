package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/durablegen/durable/internal/equiv"
	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/encrypt"
	"github.com/durablegen/durable/runtime/sqlite"
)

// TestEncryptedStore: with $DURABLE_KEYS the CLI reads an encrypted store
// and seals the signal it sends, which the workers then open; without it,
// the variables are unreadable.
func TestEncryptedStore(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "enc.db")
	key, err := encrypt.GenerateKey("k1")
	if err != nil {
		t.Fatal(err)
	}
	ring, err := encrypt.NewKeyring(key)
	if err != nil {
		t.Fatal(err)
	}
	inner, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	store, err := encrypt.Wrap(inner, ring)
	if err != nil {
		t.Fatal(err)
	}
	w, err := newWorker(store, false)
	if err != nil {
		t.Fatal(err)
	}
	c := runtime.NewClient(store)
	h, err := runtime.Start(ctx, c, equiv.ApprovalWorkflow, "secret-1", 20_000_00)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Drain(ctx); err != nil {
		t.Fatal(err)
	}

	cli := func(keys string, args ...string) (string, int) {
		t.Setenv("DURABLE_KEYS", keys)
		var out, errb bytes.Buffer
		code := run(append([]string{"-store", path}, args...), strings.NewReader(""), &out, &errb)
		return out.String() + errb.String(), code
	}
	keys := "k1:" + hex.EncodeToString(key.Secret)
	if out, code := cli("", "show", "secret-1"); code != 0 || strings.Contains(out, "cents") {
		t.Errorf("show without keys = %d %q, want the variables unreadable", code, out)
	}
	out, code := cli(keys, "show", "secret-1")
	if code != 0 || !regexp.MustCompile(`\bcents +=  ?2000000\b`).MatchString(out) {
		t.Errorf("show with keys = %d %q, want the input 2000000 shown", code, out)
	}
	if out, code := cli(keys, "signal", "secret-1", "approval", `{"By":"ann","OK":true}`); code != 0 {
		t.Fatalf("signal = %d %q", code, out)
	}
	if _, err := w.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := h.Result(ctx); err != nil || got != "approved by ann" {
		t.Errorf("Result = %q, %v: the worker did not open the CLI's sealed signal", got, err)
	}
	if out, code := cli("not a keyring", "show", "secret-1"); code != 1 || !strings.Contains(out, "$DURABLE_KEYS") {
		t.Errorf("bad keys = %d %q, want an error naming $DURABLE_KEYS", code, out)
	}
	inner.Close()
}
