package neg

import (
	"context"

	"github.com/durablegen/durable"
)

//durable:step
func Prices(ctx context.Context, skus []string) ([]int64, error) {
	ch := make(chan int64, len(skus))
	for range skus {
		ch <- 1
	}
	close(ch)
	var out []int64
	for p := range ch {
		out = append(out, p)
	}
	return out, nil
}

// Collect sums prices fetched by a step.
//
//durable:workflow
func Collect(ctx durable.Context, skus []string) (int64, error) {
	prices, err := Prices(ctx, skus)
	if err != nil {
		return 0, err
	}
	var total int64
	for _, p := range prices {
		total += p
	}
	return total, nil
}
