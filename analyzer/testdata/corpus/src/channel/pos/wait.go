package pos

import (
	"github.com/durablegen/durable"
)

// First waits on whichever channel is ready.
//
//durable:workflow
func First(ctx durable.Context, n int) (int, error) {
	select { // finding: DG007
	case <-ctx.Done(): // finding: DG007
		return 0, ctx.Err()
	default:
		return n, nil
	}
}
