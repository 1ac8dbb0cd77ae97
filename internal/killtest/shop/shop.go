package shop

//go:generate go run github.com/durablegen/durable/cmd/durablegen

import (
	"context"
	"fmt"
	"time"

	"github.com/durablegen/durable"
)

// Input is the input of [Order].
type Input struct {
	Ledger string        // the ledger database the steps write to
	Items  int           // items to reserve, one step each
	Work   time.Duration // how long each step works after recording its effect
	Nap    time.Duration // the durable sleep between reserving and packing
}

// Output is the result of [Order].
type Output struct {
	Reserved int
	Parcel   string
	Notices  int
}

// Order reserves each item, sleeps, then packs, ships and notifies: one
// step per item plus three, and a durable sleep.
//
//durable:workflow
func Order(ctx durable.Context, in Input) (Output, error) {
	reserved := 0
	for i := range in.Items {
		n, err := Reserve(ctx, in.Ledger, in.Work, i)
		if err != nil {
			return Output{}, fmt.Errorf("reserve item %d: %w", i, err)
		}
		reserved += n
	}
	if err := durable.Sleep(ctx, in.Nap); err != nil {
		return Output{}, err
	}
	parcel, err := Pack(ctx, in.Ledger, in.Work, reserved)
	if err != nil {
		return Output{}, fmt.Errorf("pack: %w", err)
	}
	if err := Ship(ctx, in.Ledger, in.Work, parcel); err != nil {
		return Output{}, fmt.Errorf("ship %s: %w", parcel, err)
	}
	notices, err := Notify(ctx, in.Ledger, in.Work, parcel)
	if err != nil {
		return Output{}, fmt.Errorf("notify: %w", err)
	}
	return Output{Reserved: reserved, Parcel: parcel, Notices: notices}, nil
}

// Reserve reserves item i and returns how many units it reserved.
//
//durable:step
func Reserve(ctx context.Context, ledger string, work time.Duration, i int) (int, error) {
	if err := record(ctx, ledger, work); err != nil {
		return 0, err
	}
	return 1, nil
}

// Pack packs n units into a parcel and returns its label.
//
//durable:step
func Pack(ctx context.Context, ledger string, work time.Duration, n int) (string, error) {
	if err := record(ctx, ledger, work); err != nil {
		return "", err
	}
	return fmt.Sprintf("parcel-%s-%d", durable.InstanceID(ctx), n), nil
}

// Ship ships a parcel.
//
//durable:step
func Ship(ctx context.Context, ledger string, work time.Duration, parcel string) error {
	return record(ctx, ledger, work)
}

// Notify tells the customer that the parcel is on its way.
//
//durable:step
func Notify(ctx context.Context, ledger string, work time.Duration, parcel string) (int, error) {
	if err := record(ctx, ledger, work); err != nil {
		return 0, err
	}
	return 1, nil
}
