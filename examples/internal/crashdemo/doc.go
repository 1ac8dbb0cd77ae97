// Package crashdemo runs an example's workflow instance the way the
// examples show durability: in a worker child process (the example's own
// executable, started again) that is killed with SIGKILL after a chosen
// step ran but before its checkpoint committed, and then in a second
// worker that takes the instance over once the dead worker's lease
// expires and resumes it at its last committed checkpoint.
//
// A program calls [WorkerMain] when [IsWorker] says it was started as a
// worker child, and otherwise starts its instance and calls [Run]; after
// the instance ended it prints [PrintHistory] and [PrintEntries] and
// checks, with [Checks], that no checkpoint committed twice and no step
// whose checkpoint committed ran again.
//
// [Clock] is a durable clock that skips ahead to the instance's timer
// while it sleeps, so that workflows that wait days end in seconds.
package crashdemo
