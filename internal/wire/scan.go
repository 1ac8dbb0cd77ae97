package wire

import (
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth bounds the nesting of arrays and objects a decoder follows
// and of values an encoder writes (a pointer cycle reaches it).
const maxDepth = 10000

// scanner reads JSON text. Every method validates what it reads; none
// panics on any input.
type scanner struct {
	data  []byte
	i     int
	depth int
}

func (s *scanner) errorf(format string, args ...any) error {
	return fmt.Errorf("offset %d: %s", s.i, fmt.Sprintf(format, args...))
}

func (s *scanner) ws() {
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek returns the next byte after white space, or 0 at the end.
func (s *scanner) peek() byte {
	s.ws()
	if s.i >= len(s.data) {
		return 0
	}
	return s.data[s.i]
}

func (s *scanner) expect(c byte) error {
	if s.peek() != c {
		return s.unexpected(fmt.Sprintf("%q", c))
	}
	s.i++
	return nil
}

func (s *scanner) unexpected(want string) error {
	if s.i >= len(s.data) {
		return s.errorf("unexpected end of input, want %s", want)
	}
	return s.errorf("unexpected %q, want %s", s.data[s.i], want)
}

// literal reads one of true, false, null.
func (s *scanner) literal(word string) error {
	s.ws()
	if len(s.data)-s.i < len(word) || string(s.data[s.i:s.i+len(word)]) != word {
		return s.unexpected(word)
	}
	s.i += len(word)
	return nil
}

// isNull reports whether the next value is null, and consumes it if so.
func (s *scanner) isNull() bool {
	if s.peek() == 'n' && s.literal("null") == nil {
		return true
	}
	return false
}

// number reads a number and returns its text.
func (s *scanner) number() ([]byte, error) {
	s.ws()
	start := s.i
	if s.i < len(s.data) && s.data[s.i] == '-' {
		s.i++
	}
	switch {
	case s.i < len(s.data) && s.data[s.i] == '0':
		s.i++
	case s.i < len(s.data) && s.data[s.i] >= '1' && s.data[s.i] <= '9':
		s.digits()
	default:
		return nil, s.unexpected("a number")
	}
	if s.i < len(s.data) && s.data[s.i] == '.' {
		s.i++
		if s.digits() == 0 {
			return nil, s.unexpected("a digit")
		}
	}
	if s.i < len(s.data) && (s.data[s.i] == 'e' || s.data[s.i] == 'E') {
		s.i++
		if s.i < len(s.data) && (s.data[s.i] == '+' || s.data[s.i] == '-') {
			s.i++
		}
		if s.digits() == 0 {
			return nil, s.unexpected("a digit")
		}
	}
	return s.data[start:s.i], nil
}

func (s *scanner) digits() int {
	n := 0
	for s.i < len(s.data) && s.data[s.i] >= '0' && s.data[s.i] <= '9' {
		s.i++
		n++
	}
	return n
}

// str reads a string and returns its decoded bytes, appended to dst. An
// escape \udc80 to \udcff that does not follow a high surrogate is the
// raw byte 0x80 to 0xff (see the package doc); other lone surrogates
// become U+FFFD, as encoding/json decodes them.
func (s *scanner) str(dst []byte) ([]byte, error) {
	if s.peek() != '"' {
		return dst, s.unexpected("a string")
	}
	s.i++
	start := s.i
	// Fast path: no escapes.
	for s.i < len(s.data) {
		c := s.data[s.i]
		if c == '"' {
			dst = append(dst, s.data[start:s.i]...)
			s.i++
			return dst, nil
		}
		if c == '\\' || c < 0x20 {
			break
		}
		s.i++
	}
	dst = append(dst, s.data[start:s.i]...)
	for s.i < len(s.data) {
		c := s.data[s.i]
		switch {
		case c == '"':
			s.i++
			return dst, nil
		case c < 0x20:
			return dst, s.errorf("control character %q in string", c)
		case c != '\\':
			dst = append(dst, c)
			s.i++
			continue
		}
		s.i++
		if s.i >= len(s.data) {
			break
		}
		e := s.data[s.i]
		s.i++
		switch e {
		case '"', '\\', '/':
			dst = append(dst, e)
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r, ok := s.hex4()
			if !ok {
				return dst, s.errorf("invalid \\u escape")
			}
			switch {
			case utf16.IsSurrogate(r) && r < 0xdc00:
				// A high surrogate: a pair if a low one follows.
				if s.i+6 <= len(s.data) && s.data[s.i] == '\\' && s.data[s.i+1] == 'u' {
					save := s.i
					s.i += 2
					r2, ok := s.hex4()
					if ok && r2 >= 0xdc00 && r2 <= 0xdfff {
						dst = utf8.AppendRune(dst, utf16.DecodeRune(r, r2))
						continue
					}
					s.i = save
				}
				dst = utf8.AppendRune(dst, utf8.RuneError)
			case r >= 0xdc80 && r <= 0xdcff:
				dst = append(dst, byte(r-0xdc00))
			case utf16.IsSurrogate(r):
				dst = utf8.AppendRune(dst, utf8.RuneError)
			default:
				dst = utf8.AppendRune(dst, r)
			}
		default:
			return dst, s.errorf("invalid escape \\%c", e)
		}
	}
	return dst, s.errorf("unterminated string")
}

func (s *scanner) hex4() (rune, bool) {
	if s.i+4 > len(s.data) {
		return 0, false
	}
	var r rune
	for _, c := range s.data[s.i : s.i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	s.i += 4
	return r, true
}

// skip reads one value of any kind and returns its text.
func (s *scanner) skip() ([]byte, error) {
	s.ws()
	start := s.i
	var err error
	switch s.peek() {
	case '{':
		err = s.each('{', '}', func() error {
			if _, err := s.str(nil); err != nil {
				return err
			}
			if err := s.expect(':'); err != nil {
				return err
			}
			_, err := s.skip()
			return err
		})
	case '[':
		err = s.each('[', ']', func() error { _, err := s.skip(); return err })
	case '"':
		err = s.skipString()
	case 't':
		err = s.literal("true")
	case 'f':
		err = s.literal("false")
	case 'n':
		err = s.literal("null")
	default:
		_, err = s.number()
	}
	if err != nil {
		return nil, err
	}
	return s.data[start:s.i], nil
}

// skipString validates a string without decoding it.
func (s *scanner) skipString() error {
	s.i++
	for s.i < len(s.data) {
		c := s.data[s.i]
		s.i++
		switch {
		case c == '"':
			return nil
		case c < 0x20:
			s.i--
			return s.errorf("control character %q in string", c)
		case c == '\\':
			if s.i >= len(s.data) {
				return s.errorf("unterminated string")
			}
			e := s.data[s.i]
			s.i++
			switch e {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if _, ok := s.hex4(); !ok {
					return s.errorf("invalid \\u escape")
				}
			default:
				return s.errorf("invalid escape \\%c", e)
			}
		}
	}
	return s.errorf("unterminated string")
}

// each reads a delimited list, calling item for every element.
func (s *scanner) each(open, close byte, item func() error) error {
	if err := s.expect(open); err != nil {
		return err
	}
	s.depth++
	defer func() { s.depth-- }()
	if s.depth > maxDepth {
		return s.errorf("nested deeper than %d", maxDepth)
	}
	if s.peek() == close {
		s.i++
		return nil
	}
	for {
		if err := item(); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.i++
		case close:
			s.i++
			return nil
		default:
			return s.unexpected(fmt.Sprintf("',' or %q", close))
		}
	}
}

// end checks that only white space follows.
func (s *scanner) end() error {
	if s.ws(); s.i < len(s.data) {
		return s.errorf("data after the value")
	}
	return nil
}
