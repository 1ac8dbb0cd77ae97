package pos

import (
	"github.com/durablegen/durable"
)

// Payment is the input of Fee.
type Payment struct{ Amount int }

var feePercent = 2

// SetFee changes the fee at run time.
func SetFee(p int) { feePercent = p }

func currentFee() int { return feePercent }

// Fee reads a variable that other code writes, through a helper.
//
//durable:workflow
func Fee(ctx durable.Context, in Payment) (int, error) {
	fee := in.Amount * currentFee() / 100 // finding: DG011
	return fee, nil
}

var feeOf = func(amount int) int { return amount * feePercent / 100 }

// FeeVar reads it through a function literal held in a package variable.
//
//durable:workflow
func FeeVar(ctx durable.Context, in Payment) (int, error) {
	return feeOf(in.Amount), nil // finding: DG011
}
