package runtime

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Limits on what reaches a store. Every store of this module enforces the
// same ones, so that an instance that one accepts another does too, and
// clients and workers check them first, with errors that say which limit
// a value broke.
const (
	// MaxIDLength is the longest instance ID, in bytes. The IDs of child
	// workflows count too: a child's is its parent's plus "/child-" and a
	// sequence number, so a workflow that starts children needs an ID
	// shorter than this by some 30 bytes per level of nesting.
	MaxIDLength = 1000
	// MaxNameLength is the longest signal name a client may send, in
	// bytes.
	MaxNameLength = 255
	// DefaultMaxPayload is the default limit on the size of an encoded
	// workflow input, signal payload, frame and workflow output: 2 MiB
	// (see [WithMaxPayload] and [WorkerOptions].MaxPayload). A worker's
	// memory for one instance is a small multiple of it.
	DefaultMaxPayload = 2 << 20
	// maxErrorText bounds the error messages a checkpoint's history event
	// keeps.
	maxErrorText = 16 << 10
)

// CheckID returns nil if id can name an instance: 1 to [MaxIDLength] bytes
// of UTF-8 without control characters. Its error wraps [ErrInvalidID] and
// quotes at most the start of id.
func CheckID(id string) error { return checkIdent("instance ID", id, MaxIDLength) }

// checkName returns nil if name can name a signal: 1 to [MaxNameLength]
// bytes of UTF-8 without control characters.
func checkName(name string) error { return checkIdent("signal name", name, MaxNameLength) }

// checkIdent returns nil if s, an identifier of kind what, is 1 to max
// bytes of UTF-8 without control characters.
func checkIdent(what, s string, max int) error {
	switch {
	case s == "":
		return fmt.Errorf("%w: empty %s", ErrInvalidID, what)
	case len(s) > max:
		return fmt.Errorf("%w: %s %s is %d bytes long, over the limit of %d", ErrInvalidID, what, shortID(s), len(s), max)
	}
	if err := checkText(s); err != nil {
		return fmt.Errorf("%w: %s %s %v", ErrInvalidID, what, shortID(s), err)
	}
	return nil
}

// checkText reports the first byte of s that an identifier may not hold.
func checkText(s string) error {
	for i, r := range s {
		switch {
		case r == utf8.RuneError:
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return fmt.Errorf("is not UTF-8 (byte %d)", i)
			}
		case r < 0x20 || r == 0x7f:
			return fmt.Errorf("holds control character %U at byte %d", r, i)
		}
	}
	return nil
}

// shortIDLen is how much of an ID error messages quote.
const shortIDLen = 64

// shortID returns id quoted for an error message: whole if it is short,
// else its first bytes (cut at a character boundary) and its length.
func shortID(id string) string {
	if len(id) <= shortIDLen {
		return fmt.Sprintf("%q", id)
	}
	cut := shortIDLen
	for cut > 0 && !utf8.RuneStart(id[cut]) {
		cut--
	}
	return fmt.Sprintf("%q... (%d bytes)", id[:cut], len(id))
}

// checkPayload returns an error wrapping [ErrTooLarge] if what, encoded as
// n bytes, is over limit (none if limit is not positive). knob names the
// setting that raises the limit.
func checkPayload(what string, n, limit int, knob string) error {
	if limit > 0 && n > limit {
		return fmt.Errorf("%s is %d bytes, over the limit of %d (%s): %w", what, n, limit, knob, ErrTooLarge)
	}
	return nil
}

// storedText returns s as every store can keep it in a text column: valid
// UTF-8 without NUL bytes (PostgreSQL refuses both; SQLite keeps them), at
// most max bytes (0: no limit), cut at a character boundary with the
// length it had.
func storedText(s string, max int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	}
	if max > 0 && len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = fmt.Sprintf("%s... (%d bytes)", s[:cut], len(s))
	}
	return s
}
