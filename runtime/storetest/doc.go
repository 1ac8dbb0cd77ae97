// Package storetest is the conformance suite for implementations of
// [runtime.Store]. A store's tests call [Run] with a function that returns
// a fresh, empty store:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) runtime.Store {
//			s, err := sqlite.Open(filepath.Join(t.TempDir(), "test.db"))
//			if err != nil {
//				t.Fatal(err)
//			}
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// Every subtest calls newStore once and works only on that store.
//
// # What it checks
//
//   - Create is idempotent on the instance ID: a second Create returns the
//     stored instance and created=false. Get of a missing ID fails with
//     [runtime.ErrNotFound].
//   - Claim leases an instance to one worker at a time, even to goroutines
//     claiming concurrently; it takes only the requested workflow@version
//     keys, at most Limit instances, and nothing for an empty key list. It
//     takes ready instances, sleeping or waiting ones whose WakeAt has
//     passed and running ones whose lease expired, never terminal ones.
//     Each claim increments Epoch and reports the store clock in Now, and
//     counts in Aborted the runs in a row whose lease expired before they
//     committed anything (a commit or a release ends the count).
//   - Checkpoint is fenced by the claim's epoch ([runtime.ErrFenced] for a
//     stale or wrong epoch, after a takeover or a Cancel), rejects a Seq
//     the instance has ([runtime.ErrDuplicateSeq]) without changing it, and
//     releases the owner for any status but running. A checkpoint retried
//     after it committed commits nothing: it fails with ErrDuplicateSeq if
//     it kept the lease, ErrFenced if it released it, and the instance
//     shows its epoch and Seq.
//   - Heartbeat extends the lease and is fenced like Checkpoint.
//   - A checkpoint of a claim whose lease expired is fenced even before a
//     takeover; a heartbeat may renew a lease no one else claimed.
//   - Signals are durable and consumed once: a signal sent before the
//     instance waits turns the Waiting checkpoint into ready; Claim attaches
//     the oldest unconsumed signal of the awaited name; a signal consumed by
//     a checkpoint is never attached again, and a fenced checkpoint
//     consumes nothing. Signal fails with [runtime.ErrNotFound] for a
//     missing instance and [runtime.ErrFinished] for a terminal one.
//   - History returns every Event field as committed, in Seq order.
//   - Cancel fences the owner, records a "cancel" event, and leaves a
//     terminal instance unchanged (returning nil).
//   - Frames of 1 MiB, all 256 byte values in binary fields, Unicode in
//     strings, completed Output and failed Error round-trip.
//   - If the store implements the optional [runtime.Admin] (the cases
//     under Admin/ skip otherwise): List filters by status, workflow, ID
//     prefix and creation time, orders by (CreatedAt, ID) both ways, pages
//     by cursor without losing or repeating an instance, and leaves Frame
//     and Output nil unless asked; Retry makes only a failed instance
//     ready again, keeping its frame, with a new epoch that fences the
//     worker of the failed run and a "resume" event, and refuses a stale
//     Seq.
//
// # Time
//
// The suite takes only newStore, so it cannot control the store clock: it
// uses leases of 50ms and timers due 50ms ahead, and polls (for at most
// a few seconds) until the store sees them expire. It never asserts that
// something happens within a duration, only that it eventually does, and
// it checks "not yet" with timers and leases an hour or a minute away.
// The store clock must be close to this process's wall clock. The whole
// suite takes a few seconds on a local store.
package storetest
