package wire

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
)

// appendTime writes t in its special form (see the package doc), as a
// JSON string.
func appendTime(buf []byte, t time.Time) ([]byte, error) {
	b, err := appendTimeText(nil, t)
	if err != nil {
		return buf, err
	}
	return AppendString(buf, string(b)), nil
}

// appendTimeText writes the text of t's special form. The monotonic
// clock reading is not kept (see the package doc).
func appendTimeText(buf []byte, t time.Time) ([]byte, error) {
	loc := t.Location()
	var suffix string
	switch {
	case loc == time.UTC:
	case loc == time.Local:
		suffix = "Local"
	case isFixedZone(loc):
		suffix = "fixed:" + loc.String()
	default:
		if _, err := loadLocation(loc.String()); err != nil {
			return buf, fmt.Errorf("cannot store a time in location %q: it is neither UTC, Local, a time.FixedZone nor loadable by name: %w", loc, err)
		}
		suffix = loc.String()
	}
	year, month, day := t.Date()
	hour, minute, sec := t.Clock()
	if year < 0 {
		buf = append(buf, '-')
		year = -year
	}
	buf = appendDigits(buf, year, 4)
	buf = append(buf, '-')
	buf = appendDigits(buf, int(month), 2)
	buf = append(buf, '-')
	buf = appendDigits(buf, day, 2)
	buf = append(buf, 'T')
	buf = appendDigits(buf, hour, 2)
	buf = append(buf, ':')
	buf = appendDigits(buf, minute, 2)
	buf = append(buf, ':')
	buf = appendDigits(buf, sec, 2)
	if ns := t.Nanosecond(); ns != 0 {
		frac := strings.TrimRight(fmt.Sprintf("%09d", ns), "0")
		buf = append(buf, '.')
		buf = append(buf, frac...)
	}
	_, off := t.Zone()
	buf = appendOffset(buf, off)
	if suffix != "" {
		buf = append(buf, '[')
		buf = append(buf, suffix...)
		buf = append(buf, ']')
	}
	return buf, nil
}

func appendOffset(buf []byte, off int) []byte {
	if off == 0 {
		return append(buf, 'Z')
	}
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	buf = append(buf, sign)
	buf = appendDigits(buf, off/3600, 2)
	buf = append(buf, ':')
	buf = appendDigits(buf, off/60%60, 2)
	if off%60 != 0 {
		buf = append(buf, ':')
		buf = appendDigits(buf, off%60, 2)
	}
	return buf
}

func appendDigits(buf []byte, n, width int) []byte {
	s := strconv.Itoa(n)
	for i := len(s); i < width; i++ {
		buf = append(buf, '0')
	}
	return append(buf, s...)
}

// isFixedZone reports whether loc has a single zone and no rule for
// later times: a time.FixedZone, or a location that behaves as one.
func isFixedZone(loc *time.Location) bool {
	v := reflect.ValueOf(loc).Elem()
	zones, extend := v.FieldByName("zone"), v.FieldByName("extend")
	if !zones.IsValid() || zones.Kind() != reflect.Slice || !extend.IsValid() || extend.Kind() != reflect.String {
		// The time package changed its representation
		// (TestFixedZoneDetection fails): a location that cannot be
		// loaded by its name is taken for a fixed zone.
		_, err := loadLocation(loc.String())
		return err != nil
	}
	return zones.Len() == 1 && extend.String() == ""
}

// locations caches time.LoadLocation, which reads the time zone database
// on every call. A location, once loaded, does not change.
var locations sync.Map // name → *time.Location or error

func loadLocation(name string) (*time.Location, error) {
	if v, ok := locations.Load(name); ok {
		if err, ok := v.(error); ok {
			return nil, err
		}
		return v.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		locations.Store(name, err)
		return nil, err
	}
	locations.Store(name, loc)
	return loc, nil
}

var errBadTime = errors.New("not a time")

// parseTime reads the special form of a time, or the RFC 3339 text
// encoding/json writes.
func parseTime(s string) (time.Time, error) {
	body, suffix, hasSuffix := strings.Cut(s, "[")
	if hasSuffix {
		if !strings.HasSuffix(suffix, "]") {
			return time.Time{}, fmt.Errorf("time %q: %w", s, errBadTime)
		}
		suffix = suffix[:len(suffix)-1]
	}
	t, off, err := parseInstant(body)
	if err != nil {
		if !hasSuffix {
			// encoding/json's form, as encoding/json reads it.
			var legacy time.Time
			if legacy.UnmarshalText([]byte(s)) == nil {
				return legacy, nil
			}
		}
		return time.Time{}, fmt.Errorf("time %q: %w", s, err)
	}
	switch {
	case !hasSuffix && off == 0:
		return t, nil
	case !hasSuffix:
		var legacy time.Time
		if err := legacy.UnmarshalText([]byte(s)); err != nil {
			return time.Time{}, fmt.Errorf("time %q: %w", s, err)
		}
		return legacy, nil
	case suffix == "Local":
		return t.In(time.Local), nil
	case strings.HasPrefix(suffix, "fixed:"):
		return t.In(time.FixedZone(suffix[len("fixed:"):], off)), nil
	}
	loc, err := loadLocation(suffix)
	if err != nil {
		return time.Time{}, fmt.Errorf("time %q: %w", s, err)
	}
	return t.In(loc), nil
}

// parseInstant reads [-]YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM[:SS])
// and returns the instant (in UTC) and the offset in seconds.
func parseInstant(s string) (time.Time, int, error) {
	p := timeParser{s: s}
	neg := p.take('-')
	year := p.num(4, 12)
	p.want('-')
	month := p.num(2, 2)
	p.want('-')
	day := p.num(2, 2)
	p.want('T')
	hour := p.num(2, 2)
	p.want(':')
	minute := p.num(2, 2)
	p.want(':')
	sec := p.num(2, 2)
	ns := 0
	if p.take('.') {
		start := p.i
		frac := p.num(1, 9)
		for range 9 - (p.i - start) {
			frac *= 10
		}
		ns = frac
	}
	off := 0
	switch {
	case p.take('Z'):
	case p.take('+'), p.take('-'):
		sign := 1
		if s[p.i-1] == '-' {
			sign = -1
		}
		h := p.num(2, 9)
		p.want(':')
		m := p.num(2, 2)
		sec := 0
		if p.take(':') {
			sec = p.num(2, 2)
		}
		if m > 59 || sec > 59 {
			p.bad = true
		}
		off = sign * (h*3600 + m*60 + sec)
	default:
		p.bad = true
	}
	if p.bad || p.i != len(s) || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, 0, errBadTime
	}
	if neg {
		year = -year
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, ns, time.UTC)
	if t.Day() != day {
		return time.Time{}, 0, errBadTime
	}
	return t.Add(-time.Duration(off) * time.Second), off, nil
}

type timeParser struct {
	s   string
	i   int
	bad bool
}

func (p *timeParser) take(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *timeParser) want(c byte) {
	if !p.take(c) {
		p.bad = true
	}
}

// num reads between min and max digits.
func (p *timeParser) num(min, max int) int {
	start, n := p.i, 0
	for p.i < len(p.s) && p.i-start < max && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		n = n*10 + int(p.s[p.i]-'0')
		p.i++
	}
	if p.i-start < min {
		p.bad = true
	}
	return n
}
