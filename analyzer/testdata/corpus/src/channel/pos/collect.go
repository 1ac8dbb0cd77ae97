package pos

import (
	"context"

	"github.com/durablegen/durable"
)

//durable:step
func Price(ctx context.Context, sku string) (int64, error) { return 1, nil }

// Collect gathers prices through a channel.
//
//durable:workflow
func Collect(ctx durable.Context, skus []string) (int64, error) {
	prices := make(chan int64, len(skus)) // finding: DG007 DG012
	for _, s := range skus {
		p, err := Price(ctx, s)
		if err != nil {
			return 0, err
		}
		prices <- p // finding: DG007
	}
	close(prices) // finding: DG007
	var total int64
	for p := range prices { // finding: DG007
		total += p
	}
	return total, nil
}
