package encrypt_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"testing"
	"time"

	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/encrypt"
	"github.com/durablegen/durable/runtime/memstore"
)

// FuzzOpen feeds arbitrary bytes to everything that opens sealed values:
// Keyring.Open, KeyID, and an encrypting store reading them as a frame
// (Claim, Get) and as an error (Get, History). Nothing may panic; Claim
// never fails, and reports a value that does not open on the instance
// with the stored bytes kept.
func FuzzOpen(f *testing.F) {
	kA, kB := encrypt.Key{ID: "kA", Secret: secret(1)}, encrypt.Key{ID: "kB", Secret: secret(2)}
	r, err := encrypt.NewKeyring(kB, kA)
	if err != nil {
		f.Fatal(err)
	}
	ctx := []byte("context")
	sealed := seal(f, r, `{"pc":1}`, ctx)
	f.Add(sealed)
	f.Add(seal(f, ring(f, kA), "x", ctx))
	f.Add(seal(f, ring(f, encrypt.Key{ID: "kC", Secret: secret(3)}), "x", ctx))
	f.Add(sealed[:len(sealed)-1])
	f.Add(sealed[:3])
	f.Add([]byte{0xde, 0x01, 0x00})
	f.Add([]byte{0xde, 0x01, 0xff, 'k'})
	f.Add([]byte("enc:" + base64.RawStdEncoding.EncodeToString(sealed)))
	f.Add([]byte("enc:!!"))
	f.Add([]byte(`{"pc":1}`))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		if got, err := r.Open(data, ctx); err == nil && len(data) > 0 {
			if back, err := r.Open(seal(t, r, string(got), ctx), ctx); err != nil || !bytes.Equal(back, got) {
				t.Fatalf("reseal of %x = %x, %v, want %x", data, back, err, got)
			}
		}
		_, _ = encrypt.KeyID(data)

		c := context.Background()
		inner := memstore.New()
		store, err := encrypt.Wrap(inner, r)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"frame", "error"} {
			if _, _, err := inner.Create(c, &runtime.Instance{ID: id, Workflow: "w", Version: "v1", Frame: data}); err != nil {
				t.Fatal(err)
			}
		}
		if err := inner.Cancel(c, "error", string(data)); err != nil {
			t.Fatal(err)
		}
		insts, err := store.Claim(c, runtime.ClaimRequest{Owner: "o", Workflows: []string{"w@v1"}, Limit: 1, Lease: time.Minute})
		if err != nil || len(insts) != 1 {
			t.Fatalf("Claim() = %v, %v, want one instance", insts, err)
		}
		if inst := insts[0]; inst.Unreadable != nil && !bytes.Equal(inst.Frame, data) {
			t.Fatalf("Claim() of an unreadable frame = %x, want the stored %x", inst.Frame, data)
		}
		_, _ = store.Get(c, "frame")
		_, _ = store.Get(c, "error")
		_, _ = store.History(c, "error")
	})
}

// FuzzParseKeyring checks that ParseKeyring never panics and that a
// keyring it accepts seals and opens.
func FuzzParseKeyring(f *testing.F) {
	f.Add("k1:" + "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff")
	f.Add("k2:" + base64.StdEncoding.EncodeToString(secret(2)) + ",k1:" + base64.RawURLEncoding.EncodeToString(secret(1)))
	f.Add("k1:")
	f.Add(":,:")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := encrypt.ParseKeyring(s)
		if err != nil {
			return
		}
		got, err := r.Open(seal(t, r, "x", nil), nil)
		if err != nil || string(got) != "x" {
			t.Fatalf("ParseKeyring(%q): round trip = %q, %v", s, got, err)
		}
	})
}
