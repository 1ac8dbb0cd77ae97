package encrypt_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/durablegen/durable/runtime/encrypt"
)

// seal seals plaintext with r, failing the test on error.
func seal(t testing.TB, r *encrypt.Keyring, plaintext string, context []byte) []byte {
	t.Helper()
	b, err := r.Seal([]byte(plaintext), context)
	if err != nil {
		t.Fatalf("Seal() = %v", err)
	}
	return b
}

// secret returns 32 bytes of value b.
func secret(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func TestNewKeyring(t *testing.T) {
	tests := []struct {
		name    string
		primary encrypt.Key
		others  []encrypt.Key
		wantErr string
	}{
		{name: "one key", primary: encrypt.Key{ID: "k2026a", Secret: secret(1)}},
		{name: "rotated", primary: encrypt.Key{ID: "k2026b", Secret: secret(2)}, others: []encrypt.Key{{ID: "k2026a", Secret: secret(1)}}},
		{name: "all ID characters", primary: encrypt.Key{ID: "Az09-_.", Secret: secret(1)}},
		{name: "empty ID", primary: encrypt.Key{Secret: secret(1)}, wantErr: "empty key ID"},
		{name: "long ID", primary: encrypt.Key{ID: strings.Repeat("k", 33), Secret: secret(1)}, wantErr: "longer than 32"},
		{name: "colon in ID", primary: encrypt.Key{ID: "k:1", Secret: secret(1)}, wantErr: `character ':'`},
		{name: "non-ASCII ID", primary: encrypt.Key{ID: "clé", Secret: secret(1)}, wantErr: "is not a letter"},
		{name: "short secret", primary: encrypt.Key{ID: "k1", Secret: secret(1)[:16]}, wantErr: "key k1: secret is 16 bytes, want 32"},
		{name: "no secret", primary: encrypt.Key{ID: "k1"}, wantErr: "secret is 0 bytes"},
		{name: "bad older key", primary: encrypt.Key{ID: "k2", Secret: secret(2)}, others: []encrypt.Key{{ID: "k1", Secret: secret(1)[:31]}}, wantErr: "key k1: secret is 31 bytes"},
		{name: "duplicate ID", primary: encrypt.Key{ID: "k1", Secret: secret(2)}, others: []encrypt.Key{{ID: "k1", Secret: secret(1)}}, wantErr: "key ID k1 appears twice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := encrypt.NewKeyring(tc.primary, tc.others...)
			if tc.wantErr != "" {
				if r != nil || err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("NewKeyring() = %v, %v, want an error containing %q", r, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewKeyring() = %v, want nil", err)
			}
			if r.Primary() != tc.primary.ID || len(r.IDs()) != 1+len(tc.others) || r.IDs()[0] != tc.primary.ID {
				t.Errorf("Primary(), IDs() = %s, %v, want %s first of %d", r.Primary(), r.IDs(), tc.primary.ID, 1+len(tc.others))
			}
		})
	}
}

func TestParseKeyring(t *testing.T) {
	s1, s2 := secret(0xab), secret(0x5c)
	tests := []struct {
		name    string
		in      string
		wantIDs []string
		wantErr string
	}{
		{name: "hex", in: "k2:" + hex.EncodeToString(s2) + ",k1:" + hex.EncodeToString(s1), wantIDs: []string{"k2", "k1"}},
		{name: "upper hex", in: "k1:" + strings.ToUpper(hex.EncodeToString(s1)), wantIDs: []string{"k1"}},
		{name: "base64", in: "k1:" + base64.StdEncoding.EncodeToString(s1), wantIDs: []string{"k1"}},
		{name: "raw url base64", in: "k1:" + base64.RawURLEncoding.EncodeToString(s2), wantIDs: []string{"k1"}},
		{name: "white space", in: "\n  k2:" + hex.EncodeToString(s2) + "\n\tk1:" + hex.EncodeToString(s1) + ", ", wantIDs: []string{"k2", "k1"}},
		{name: "empty", in: " , ", wantErr: "no keys"},
		{name: "no colon", in: hex.EncodeToString(s1), wantErr: "entry 1 has no ':'"},
		{name: "space in ID", in: "k 1:" + hex.EncodeToString(s1), wantErr: "entry 1 has no ':'"},
		{name: "slash in ID", in: "k2:" + hex.EncodeToString(s2) + ",k/1:" + hex.EncodeToString(s1), wantErr: "entry 2: key ID \"k/1\": character '/'"},
		{name: "empty ID", in: ":" + hex.EncodeToString(s1), wantErr: "entry 1: empty key ID"},
		{name: "short secret", in: "k1:" + hex.EncodeToString(s1[:31]), wantErr: "key k1: secret of 62 characters is neither"},
		{name: "base64 of 48 bytes", in: "k1:" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 48)), wantErr: "key k1: secret of 64 characters"},
		{name: "duplicate", in: "k1:" + hex.EncodeToString(s1) + ",k1:" + hex.EncodeToString(s2), wantErr: "appears twice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := encrypt.ParseKeyring(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseKeyring() = %v, %v, want an error containing %q", r, err, tc.wantErr)
				}
				for _, s := range [][]byte{s1, s2} {
					if strings.Contains(strings.ToLower(err.Error()), hex.EncodeToString(s)[:16]) || strings.Contains(err.Error(), base64.StdEncoding.EncodeToString(s)[:16]) {
						t.Errorf("ParseKeyring() error %q quotes a secret", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseKeyring() = %v, want nil", err)
			}
			if got := r.IDs(); !slices.Equal(got, tc.wantIDs) {
				t.Errorf("ParseKeyring().IDs() = %v, want %v", got, tc.wantIDs)
			}
		})
	}
}

// TestParsedKeysAreTheKeys checks that a parsed secret is the secret: a
// value sealed with NewKeyring opens with the parsed keyring.
func TestParsedKeysAreTheKeys(t *testing.T) {
	k := encrypt.Key{ID: "k1", Secret: secret(7)}
	sealed := seal(t, ring(t, k), "hello", []byte("ctx"))
	for _, s := range []string{hex.EncodeToString(k.Secret), base64.StdEncoding.EncodeToString(k.Secret), base64.RawURLEncoding.EncodeToString(k.Secret)} {
		r, err := encrypt.ParseKeyring("k1:" + s)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := r.Open(sealed, []byte("ctx")); string(got) != "hello" || err != nil {
			t.Errorf("Open() with the key parsed from %q = %q, %v, want hello", s, got, err)
		}
	}
}

func TestSealOpen(t *testing.T) {
	kA, kB := encrypt.Key{ID: "kA", Secret: secret(1)}, encrypt.Key{ID: "kB", Secret: secret(2)}
	onlyA, rotated, onlyB := ring(t, kA), ring(t, kB, kA), ring(t, kB)
	ctx := []byte("frame of x")
	sealedA := seal(t, onlyA, "payload", ctx)
	sealedB := seal(t, rotated, "payload", ctx)
	if k, _ := encrypt.KeyID(sealedA); k != "kA" {
		t.Errorf("KeyID(sealed by kA) = %s, want kA", k)
	}
	if k, _ := encrypt.KeyID(sealedB); k != "kB" {
		t.Errorf("KeyID(sealed by the rotated ring) = %s, want its primary kB", k)
	}
	if again := seal(t, onlyA, "payload", ctx); bytes.Equal(again, sealedA) {
		t.Error("Seal() twice gave the same bytes, want a fresh nonce each time")
	}
	if got := len(sealedA) - len("payload"); got != 31+len("kA") {
		t.Errorf("overhead = %d bytes, want %d", got, 31+len("kA"))
	}
	flipped := bytes.Clone(sealedA)
	flipped[len(flipped)-1] ^= 1
	tests := []struct {
		name   string
		ring   *encrypt.Keyring
		sealed []byte
		ctx    []byte
		want   string
		err    error
	}{
		{name: "same key", ring: onlyA, sealed: sealedA, ctx: ctx, want: "payload"},
		{name: "old key after rotation", ring: rotated, sealed: sealedA, ctx: ctx, want: "payload"},
		{name: "new key", ring: rotated, sealed: sealedB, ctx: ctx, want: "payload"},
		{name: "old key dropped", ring: onlyB, sealed: sealedA, ctx: ctx, err: encrypt.ErrUnknownKey},
		{name: "other context", ring: onlyA, sealed: sealedA, ctx: []byte("frame of y"), err: encrypt.ErrAuthentication},
		{name: "flipped tag", ring: onlyA, sealed: flipped, ctx: ctx, err: encrypt.ErrAuthentication},
		{name: "empty", ring: onlyA, sealed: nil, ctx: ctx, want: ""},
		{name: "plaintext", ring: onlyA, sealed: []byte(`{"pc":1}`), ctx: ctx, err: encrypt.ErrNotSealed},
		{name: "truncated", ring: onlyA, sealed: sealedA[:len(sealedA)-len("payload")-1], ctx: ctx, err: encrypt.ErrNotSealed},
		{name: "future version", ring: onlyA, sealed: append([]byte{0xde, 2}, sealedA[2:]...), ctx: ctx, err: encrypt.ErrNotSealed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.ring.Open(tc.sealed, tc.ctx)
			if !errors.Is(err, tc.err) || string(got) != tc.want {
				t.Errorf("Open() = %q, %v, want %q, %v", got, err, tc.want, tc.err)
			}
		})
	}
	if got, err := onlyA.Seal(nil, ctx); got != nil || err != nil {
		t.Errorf("Seal(nil) = %x, %v, want nil, nil", got, err)
	}
	var zero encrypt.Keyring
	if got, err := zero.Seal([]byte("x"), ctx); got != nil || err == nil || zero.Primary() != "" {
		t.Errorf("zero Keyring: Seal() = %x, %v, Primary() = %q, want an error and no key", got, err, zero.Primary())
	}
	if _, err := zero.Open(sealedA, ctx); !errors.Is(err, encrypt.ErrUnknownKey) {
		t.Errorf("zero Keyring: Open() = %v, want %v", err, encrypt.ErrUnknownKey)
	}
}

func TestKeyNeverFormatsItsSecret(t *testing.T) {
	k := encrypt.Key{ID: "k1", Secret: []byte("0123456789abcdef0123456789abcdef")}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if got := fmt.Sprintf(verb, k); strings.Contains(got, "0123456789") || !strings.Contains(got, "k1") {
			t.Errorf("Sprintf(%s, key) = %q, want the ID without the secret", verb, got)
		}
	}
}

func TestGenerateKey(t *testing.T) {
	a, err := encrypt.GenerateKey("k1")
	if err != nil || a.ID != "k1" || len(a.Secret) != 32 {
		t.Fatalf("GenerateKey(k1) = %v (%d bytes), %v, want a 32-byte key k1", a, len(a.Secret), err)
	}
	b, _ := encrypt.GenerateKey("k1")
	if bytes.Equal(a.Secret, b.Secret) {
		t.Error("GenerateKey() twice gave the same secret")
	}
	if _, err := encrypt.GenerateKey("bad id"); err == nil {
		t.Error("GenerateKey(bad id) = nil error, want an invalid ID error")
	}
}
