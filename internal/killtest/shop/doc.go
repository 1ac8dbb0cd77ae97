// Package shop is the workflow the kill test runs: [Order] reserves items,
// sleeps, packs, ships and notifies, and every step records its execution
// in a ledger (an SQLite file of its own) under its step key, so that the
// test can count how often each step really ran.
package shop
