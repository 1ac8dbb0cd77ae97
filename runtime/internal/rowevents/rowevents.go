// Package rowevents encodes the history events that the SQL stores keep
// in an instance's row until they move them to the history table.
//
// A checkpoint of a running instance writes one row: the instance's,
// fenced by its epoch, with the checkpoint's event appended to the row's
// pending events. Every FlushEvery sequence numbers, and when an event is
// large, the checkpoint also moves the pending events, its own included,
// to the history table. History reads both, so that the events are
// durable, in sequence order, from the commit of their checkpoint on. An
// instance that ended keeps its last events pending (fewer than
// FlushEvery): moving them would cost its last commit as many row writes.
//
// The pending events are a text column holding JSON arrays separated by
// commas (wrapped in brackets, a JSON array of events), so that a
// checkpoint appends its event by concatenation without parsing the
// others, and the database decodes them with its JSON functions when it
// moves or reads them. An event is
//
//	[seq, site, attempts, "kind", "name", "error", "detail" or null, at]
//
// with the strings and the detail in hexadecimal (every byte kept), and
// at the event's time as an integer in the store's unit.
package rowevents

import (
	"strconv"

	"github.com/durablegen/durable/runtime"
)

// FlushEvery is how many sequence numbers of events at most stay pending
// in an instance's row: a checkpoint whose Seq is a multiple of it moves
// them to the history table.
const FlushEvery = 8

// MaxPending is the largest encoded event kept pending; a larger one is
// written to the history table at once, with those pending, so that the
// row stays small.
const MaxPending = 384

// AppendHead appends the encoding of ev with sequence number seq, up to
// its time: the store appends the time with [AppendAt], or the database
// appends it when the store lets it choose the time.
func AppendHead(dst []byte, seq int64, ev *runtime.Event) []byte {
	dst = append(dst, '[')
	dst = strconv.AppendInt(dst, seq, 10)
	dst = append(dst, ',')
	dst = strconv.AppendInt(dst, int64(ev.Site), 10)
	dst = append(dst, ',')
	dst = strconv.AppendInt(dst, int64(ev.Attempts), 10)
	dst = appendHex(dst, ev.Kind)
	dst = appendHex(dst, ev.Name)
	dst = appendHex(dst, ev.Error)
	if ev.Detail == nil {
		dst = append(dst, ",null"...)
	} else {
		dst = appendHex(dst, ev.Detail)
	}
	return append(dst, ',')
}

// AppendAt ends an event begun with [AppendHead] with its time.
func AppendAt(dst []byte, at int64) []byte {
	dst = strconv.AppendInt(dst, at, 10)
	return append(dst, ']')
}

// Len returns the length of the encoding of ev with sequence number seq
// up to its time, as AppendHead appends it.
func Len(seq int64, ev *runtime.Event) int {
	n := 1 + digits(seq) + 1 + digits(int64(ev.Site)) + 1 + digits(int64(ev.Attempts))
	n += 3*3 + 2*(len(ev.Kind)+len(ev.Name)+len(ev.Error)) // ,"hex" for each string
	if ev.Detail == nil {
		n += len(",null")
	} else {
		n += 3 + 2*len(ev.Detail)
	}
	return n + 1 // the comma before the time
}

// digits returns the length of the decimal form of v.
func digits(v int64) int {
	n := 1
	if v < 0 {
		n++
	}
	for v <= -10 || v >= 10 {
		v /= 10
		n++
	}
	return n
}

// Flush reports whether the checkpoint of cp, whose event encodes to n
// bytes (see [Len]), moves the pending events to the history table.
func Flush(cp *runtime.Checkpoint, n int) bool {
	return cp.Seq%FlushEvery == 0 || n > MaxPending
}

const hexDigits = "0123456789abcdef"

func appendHex[S string | []byte](dst []byte, s S) []byte {
	dst = append(dst, ",\""...)
	for i := 0; i < len(s); i++ {
		dst = append(dst, hexDigits[s[i]>>4], hexDigits[s[i]&15])
	}
	return append(dst, '"')
}
