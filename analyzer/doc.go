// Package analyzer defines an Analyzer that reports code in durable
// workflows that behaves differently when a workflow resumes than on its
// first run.
//
// # Analyzer durablevet
//
// durablevet: report workflow code that behaves differently on resume
//
// A workflow (a function or method whose doc comment has a
// //durable:workflow line) is compiled by durablegen into a machine that
// saves its live variables at every checkpoint (a step, a durable timer,
// a signal) and, after a crash or a redeploy, resumes at the last one: the
// code between two checkpoints runs again, possibly on another worker.
// Anything in that code whose result depends on when or where it runs —
// the wall clock, randomness, the environment, I/O, goroutines, map order,
// package state — or that cannot be saved in the frame breaks the
// workflow. The analyzer checks workflow bodies, the bodies of the
// helpers that make checkpoints they call (below), and every other
// function they call that is not a step (//durable:step functions and
// the functions passed to durable.Do or durable.SideEffect may do
// anything).
//
// Calls are followed across packages, including the standard library,
// with analysis facts: through functions, methods, function literals
// and functions held in package variables that nothing assigns, and
// through functions passed as values (a function passed on is taken to
// be called). A finding in such a called function is reported at the
// call in the workflow, with the call chain:
//
//	DG001: Transfer calls helper.Pick, which calls time.Now: time.Now
//	returns a different value on resume; use durable.Now(ctx), or make
//	helper.Pick a step
//
// # Helpers that make checkpoints
//
// A function or method of the workflow's own package whose first
// parameter is a durable.Context, that is neither a step nor a workflow,
// and that makes checkpoints (steps, durable.Sleep, SleepUntil, Await,
// AwaitTimeout, Now, Do, SideEffect, All, Select, Compensate, child
// workflows, or calls of other such helpers), directly or through other
// helpers, is compiled by durablegen into a frame nested in its caller's:
// it is workflow code. Every such helper that a workflow of the package
// reaches is checked with all the rules of a workflow body, its own
// durable.Context parameter standing for the workflow context (its
// parameters count as locals, so one that cannot be saved and is live
// across a checkpoint is DG012). Its findings are reported once, at their
// place in the helper, not at the calls; a //durable:ignore there
// silences them. In its caller, a call of a helper is a checkpoint: the
// caller's locals live across it are saved while the helper runs (DG012,
// DG013), a map loop that calls it makes checkpoints in random order
// (DG009), a dropped error is DG016, and naming it as a value is DG016.
//
// A function that takes a durable.Context but makes no checkpoint is not
// compiled, nor is a function of another package unless durablegen
// compiled it there (an exported helper of a package it generates):
// passing the workflow context to either is
// DG016, unless the function is of the package and uses its context only
// as an argument of package durable's functions (durable.IdempotencyKey)
// or as the first argument of another such function, directly or
// transitively: durablegen calls it as ordinary code, and the analyzer
// checks its body as a function the workflow calls. What durablegen refuses in helpers is reported as DG014, in its
// words: a recursive helper, a generic helper or a method of a generic
// type, and a helper method called on anything but the
// receiver of the workflow or helper calling it. A helper that no
// workflow of its package reaches is not checked as workflow code.
//
// Each diagnostic has its rule ID as Category and at the start of its
// message:
//
//	DG001  time.Now, time.Since, time.Until (fix: durable.Now)
//	DG002  time.Sleep, After, Tick, NewTimer, NewTicker, AfterFunc,
//	       context.WithTimeout/WithDeadline (fix: durable.Sleep)
//	DG003  math/rand and math/rand/v2 globals, crypto/rand, UUID
//	       constructors, clock-seeded sources (fix: durable.Random,
//	       durable.UUID)
//	DG004  environment: os.Getenv, Hostname, Getpid, Args, runtime.NumCPU...
//	DG005  I/O: os files, net, net/http clients, database/sql, os/exec,
//	       printing to stdout or stderr, io.ReadAll on those
//	DG006  go statements
//	DG007  channel make, send, receive, close, range; select
//	DG008  sync and sync/atomic values, errgroup
//	DG009  range over a map (or maps.Keys...) whose body depends on the
//	       order: a step, an append, output, a last-wins assignment
//	       (fix: range over slices.Sorted(maps.Keys(m)))
//	DG011  writes to package variables and receiver fields (also by a
//	       method called on the receiver); reads of package variables
//	       that are assigned at run time
//	DG012  a local live across a checkpoint whose type cannot be saved:
//	       chan, unsafe.Pointer, sync types, *os.File, database handles,
//	       net.Conn, context.Context, interfaces, structs with unexported
//	       fields and no marshaler, and function variables durablegen
//	       cannot rebuild (see below)
//	DG013  sharing between stored variables that the frame does not
//	       keep, when the memory shared is written through (see below)
//	DG014  what durablegen refuses in helpers that make checkpoints
//	DG015  workflow or step signatures the runtime cannot call or save
//	DG016  misuse: a dropped step or helper error, the workflow context
//	       stored, captured by a closure or passed to a function that is
//	       not compiled with the workflow, a step or helper called
//	       through a function value, durable.Background
//	DG017  pointer identity: %p, reflect.Value.Pointer,
//	       uintptr(unsafe.Pointer(p))
//
// DG010 names the guard of DG009 (loops whose effect does not depend on
// the order — sums, counts, minimum and maximum, copies into another map,
// keys collected and then sorted — are never reported); DG014, the
// constructs the compiler cannot lower, belongs to durablegen, which
// reports all of them: the analyzer reports only those of helpers, and
// a directive naming DG014 is never reported as silencing nothing.
//
// A comment //durable:ignore DGxxx reason at the end of a line, or on the
// line above a statement, silences that rule there (without a rule ID,
// every rule); for a compound statement the line above covers its header
// only. A directive without a reason, naming an unknown rule or silencing
// nothing is reported as DG000. In a helper, a directive also stops the
// finding from reaching the workflows that call it.
//
// # State across checkpoints
//
// A function variable of the body live across a checkpoint is rebuilt
// by durablegen when every value assigned to it is a function literal of
// the body that does not use the workflow context, a package-level
// function, nil or another such variable; the variables its literals
// capture are then kept with it (and must be saveable). DG012 reports
// the others, a method value or a function returned by a call, in
// durablegen's words. The variables of a type switch's clauses are
// assigned after its subject, so a checkpoint in the subject does not
// keep them.
//
// DG013 mirrors durablegen's sharing check. The frame keeps a pointer
// variable given the address of a stored variable, of a field path of
// one (no indirection on the way) or of an element of a stored slice or
// array (o := &in.Order, it := &items[i]), and copies from slot to slot
// of slices, maps and pointers whose elements hold no references
// (items := in.Items, b := a, ys := xs[1:3], m2 := m), so those are not
// reported. Other sharing between stored variables is reported when the
// memory is written through, or compared by pointer identity, anywhere
// in the body: a pointer stored in a container ([]*int{&x},
// append(keep, p)), a slice as a map value, a copy out of a map element
// or of a container whose elements hold references, and an argument
// sharing a stored variable's memory passed to a helper that writes
// through its parameter (unless it is the variable, a field or its
// address, which the call gives back to the helper on every resume).
package analyzer
