package wf

import (
	"context"
	"net/netip"
	"time"

	"github.com/durablegen/durable"
)

//durable:step
func Step(ctx context.Context) error { return nil }

type A struct{ ID, X int }
type B struct{ ID string }

// Ambiguous: A.ID and B.ID at the same depth (encoding/json drops both).
type Ambiguous struct {
	A
	B
}

// Hidden: Base.ID is hidden by Order.ID (encoding/json drops it).
type Base struct{ ID int }
type Order struct {
	Base
	ID string
}

// Tagged: the tag gives Y the name X already has.
type Tagged struct {
	X int
	Y int `json:"X"`
}

// Dash: a field tagged "-" is stored under its Go name, which Other's tag
// also claims.
type Dash struct {
	Secret string `json:"-"`
	Other  string `json:"Secret"`
}

type level int

// EmbeddedInt: an unexported embedded non-struct is not stored.
type EmbeddedInt struct {
	level
	N int
}

type inner struct{ V int }

// EmbeddedPtr: a nil pointer to an unexported struct cannot be allocated.
type EmbeddedPtr struct {
	*inner
}

type Empty struct{}

// NilPtr: nothing records whether *Empty was nil.
type NilPtr struct {
	*Empty
	N int
}

// Stamped: time.Time's promoted MarshalJSON would encode Note away.
type Stamped struct {
	time.Time
	Note string
}

// Zoned: time.Time's own methods drop the location.
type Zoned struct{ time.Time }

type Deeper struct{ Base }

// Twice: Base is promoted directly and again through Deeper.
type Twice struct {
	Deeper
	Base
}

// Accepted neighbours: all round-trip.
type okDash struct {
	Secret string `json:"-"`
	Name   string `json:"name,omitempty"`
}
type okInner struct{ V, W int }
type OK struct {
	okInner
	*Base
	okDash
	At    time.Time
	Addr  netip.Addr
	F     float64
	S     string
	M     map[time.Time][]byte
	Errs  []error
	Named struct {
		A
	} `json:"named"`
}

//durable:workflow
func W(ctx durable.Context, in int) (int, error) {
	amb := Ambiguous{}
	hid := Order{}
	tag := Tagged{}
	dash := Dash{}
	emb := EmbeddedInt{}
	ptr := EmbeddedPtr{}
	nilp := NilPtr{}
	st := Stamped{}
	z := Zoned{}
	tw := Twice{}
	var ok OK
	var fut *durable.Future[[]error]
	if err := Step(ctx); err != nil {
		return 0, err
	}
	_, _, _, _, _, _, _, _, _, _, _, _ = amb, hid, tag, dash, emb, ptr, nilp, st, z, tw, ok, fut
	return 0, nil
}
