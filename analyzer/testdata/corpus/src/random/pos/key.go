package pos

import (
	"context"
	"math/rand"

	"github.com/durablegen/durable"
	"github.com/google/uuid"
)

//durable:step
func Charge(ctx context.Context, cents int64, key string) (string, error) { return key, nil }

// Pay makes its idempotency key with uuid.New: a resume makes a new key
// and the charge is made twice.
//
//durable:workflow
func Pay(ctx durable.Context, cents int64) (string, error) {
	key := uuid.New().String() // finding: DG003
	return Charge(ctx, cents, key)
}

// Sample picks a random shard.
//
//durable:workflow
func Sample(ctx durable.Context, shards int) (int, error) {
	return rand.Intn(shards), nil // finding: DG003
}
