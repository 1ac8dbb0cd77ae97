// Command durable inspects and operates the workflow instances of a
// store: list them, show one with its live variables, print its history,
// signal, cancel or retry it, or serve all of that as web pages (ui).
//
// Usage:
//
//	durable [-store STORE] [-schema NAME] <command> [flags] [arguments]
//
// STORE is sqlite:PATH, a bare PATH (SQLite), or postgres:DSN (a
// postgres:// or postgresql:// URL may be given as is); the default is
// $DURABLE_STORE, else ./durable.db. -schema names the PostgreSQL schema
// of the store (default "durable").
//
// Commands:
//
//	list     [-status S,...] [-workflow NAME] [-prefix P] [-since T] [-until T]
//	         [-limit N] [-page TOKEN] [-desc] [-json]
//	show     ID [-json]          status, workflow, lease, timer, error, variables
//	history  ID [-json]          the checkpoint events, oldest first
//	signal   ID NAME JSON|-      send a signal (JSON payload; - reads stdin)
//	cancel   ID [-reason TEXT] [-compensate]   cancel an instance in progress (-compensate: after its compensations)
//	retry    ID [-reason TEXT] [-force]
//	                             resume a failed instance from its last checkpoint
//	ui       [-addr HOST:PORT] [-public] [-src DIR,...] [-read-only]
//	         [-disable signal,cancel,retry] [-prefix PATH]
//	                             serve the web inspector (package inspector):
//	                             the list, each instance with its source at
//	                             its checkpoint, and the actions above
//
// Flags may follow the arguments. T is an RFC 3339 time or a duration
// before now (24h). Exit status: 0 on success, 1 when the operation
// failed (the message says what to do), 2 for a usage error.
//
// The CLI reads frames, outputs and signal payloads as JSON, the default
// codec: stores written by workers with another codec show them
// undecoded. For a store written through runtime/encrypt, set
// $DURABLE_KEYS to the workers' keyring (encrypt.ParseKeyring's format,
// id:secret,...): the CLI then opens what is sealed and seals what it
// writes (signals, cancel and retry reasons).
//
// The inspector listens on 127.0.0.1:8080 by default and refuses an
// address beyond loopback without -public: it has no login, so expose it
// only behind a proxy that authenticates. It reads the workflows'
// generated code and source under -src (default: the current directory
// when it holds a go.mod) to show where each instance is.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
