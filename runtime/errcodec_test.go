package runtime

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/durablegen/durable"
)

var (
	errCodecKnown = errors.New("known sentinel")
	errCodecOther = errors.New("other sentinel")
	errCodecPerm  = durable.Permanent(errors.New("permanent sentinel"))
)

// rateLimited is a typed error stored by pointer.
type rateLimited struct {
	After int
	Scope string
}

func (e *rateLimited) Error() string {
	return fmt.Sprintf("rate limited for %ds (%s)", e.After, e.Scope)
}

// codeError is a typed error stored by value, comparable.
type codeError struct{ Code int }

func (e codeError) Error() string { return fmt.Sprintf("code %d", e.Code) }

// panicky is an error type whose methods panic on a decoded value.
type panicky struct{ P *int }

func (e *panicky) Error() string { return fmt.Sprint("panicky ", *e.P) }

func codecKnown() knownErrors {
	return knownErrors{}.with(
		[]error{errCodecKnown, errCodecOther, errCodecPerm, io.EOF},
		[]durable.ErrorType{durable.ErrorTypeFor[*rateLimited](), durable.ErrorTypeFor[codeError](), durable.ErrorTypeFor[*panicky]()},
	)
}

func roundTripError(err error, enc, dec knownErrors) error {
	return decodeError(appendError(nil, err, enc), dec)
}

func TestErrorRoundTrip(t *testing.T) {
	known := codecKnown()
	wrapped := fmt.Errorf("load: %w", errCodecKnown)
	rl := &rateLimited{After: 3, Scope: "api"}
	wrappedRL := fmt.Errorf("call: %w", rl)
	one := 1
	cases := []struct {
		name string
		err  error
		// check reports what the decoded error gets wrong.
		check func(got error) string
	}{
		{"nil", nil, func(got error) string {
			if got != nil {
				return fmt.Sprintf("got %v, want nil", got)
			}
			return ""
		}},
		{"sentinel is itself", errCodecKnown, func(got error) string {
			if got != errCodecKnown {
				return fmt.Sprintf("got %#v, want the sentinel itself", got)
			}
			return ""
		}},
		{"stdlib sentinel is itself", io.EOF, func(got error) string {
			if got != io.EOF {
				return fmt.Sprintf("got %#v, want io.EOF", got)
			}
			return ""
		}},
		{"permanent sentinel is itself", errCodecPerm, func(got error) string {
			if got != errCodecPerm || !durable.IsPermanent(got) {
				return fmt.Sprintf("got %#v, want the permanent sentinel itself", got)
			}
			return ""
		}},
		{"wrapped sentinel", wrapped, func(got error) string {
			if got == errCodecKnown || !errors.Is(got, errCodecKnown) || errors.Is(got, errCodecOther) || got.Error() != wrapped.Error() {
				return fmt.Sprintf("got %#v: want a wrapper of errCodecKnown only, message %q", got, wrapped.Error())
			}
			return ""
		}},
		{"permanent wrapped sentinel", durable.Permanent(wrapped), func(got error) string {
			if !durable.IsPermanent(got) || !errors.Is(got, errCodecKnown) || got == errCodecKnown {
				return fmt.Sprintf("got %#v, want a permanent wrapper of errCodecKnown", got)
			}
			return ""
		}},
		{"joined sentinels", errors.Join(errCodecKnown, errCodecOther), func(got error) string {
			if !errors.Is(got, errCodecKnown) || !errors.Is(got, errCodecOther) {
				return fmt.Sprintf("got %#v, want both sentinels matched", got)
			}
			return ""
		}},
		{"typed pointer exact", rl, func(got error) string {
			p, ok := got.(*rateLimited)
			if !ok || *p != *rl {
				return fmt.Sprintf("got %#v, want a *rateLimited equal to %+v", got, *rl)
			}
			return ""
		}},
		{"typed pointer wrapped", wrappedRL, func(got error) string {
			var p *rateLimited
			if _, isRL := got.(*rateLimited); isRL || !errors.As(got, &p) || *p != *rl || got.Error() != wrappedRL.Error() {
				return fmt.Sprintf("got %#v, want a wrapper whose chain holds %+v, message %q", got, *rl, wrappedRL.Error())
			}
			return ""
		}},
		{"typed value exact is ==", codeError{7}, func(got error) string {
			if got != error(codeError{7}) {
				return fmt.Sprintf("got %#v, want codeError{7}", got)
			}
			return ""
		}},
		{"typed value wrapped matches errors.Is", fmt.Errorf("x: %w", codeError{7}), func(got error) string {
			var c codeError
			if !errors.Is(got, codeError{7}) || !errors.As(got, &c) || c.Code != 7 {
				return fmt.Sprintf("got %#v, want a chain with codeError{7}", got)
			}
			return ""
		}},
		{"permanent typed keeps flag", durable.Permanent(rl), func(got error) string {
			var p *rateLimited
			if !durable.IsPermanent(got) || !errors.As(got, &p) || *p != *rl {
				return fmt.Sprintf("got %#v, want permanent with %+v in its chain", got, *rl)
			}
			return ""
		}},
		{"unknown error", errors.New("unknown"), func(got error) string {
			var e *durable.Error
			if !errors.As(got, &e) || e.Message != "unknown" || len(e.Is) != 0 {
				return fmt.Sprintf("got %#v, want a *durable.Error with only the message", got)
			}
			return ""
		}},
		{"same message, other value", errors.New("known sentinel"), func(got error) string {
			if got == errCodecKnown || errors.Is(got, errCodecKnown) {
				return fmt.Sprintf("got %#v: an error with the sentinel's message only must not match it", got)
			}
			return ""
		}},
		{"type whose Error panics on decode", &panicky{P: &one}, func(got error) string {
			// The pointer field comes back, so the exact value works.
			if p, ok := got.(*panicky); !ok || p.P == nil || *p.P != 1 {
				return fmt.Sprintf("got %#v, want *panicky{1}", got)
			}
			return ""
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := roundTripError(c.err, known, known)
			if why := c.check(got); why != "" {
				t.Errorf("decodeError(appendError(%v)) = %v: %s", c.err, got, why)
			}
			if c.err != nil && got.Error() != c.err.Error() {
				t.Errorf("decodeError(appendError(%v)).Error() = %q, want %q", c.err, got.Error(), c.err.Error())
			}
			if c.err != nil && durable.IsPermanent(got) != durable.IsPermanent(c.err) {
				t.Errorf("IsPermanent(decodeError(appendError(%v))) = %v, want %v", c.err, durable.IsPermanent(got), durable.IsPermanent(c.err))
			}
		})
	}
}

// TestErrorDecoderKnowsLess: what the decoder does not know is left out,
// the message is kept.
func TestErrorDecoderKnowsLess(t *testing.T) {
	known := codecKnown()
	cases := []error{errCodecKnown, fmt.Errorf("w: %w", errCodecKnown), &rateLimited{After: 1}, fmt.Errorf("w: %w", &rateLimited{After: 1})}
	for _, err := range cases {
		got := roundTripError(err, known, knownErrors{})
		var e *durable.Error
		if !errors.As(got, &e) || e.Message != err.Error() || len(e.Is) != 0 {
			t.Errorf("decodeError(appendError(%v)) with nothing known = %#v, want a *durable.Error with message %q only", err, got, err.Error())
		}
	}
}

// TestErrorEncoderKnowsLess: a decoder cannot restore what the encoder did
// not record.
func TestErrorEncoderKnowsLess(t *testing.T) {
	got := roundTripError(errCodecKnown, knownErrors{}, codecKnown())
	if got == errCodecKnown || errors.Is(got, errCodecKnown) {
		t.Errorf("decodeError(appendError(errCodecKnown)) with an encoder that does not know it = %#v, want no match", got)
	}
}

// TestDecodeErrorCorrupt: no input panics; input that is not an encoded
// error keeps its text as the message.
func TestDecodeErrorCorrupt(t *testing.T) {
	known := codecKnown()
	inputs := []string{
		`{`, `[]`, `"text"`, `42`, `{"m":1}`, `{"m":"x","x":5}`, `{"m":"x","x":-1,"is":["known sentinel"]}`,
		`{"m":"x","t":[{"t":"*github.com/durablegen/durable/runtime.rateLimited","v":"notanobject","x":true}]}`,
		`{"m":"x","t":[{"t":"*github.com/durablegen/durable/runtime.rateLimited","v":null,"x":true}]}`,
		`{"m":"x","t":[{"t":"*github.com/durablegen/durable/runtime.panicky","v":{},"x":true}]}`,
		`{"m":"x","t":[{"t":"*github.com/durablegen/durable/runtime.panicky","v":{"P":null}}]}`,
		`{"m":"x","t":[{"t":"nope","v":{}}]}`,
		`{"m":"x","t":[{}]}`, `{"m":"x","t":{}}`,
	}
	for _, in := range inputs {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("decodeError(%s) panicked: %v", in, r)
				}
			}()
			got := decodeError([]byte(in), known)
			if got == nil {
				t.Errorf("decodeError(%s) = nil, want an error", in)
				return
			}
			_ = got.Error()
		}()
	}
}

func TestErrorExactTypeMustMatchMessage(t *testing.T) {
	// An exact value whose message differs from the recorded one (its
	// Error depends on state the codec did not store) stays a wrapper.
	raw := `{"m":"recorded","t":[{"t":"*github.com/durablegen/durable/runtime.rateLimited","v":{"After":1},"x":true}]}`
	got := decodeError([]byte(raw), codecKnown())
	var p *rateLimited
	if _, exact := got.(*rateLimited); exact || got.Error() != "recorded" || !errors.As(got, &p) {
		t.Errorf("decodeError(%s) = %#v, want a wrapper with message %q whose chain holds the value", raw, got, "recorded")
	}
}

func TestKnownErrorsCheck(t *testing.T) {
	cases := []struct {
		name  string
		known knownErrors
		want  string
	}{
		{"distinct", codecKnown(), ""},
		{"same value twice", knownErrors{}.with([]error{errCodecKnown, errCodecKnown}, nil), ""},
		{"same message", knownErrors{}.with([]error{errCodecKnown, errors.New("known sentinel")}, nil), "same message"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.known.check()
			if got := fmt.Sprint(err); (c.want == "") != (err == nil) || c.want != "" && !strings.Contains(got, c.want) {
				t.Errorf("check() = %v, want %q", err, c.want)
			}
		})
	}
}

func TestErrorTypeName(t *testing.T) {
	cases := []struct {
		t    durable.ErrorType
		want string
	}{
		{durable.ErrorTypeFor[*rateLimited](), "*github.com/durablegen/durable/runtime.rateLimited"},
		{durable.ErrorTypeFor[codeError](), "github.com/durablegen/durable/runtime.codeError"},
		{durable.ErrorType{}, ""},
	}
	for _, c := range cases {
		if got := c.t.Name(); got != c.want {
			t.Errorf("ErrorType(%v).Name() = %q, want %q", c.t.Type(), got, c.want)
		}
	}
	if reflect.TypeOf(&rateLimited{}) != durable.ErrorTypeFor[*rateLimited]().Type() {
		t.Errorf("ErrorTypeFor[*rateLimited]().Type() = %v", durable.ErrorTypeFor[*rateLimited]().Type())
	}
}
