package random

import (
	"context"
	"crypto/rand"
	mrand "math/rand"
	rand2 "math/rand/v2"
	"time"

	"github.com/durablegen/durable"
	"github.com/google/uuid"
)

//durable:step
func Send(ctx context.Context, key string) error { // want Send:"step"
	_ = uuid.NewString() // steps may be random
	return nil
}

//durable:workflow
func Key(ctx durable.Context, in string) (string, error) { // want Key:"workflow"
	id := uuid.New()           // want `DG003: uuid.New in workflow code returns a different UUID on resume; use durable.UUID\(ctx\)`
	s := uuid.NewString()      // want `DG003: uuid.NewString`
	key := uuid.New().String() // want `DG003: uuid.New in workflow code`
	u, err := uuid.NewRandom() // want `DG003: uuid.NewRandom`
	if err != nil {
		return "", err
	}
	n := mrand.Intn(10) // want `DG003: rand.Intn in workflow code draws from the global random source`
	f := rand2.IntN(5)  // want `DG003: rand.IntN`
	p := mrand.Perm(3)  // want `DG003: rand.Perm`
	var b [8]byte
	_, _ = rand.Read(b[:])                                 // want `DG003: rand.Read`
	_ = rand.Reader                                        // want `DG003: rand.Reader`
	r := mrand.New(mrand.NewSource(time.Now().UnixNano())) // want `DG003: rand.NewSource seeded from the clock`
	_ = r
	fixed := mrand.New(mrand.NewSource(42)) // a fixed seed is deterministic
	_ = fixed.Intn(3)
	_, _, _, _, _, _ = id, s, u, n, f, key
	_ = p
	return "", Send(ctx, durable.UUID(ctx))
}

//durable:workflow
func Stable(ctx durable.Context, in string) (string, error) { // want Stable:"workflow"
	key := durable.UUID(ctx)
	r := durable.Random(ctx)
	v, err := durable.Do(ctx, "token", func(ctx context.Context) (string, error) {
		return uuid.NewString() + string(rune(mrand.Intn(3))), nil
	})
	_ = r
	return key + v, err
}
