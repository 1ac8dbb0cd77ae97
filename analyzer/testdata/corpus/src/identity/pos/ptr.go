package pos

import (
	"fmt"

	"github.com/durablegen/durable"
)

type Order struct{ ID string }

// Key builds a key from an address.
//
//durable:workflow
func Key(ctx durable.Context, o Order) (string, error) {
	return fmt.Sprintf("%s-%p", o.ID, &o), nil // finding: DG017
}
