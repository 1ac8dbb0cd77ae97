package equiv

import (
	"fmt"

	"github.com/durablegen/durable"
)

// Cell is a struct map key.
type Cell struct {
	Row, Col int
	Tag      string
}

// MapKeys keeps maps keyed by a struct, an array and a boolean across
// checkpoints, writes them between steps, and reads them after a resume.
//
//durable:workflow
func MapKeys(ctx durable.Context, n int) (string, error) {
	grid := map[Cell]string{}
	pairs := map[[2]string]bool{}
	parity := map[bool]int{}
	for i := range n {
		label, err := Echo(ctx, fmt.Sprint("c\xff", i))
		if err != nil {
			return "", err
		}
		grid[Cell{i, i % 2, label}] = label
		pairs[[2]string{label, "x"}] = i%2 == 0
		parity[i%2 == 0]++
	}
	delete(grid, Cell{0, 0, "c\xff0"})
	total := Inc(ctx, len(grid))
	grid[Cell{Row: total}] = "total"
	return fmt.Sprintf("%+v %v %v %d", grid, pairs, parity, total), nil
}
