package encrypt_test

import (
	"bytes"
	"context"
	"fmt"
	"log"

	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/encrypt"
	"github.com/durablegen/durable/runtime/memstore"
)

// Wrap a store with a keyring read from the environment; workers and
// clients then use the wrapped store. What reaches the inner store is
// sealed with the primary key.
func Example() {
	// In production: encrypt.ParseKeyring(os.Getenv("DURABLE_KEYS")).
	ring, err := encrypt.ParseKeyring(
		"k2026b:5d3c0b6fa1e24c8d9b7f1e2a3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f," +
			"k2026a:0f1e2d3c4b5a69788796a5b4c3d2e1f000112233445566778899aabbccddeeff")
	if err != nil {
		log.Fatal(err)
	}
	inner := memstore.New() // sqlite.Open("durable.db"), postgres.New(...)
	store, err := encrypt.Wrap(inner, ring)
	if err != nil {
		log.Fatal(err)
	}
	// runtime.NewWorker(store, ...) and runtime.NewClient(store) as usual;
	// here, the store directly:
	ctx := context.Background()
	frame := []byte(`{"pc":0,"in":{"From":"alice","Cents":1500}}`)
	if _, _, err := store.Create(ctx, &runtime.Instance{ID: "transfer-42", Workflow: "transfer", Version: "v1", Frame: frame}); err != nil {
		log.Fatal(err)
	}

	raw, _ := inner.Get(ctx, "transfer-42")
	key, _ := encrypt.KeyID(raw.Frame)
	fmt.Println("stored frame sealed with:", key, "- readable:", bytes.Contains(raw.Frame, []byte("alice")))

	inst, _ := store.Get(ctx, "transfer-42")
	fmt.Println("frame through the store:", string(inst.Frame))
	// Output:
	// stored frame sealed with: k2026b - readable: false
	// frame through the store: {"pc":0,"in":{"From":"alice","Cents":1500}}
}

// Rotate by putting a new key first: it seals new values, and the old key
// still opens what it sealed.
func ExampleNewKeyring() {
	old, err := encrypt.GenerateKey("k2026a")
	if err != nil {
		log.Fatal(err)
	}
	before, err := encrypt.NewKeyring(old)
	if err != nil {
		log.Fatal(err)
	}
	sealed, err := before.Seal([]byte("account 4711"), []byte("context"))
	if err != nil {
		log.Fatal(err)
	}

	next, err := encrypt.GenerateKey("k2026b")
	if err != nil {
		log.Fatal(err)
	}
	rotated, err := encrypt.NewKeyring(next, old)
	if err != nil {
		log.Fatal(err)
	}
	plain, err := rotated.Open(sealed, []byte("context"))
	fmt.Println(string(plain), err)
	resealed, err := rotated.Seal(plain, []byte("context"))
	if err != nil {
		log.Fatal(err)
	}
	id, _ := encrypt.KeyID(resealed)
	fmt.Println("new values sealed with", id)
	// Output:
	// account 4711 <nil>
	// new values sealed with k2026b
}
