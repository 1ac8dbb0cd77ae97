// Package encrypt seals the payloads a workflow engine stores with
// AES-256-GCM, under keys named by short IDs so that they can be rotated.
//
// A [Store] wraps any [runtime.Store] (SQLite, PostgreSQL, memory) and is
// used in its place by workers and clients:
//
//	ring, err := encrypt.ParseKeyring(os.Getenv("DURABLE_KEYS")) // "k2026b:<hex>,k2026a:<hex>"
//	db, err := sqlite.Open("durable.db")
//	store, err := encrypt.Wrap(db, ring)
//	w := runtime.NewWorker(store, runtime.WorkerOptions{})
//	c := runtime.NewClient(store)
//
// # What is sealed
//
// Everything a workflow's data can reach: the frame (input, live
// variables, step results kept across checkpoints) and the output of
// every instance, signal payloads, the detail (step result, signal
// payload, output) and error message of every history event, and the
// error of a failed or cancelled instance (cancel reasons included, and the reason of a requested cancel).
// Binary values are stored sealed as bytes; errors, which stores keep in
// text columns, are stored as "enc:" followed by the sealed bytes in
// base64, so they stay valid UTF-8. An empty value stays empty.
//
// What stays readable, because stores query it: instance IDs, workflow
// names and versions, statuses, sequence numbers, times, lease owners,
// the names of steps and signals, and event kinds. Keep secrets out of
// instance IDs.
//
// # Format
//
// A sealed value is a header (the byte 0xDE, the format version 1, the
// length of the key ID and the key ID), then a random 96-bit nonce, the
// ciphertext and the 128-bit GCM tag: 31 bytes plus the key ID longer
// than the plaintext. The additional authenticated data is the header
// followed by the value's field, its instance ID and, for a signal, the
// signal's name, or for a history detail, the event's sequence number. A
// value therefore opens only where it was written: a frame copied to
// another instance, or into the output column, fails authentication.
// (Values of one instance are not bound to a checkpoint: an older frame
// of the same instance written back over the current one opens.)
//
// # Rotation
//
// [Keyring] holds one primary key, which seals every new value, and any
// number of older keys, which only open. To rotate without a process ever
// meeting a value it cannot open, deploy in two steps: first add the new
// key after the primary in every worker and client, then, once all run
// with it, make it the primary (first) everywhere. Instances sealed with
// the old key keep running, and each value they write from then on is
// sealed with the new key. Generate keys with [GenerateKey] or, for
// example, `openssl rand -hex 32`.
//
// An old key can be dropped once [KeyID] finds it in no stored value any
// longer; until then it must stay, since waiting instances and history
// keep their old values. Values are not re-sealed in the background.
//
// # Errors
//
// A value that cannot be opened is reported by an [*OpenError] naming the
// instance, the field and the key, for example:
//
//	frame of instance transfer-42 sealed with key k2025, which the keyring does not hold; add it to the keyring
//
// [Store.Get] and [Store.History] return it. [Store.Claim] does not: it
// sets [runtime.Instance].Unreadable, and the worker fails that instance
// alone with the error; other instances and the worker carry on. The
// failure stores the instance's frame back exactly as it was, so once the
// missing key is in the keyring again, [runtime.Client.Retry] resumes the
// instance from its last checkpoint. [Store.List] lists such an instance
// with Unreadable set and the values it could not open cleared.
//
// Sealed errors keep their meaning across the store: list [ErrUnknownKey],
// [ErrAuthentication] and [ErrNotSealed] in runtime.WorkerOptions.Errors
// and runtime.WithErrors, and errors.Is matches them in the results of
// instances that failed this way.
//
// # Optional capabilities
//
// A Store forwards what workers and clients look for beyond
// [runtime.Store]: [runtime.WorkWaiter] (it sleeps for the timeout if the
// inner store cannot wait), [runtime.Admin] (List and Retry; an error
// matching errors.ErrUnsupported if the inner store lacks them; a retry
// reason is sealed like an error) and Close (of an inner store with
// Close() error or Close()).
//
// # Limits
//
// Nonces are random, so one key must seal fewer than 2^32 values (four
// billion checkpoints); rotate long before that. Data written before the
// store was wrapped cannot be read through it: start encryption on an
// empty store.
package encrypt
