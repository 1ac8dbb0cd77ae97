package neg

import (
	"context"
	"fmt"
	"math/rand"

	"github.com/durablegen/durable"
	"github.com/google/uuid"
)

//durable:step
func Charge(ctx context.Context, cents int64, key string) (string, error) {
	r := rand.New(rand.NewSource(int64(cents))) // locally seeded, inside a step
	return fmt.Sprint(key, r.Intn(10), uuid.NewString()), nil
}

// Pay uses durable randomness.
//
//durable:workflow
func Pay(ctx durable.Context, cents int64) (string, error) {
	key := durable.UUID(ctx)
	shard := durable.Random(ctx) % 8
	id, err := durable.Do(ctx, "draw", func(ctx context.Context) (string, error) {
		return uuid.New().String(), nil
	})
	if err != nil {
		return "", err
	}
	v, err := Charge(ctx, cents, fmt.Sprintf("%s-%d-%s", key, shard, id))
	return v, err
}

// Fixed seeds a source with a constant: the same numbers every run.
//
//durable:workflow
func Fixed(ctx durable.Context, n int) ([]int, error) {
	r := rand.New(rand.NewSource(42))
	return r.Perm(n), nil
}
