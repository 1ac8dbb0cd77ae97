// Package flow is the workflow the multi-process PostgreSQL tests of
// package pgmulti run: [Ledger.Run] runs as many steps as its input asks
// for, and every step records its execution in a ledger table (outside the
// store's schema) under its step key, so that the tests can count how often
// each step really ran.
package flow
