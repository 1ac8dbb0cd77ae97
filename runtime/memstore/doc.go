// Package memstore is an in-memory [runtime.Store]: a complete
// implementation of the store contract (claim exclusivity, epoch fencing,
// lease expiry and takeover, timers, signals consumed once, history) kept
// in process memory. Use it in tests, with an injected clock to make
// leases and timers expire without waiting, and to measure the engine's
// own overhead; nothing survives the process.
//
// # Clock
//
// [New] uses the real clock; [NewWithClock] takes the store clock as a
// function. Every time the store records (claims, lease expiry, timers,
// history) comes from it.
//
// # Waking workers
//
// A [Store] implements [runtime.WorkWaiter]: a worker waiting for work
// wakes when an instance is created, signalled or released, and when the
// earliest timer or lease it holds falls due on the real clock.
//
// # Snapshots
//
// [Store.Clone] copies a store at one moment onto another clock: crash
// tests take a clone where a process could die and later resume a new
// worker on it, as if the process had died there (durabletest resumes
// every crashed run this way).
package memstore
