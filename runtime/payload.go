package runtime

import "github.com/durablegen/durable/internal/wire"

// Codec encodes the values that cross the store outside a frame: workflow
// outputs, signal payloads and the results recorded in history events.
// Workers and clients that share a store must use the same Codec.
type Codec interface {
	Marshal(v any) ([]byte, error)
	Unmarshal(data []byte, v any) error
}

// JSONCodec is the default [Codec]: JSON, inspectable in the store, and
// faithful like frames: standard JSON for ordinary values, special forms
// for the values JSON cannot hold (NaN and infinities, strings that are
// not UTF-8, times in a named location), so they come back exactly. It
// reads what encoding/json writes.
type JSONCodec struct{}

// Marshal returns the JSON encoding of v.
func (JSONCodec) Marshal(v any) ([]byte, error) { return wire.Marshal(v, (*knownErrors)(nil)) }

// Unmarshal decodes JSON data into v.
func (JSONCodec) Unmarshal(data []byte, v any) error {
	return wire.Unmarshal(data, v, (*knownErrors)(nil))
}
