package pos

import (
	"crypto/rand"
	"encoding/hex"
	mrand "math/rand"
	"time"

	"github.com/durablegen/durable"
)

// Token draws a token from crypto/rand.
//
//durable:workflow
func Token(ctx durable.Context, n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil { // finding: DG003
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// Jitter seeds a source from the clock.
//
//durable:workflow
func Jitter(ctx durable.Context, n int) (int, error) {
	r := mrand.New(mrand.NewSource(time.Now().UnixNano())) // finding: DG003
	return r.Intn(n), nil
}
