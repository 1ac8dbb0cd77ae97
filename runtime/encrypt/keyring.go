package encrypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Sealed format, version 1:
//
//	0xDE  0x01  len(keyID)  keyID  nonce[12]  ciphertext  tag[16]
//
// The additional authenticated data is the header (the first 3+len(keyID)
// bytes) followed by the caller's context, so a value opens only under the
// key it names and for the context it was sealed for.
const (
	magic        = 0xDE
	formatV1     = 1
	maxKeyIDLen  = 32
	secretLen    = 32 // AES-256
	gcmOverhead  = 12 + 16
	textPrefix   = "enc:"
	headerPrefix = 3 // magic, version, key ID length
)

// Key is an AES-256 key and the ID that names it in sealed values.
type Key struct {
	// ID is 1 to 32 characters among letters, digits, '-', '_' and '.',
	// unique in a keyring: a date works well ("k2026a").
	ID string
	// Secret is the 32-byte AES-256 key.
	Secret []byte
}

// String returns the key's ID; the secret is never formatted.
func (k Key) String() string { return "encrypt.Key{ID: " + k.ID + ", Secret: <redacted>}" }

// GoString is String, so that %#v does not print the secret either.
func (k Key) GoString() string { return k.String() }

// GenerateKey returns a new random key named id.
func GenerateKey(id string) (Key, error) {
	if err := checkKeyID(id); err != nil {
		return Key{}, err
	}
	k := Key{ID: id, Secret: make([]byte, secretLen)}
	if _, err := rand.Read(k.Secret); err != nil {
		return Key{}, fmt.Errorf("generate key %s: %w", id, err)
	}
	return k, nil
}

// Keyring holds the keys a [Store] seals and opens values with: the
// primary key seals every new value, and every key opens the values it
// sealed. It is immutable and safe for concurrent use. To rotate, make a
// keyring with the new key as primary and the old ones after it, and
// restart workers and clients with it; values sealed with an old key stay
// readable for as long as the old key is in the keyring.
type Keyring struct {
	primary *sealer
	keys    map[string]*sealer
	ids     []string // primary first
}

// sealer is one key of a keyring, ready to use.
type sealer struct {
	id     string
	header []byte // magic, version, key ID length, key ID
	aead   cipher.AEAD
}

// NewKeyring returns a keyring whose primary key is primary and which
// also opens values sealed with others. Every secret must be 32 bytes and
// every ID valid and unique.
func NewKeyring(primary Key, others ...Key) (*Keyring, error) {
	r := &Keyring{keys: make(map[string]*sealer, 1+len(others))}
	for i, k := range append([]Key{primary}, others...) {
		s, err := newSealer(k)
		if err != nil {
			return nil, fmt.Errorf("new keyring: %w", err)
		}
		if _, dup := r.keys[k.ID]; dup {
			return nil, fmt.Errorf("new keyring: key ID %s appears twice", k.ID)
		}
		r.keys[k.ID] = s
		r.ids = append(r.ids, k.ID)
		if i == 0 {
			r.primary = s
		}
	}
	return r, nil
}

func newSealer(k Key) (*sealer, error) {
	if err := checkKeyID(k.ID); err != nil {
		return nil, err
	}
	if len(k.Secret) != secretLen {
		return nil, fmt.Errorf("key %s: secret is %d bytes, want %d (AES-256)", k.ID, len(k.Secret), secretLen)
	}
	block, err := aes.NewCipher(k.Secret)
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", k.ID, err)
	}
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", k.ID, err)
	}
	header := append([]byte{magic, formatV1, byte(len(k.ID))}, k.ID...)
	return &sealer{id: k.ID, header: header, aead: aead}, nil
}

// checkKeyID reports whether id is a valid key ID.
func checkKeyID(id string) error {
	if id == "" {
		return errors.New("empty key ID")
	}
	if len(id) > maxKeyIDLen {
		return fmt.Errorf("key ID %.40q is longer than %d characters", id, maxKeyIDLen)
	}
	for i := 0; i < len(id); i++ {
		if !keyIDChar(id[i]) {
			return fmt.Errorf("key ID %q: character %q is not a letter, digit, '-', '_' or '.'", id, id[i])
		}
	}
	return nil
}

func keyIDChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.'
}

// ParseKeyring reads a keyring from a string such as an environment
// variable:
//
//	k2026b:<secret>,k2026a:<secret>
//
// Entries are "ID:secret", separated by commas or white space; the first
// is the primary key. A secret is 64 hexadecimal digits or the base64
// (standard or URL alphabet, padded or not) of 32 bytes, for example the
// output of `openssl rand -hex 32`. Errors never quote a secret.
func ParseKeyring(s string) (*Keyring, error) {
	entries := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r' })
	if len(entries) == 0 {
		return nil, errors.New("parse keyring: no keys (want ID:secret[,ID:secret...])")
	}
	keys := make([]Key, 0, len(entries))
	for i, e := range entries {
		id, secret, ok := strings.Cut(e, ":")
		if !ok {
			return nil, fmt.Errorf("parse keyring: entry %d has no ':' between key ID and secret", i+1)
		}
		if err := checkKeyID(id); err != nil {
			return nil, fmt.Errorf("parse keyring: entry %d: %w", i+1, err)
		}
		b, err := decodeSecret(secret)
		if err != nil {
			return nil, fmt.Errorf("parse keyring: key %s: %w", id, err)
		}
		keys = append(keys, Key{ID: id, Secret: b})
	}
	r, err := NewKeyring(keys[0], keys[1:]...)
	if err != nil {
		return nil, fmt.Errorf("parse keyring: %w", err)
	}
	return r, nil
}

// decodeSecret decodes 64 hex digits or the base64 of 32 bytes.
func decodeSecret(s string) ([]byte, error) {
	if len(s) == 2*secretLen {
		if b, err := hex.DecodeString(s); err == nil {
			return b, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == secretLen {
			return b, nil
		}
	}
	return nil, fmt.Errorf("secret of %d characters is neither 64 hex digits nor the base64 of 32 bytes", len(s))
}

// Primary returns the ID of the key that seals new values; "" for the
// zero Keyring, which holds no key.
func (r *Keyring) Primary() string {
	if r.primary == nil {
		return ""
	}
	return r.primary.id
}

// IDs returns the IDs of the keys, the primary first.
func (r *Keyring) IDs() []string { return append([]string(nil), r.ids...) }

// errNoKey is returned by the zero Keyring.
var errNoKey = errors.New("seal: keyring has no key (use NewKeyring or ParseKeyring)")

// Seal encrypts plaintext with the primary key, bound to context:
// [Keyring.Open] must be given the same context. Empty plaintext seals to
// nil. It fails only for the zero Keyring.
func (r *Keyring) Seal(plaintext, context []byte) ([]byte, error) {
	if r.primary == nil {
		return nil, errNoKey
	}
	if len(plaintext) == 0 {
		return nil, nil
	}
	var aad []byte
	dst := make([]byte, 0, len(r.primary.header)+gcmOverhead+len(plaintext))
	return r.appendSeal(dst, &aad, plaintext, context), nil
}

// Open decrypts a value sealed by [Keyring.Seal] with context, under
// whichever key of r sealed it. Empty sealed opens to nil. Errors match
// [ErrUnknownKey], [ErrAuthentication] or [ErrNotSealed].
func (r *Keyring) Open(sealed, context []byte) ([]byte, error) {
	var aad []byte
	b, keyID, err := r.open(&aad, sealed, context)
	if err != nil {
		if keyID != "" {
			return nil, fmt.Errorf("open value sealed with key %s: %w", keyID, err)
		}
		return nil, fmt.Errorf("open sealed value: %w", err)
	}
	return b, nil
}

// appendSeal appends the sealing of plaintext (not empty) with the
// primary key and context to dst, building the additional data in *aad.
func (r *Keyring) appendSeal(dst []byte, aad *[]byte, plaintext, context []byte) []byte {
	p := r.primary
	*aad = buildAAD(*aad, p.header, context)
	dst = append(dst, p.header...)
	return p.aead.Seal(dst, nil, plaintext, *aad)
}

// open opens sealed (nil if empty) with context, building the additional
// data in *aad, and returns the ID of the key it names ("" if its header
// is unreadable).
func (r *Keyring) open(aad *[]byte, sealed, context []byte) ([]byte, string, error) {
	if len(sealed) == 0 {
		return nil, "", nil
	}
	n, err := headerLen(sealed)
	if err != nil {
		return nil, "", err
	}
	k := r.keys[string(sealed[headerPrefix:n])]
	if k == nil {
		return nil, string(sealed[headerPrefix:n]), ErrUnknownKey
	}
	*aad = buildAAD(*aad, sealed[:n], context)
	b, err := k.aead.Open(nil, nil, sealed[n:], *aad)
	if err != nil {
		return nil, k.id, ErrAuthentication
	}
	return b, k.id, nil
}

// buildAAD returns header followed by context in buf, which it replaces
// by a buffer of the exact size if it is too small.
func buildAAD(buf, header, context []byte) []byte {
	if n := len(header) + len(context); cap(buf) < n {
		buf = make([]byte, 0, n)
	}
	return append(append(buf[:0], header...), context...)
}

// headerLen checks the header of sealed and returns its length.
func headerLen(sealed []byte) (int, error) {
	if len(sealed) < headerPrefix || sealed[0] != magic {
		return 0, fmt.Errorf("%w: no sealed header", ErrNotSealed)
	}
	if sealed[1] != formatV1 {
		return 0, fmt.Errorf("%w: format version %d is not supported", ErrNotSealed, sealed[1])
	}
	n := int(sealed[2])
	if n == 0 || n > maxKeyIDLen || len(sealed) < headerPrefix+n {
		return 0, fmt.Errorf("%w: malformed key ID", ErrNotSealed)
	}
	for _, c := range sealed[headerPrefix : headerPrefix+n] {
		if !keyIDChar(c) {
			return 0, fmt.Errorf("%w: malformed key ID", ErrNotSealed)
		}
	}
	if len(sealed) < headerPrefix+n+gcmOverhead {
		return 0, fmt.Errorf("%w: truncated", ErrNotSealed)
	}
	return headerPrefix + n, nil
}

// KeyID returns the ID of the key that sealed a value, in binary or text
// form (as stored in error columns), without opening it: for example to
// find the values a key still protects before removing it.
func KeyID(sealed []byte) (string, error) {
	if s, ok := strings.CutPrefix(string(sealed), textPrefix); ok {
		b, err := base64.RawStdEncoding.DecodeString(s)
		if err != nil {
			return "", fmt.Errorf("key ID: %w: bad base64 after %q", ErrNotSealed, textPrefix)
		}
		sealed = b
	}
	n, err := headerLen(sealed)
	if err != nil {
		return "", fmt.Errorf("key ID: %w", err)
	}
	return string(sealed[headerPrefix:n]), nil
}
