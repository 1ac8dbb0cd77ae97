package neg

import (
	"context"

	"github.com/durablegen/durable"
)

// Payment is the input of Fee.
type Payment struct{ Amount int }

const feePercent = 2

var minimumFee = 1 // never written

var feePercentNow = 3

// SetFee changes the fee at run time.
func SetFee(p int) { feePercentNow = p }

func fee(amount int) int { return max(amount*feePercent/100, minimumFee) }

//durable:step
func CurrentFee(ctx context.Context) (int, error) { return feePercentNow, nil }

// Fee reads a constant and a variable nothing writes through a helper,
// and the mutable one in a step and in durable.Do.
//
//durable:workflow
func Fee(ctx durable.Context, in Payment) (int, error) {
	p, err := CurrentFee(ctx)
	if err != nil {
		return 0, err
	}
	q, err := durable.Do(ctx, "fee", func(ctx context.Context) (int, error) { return feePercentNow, nil })
	if err != nil {
		return 0, err
	}
	return fee(in.Amount) + in.Amount*(p+q)/100, nil
}
