// Package wire is the JSON encoding of Go values that frames, workflow
// inputs and outputs, signal payloads and step results use: standard JSON
// for ordinary values, so that stored data stays readable, and a
// special form for each value standard JSON cannot hold, so that every
// value decodes back exactly. The decoder also reads what encoding/json
// writes for the same types.
//
// # Special forms
//
// Each is chosen so that a decoder that knows the destination type can
// tell it from the standard form, and so that encoding/json never wrote
// it for that type:
//
//   - float32, float64: NaN, +Inf and -Inf are the strings "NaN", "+Inf"
//     and "-Inf" (a NaN whose bits differ from math.NaN()'s is
//     "NaN(0x<bits>)"); -0 is the number -0.
//   - strings, and map keys and MarshalText results: a byte that is not
//     part of valid UTF-8 is the escape \udcXX (XX its value), a lone low
//     surrogate that valid UTF-8 never produces; everything else is
//     standard.
//   - maps with struct or array keys, which encoding/json cannot store:
//     an array of [key, value] pairs, sorted by their encodings, each key
//     stored as a value ([[{"X":1,"Y":2},"a"]]). Such keys must hold no
//     pointer, interface or channel, whose identity a decoded key would
//     not keep. Boolean keys are object names "true" and "false"; float
//     keys are refused (a NaN key cannot be found again).
//   - time.Time: "<wall clock and offset>[<location>]". The wall clock is
//     RFC 3339 in the time's own location, any year, with the offset's
//     seconds when it has any; the location is Local, an IANA name, or
//     fixed:<name> for a time.FixedZone. A time in UTC has no suffix, as
//     encoding/json writes it. The instant, the offset and the location's
//     name come back; the monotonic clock reading does not (as with
//     t.Round(0)), which changes only t.Sub and comparisons with times
//     read from the monotonic clock.
//
// # Structs
//
// Fields are named as encoding/json names them (tags, promotion of
// embedded structs, including unexported ones), with three differences
// that keep values: every field is written (omitempty is ignored, so an
// empty slice stays empty and not nil); a field tagged `json:"-"` is
// stored as if it had no tag; and a type in which two fields would get
// the same name (an ambiguous or hidden promoted field) is an error
// instead of a silent drop. Unexported fields other than embedded structs
// cannot be stored and are an error. durablegen refuses at generate time
// every type this package would refuse at run time.
//
// Types with MarshalJSON and UnmarshalJSON, or else MarshalText and
// UnmarshalText, are encoded by those methods (their encoding is the
// user's); time.Time is the exception.
package wire
