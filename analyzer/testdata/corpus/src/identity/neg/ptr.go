package neg

import (
	"fmt"

	"github.com/durablegen/durable"
)

type Order struct{ ID string }

// Key builds a key from the order's ID.
//
//durable:workflow
func Key(ctx durable.Context, o Order) (string, error) {
	return fmt.Sprintf("%s-%v-%d%%", o.ID, o, len(o.ID)), nil
}
