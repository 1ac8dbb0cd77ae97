package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/encrypt"
	"github.com/durablegen/durable/runtime/postgres"
	"github.com/durablegen/durable/runtime/sqlite"
)

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1 // the operation failed
	exitUsage = 2 // the command line is wrong
)

// usageError is a command line the CLI cannot run; it exits with status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// store is what the commands need of a store.
type store interface {
	runtime.Store
	runtime.Admin
}

// env is what a command runs with. Commands parse their arguments
// first, then call open: a usage error needs no store.
type env struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer

	cmd          *command
	spec, schema string // the store as given

	store  store
	where  string // the store, as the user named it, for messages
	client *runtime.Client
	close  func()
}

// open opens the store.
func (e *env) open() error {
	s, where, closeFn, err := openStore(e.ctx, e.spec, e.schema)
	if err != nil {
		return err
	}
	if keys := os.Getenv("DURABLE_KEYS"); keys != "" {
		// A store written through runtime/encrypt: open what it sealed, and
		// seal what the commands write.
		ring, err := encrypt.ParseKeyring(keys)
		if err != nil {
			closeFn()
			return fmt.Errorf("$DURABLE_KEYS: %w", err)
		}
		sealed, err := encrypt.Wrap(s, ring)
		if err != nil {
			closeFn()
			return fmt.Errorf("$DURABLE_KEYS: %w", err)
		}
		s, where = sealed, where+" (encrypted)"
	}
	e.store, e.where, e.close = s, where, closeFn
	e.client = runtime.NewClient(s)
	return nil
}

// openID parses a command's flags and its one argument, an instance ID,
// then opens the store.
func (e *env) openID(fs *flag.FlagSet, args []string) (string, error) {
	rest, err := parseFlags(fs, args)
	if err != nil {
		return "", err
	}
	if err := wantArgs(rest, 1, "an instance ID"); err != nil {
		return "", err
	}
	return rest[0], e.open()
}

// command is one subcommand.
type command struct {
	name  string
	args  string // usage of the arguments
	brief string
	run   func(e *env, args []string) error
}

var commands = []command{
	{"list", "[-status S,...] [-workflow NAME] [-prefix P] [-since T] [-until T] [-limit N] [-page TOKEN] [-desc] [-json]",
		"list instances, oldest first", runList},
	{"show", "ID [-json]", "show an instance: status, lease, timer, error and its variables", runShow},
	{"history", "ID [-json]", "print the events of an instance, oldest first", runHistory},
	{"signal", "ID NAME JSON|-", "send signal NAME with a JSON payload (- reads it from stdin)", runSignal},
	{"cancel", "ID [-reason TEXT] [-compensate]", "cancel an instance in progress (-compensate: after its compensations)", runCancel},
	{"retry", "ID [-reason TEXT] [-force]", "resume a failed instance from its last checkpoint", runRetry},
	{"runs", "ID [-json]", "list the runs of an instance that continued as new", runRuns},
	{"gc", "-finished-before AGE|TIME [-batch N]", "delete finished instances, with their history, signals and runs", runGC},
	{"ui", "[-addr HOST:PORT] [-public] [-src DIR,...] [-read-only] [-disable signal,cancel,retry] [-prefix PATH]",
		"serve the web inspector (default http://127.0.0.1:8080/)", runUI},
}

func findCommand(name string) *command {
	for i := range commands {
		if commands[i].name == name {
			return &commands[i]
		}
	}
	return nil
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: durable [-store sqlite:PATH | postgres:DSN] [-schema NAME] <command> [flags] [arguments]")
	fmt.Fprintln(w, "\nThe store defaults to $DURABLE_STORE, else ./durable.db (SQLite). For a store written\nthrough runtime/encrypt, set $DURABLE_KEYS to the workers' keyring (id:secret,...).\n\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %s\n           %s\n", c.name, c.args, c.brief)
	}
	fmt.Fprintln(w, "\nRun durable <command> -h for its flags. Exit status: 0 ok, 1 failed, 2 usage.")
}

// run is the CLI: it returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("durable", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	storeFlag := fs.String("store", "", "")
	schema := fs.String("schema", postgres.DefaultSchema, "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(stdout)
			return exitOK
		}
		fmt.Fprintf(stderr, "durable: %v\n", err)
		usage(stderr)
		return exitUsage
	}
	if fs.NArg() == 0 {
		usage(stderr)
		return exitUsage
	}
	name := fs.Arg(0)
	if name == "help" {
		usage(stdout)
		return exitOK
	}
	cmd := findCommand(name)
	if cmd == nil {
		fmt.Fprintf(stderr, "durable: unknown command %q\n", name)
		usage(stderr)
		return exitUsage
	}
	spec := *storeFlag
	if spec == "" {
		spec = os.Getenv("DURABLE_STORE")
	}
	if spec == "" {
		spec = "durable.db"
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	e := &env{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr, cmd: cmd, spec: spec, schema: *schema}
	err := cmd.run(e, fs.Args()[1:])
	if e.close != nil {
		e.close()
	}
	var uerr *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &uerr):
		fmt.Fprintf(stderr, "durable %s: %v\nusage: durable %s %s\n", name, err, name, cmd.args)
		return exitUsage
	default:
		fmt.Fprintf(stderr, "durable %s: %v\n", name, err)
		return exitError
	}
}

// openStore opens the store named by spec and returns it with a
// description for messages and a function that closes it.
func openStore(ctx context.Context, spec, schema string) (store, string, func(), error) {
	kind, target := parseStore(spec)
	const hint = "pass -store sqlite:PATH or -store postgres:DSN, or set DURABLE_STORE"
	switch kind {
	case "sqlite":
		if target == "" {
			return nil, "", nil, usagef("-store %q names no file; %s", spec, hint)
		}
		if _, err := os.Stat(target); err != nil {
			return nil, "", nil, fmt.Errorf("no SQLite store at %s (%v); %s", target, errors.Unwrap(err), hint)
		}
		s, err := sqlite.Open(target)
		if err != nil {
			return nil, "", nil, fmt.Errorf("open %s: %w", spec, err)
		}
		return s, "sqlite:" + target, func() { s.Close() }, nil
	case "postgres":
		if err := schemaExists(ctx, target, schema); err != nil {
			return nil, "", nil, err
		}
		s, err := postgres.New(ctx, postgres.Config{DSN: target, Schema: schema, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			return nil, "", nil, fmt.Errorf("open postgres store (schema %s): %w", schema, err)
		}
		return s, "postgres schema " + schema, s.Close, nil
	default:
		return nil, "", nil, usagef("-store %q: unknown kind %q; %s", spec, kind, hint)
	}
}

// parseStore splits a -store value into its kind and target.
func parseStore(spec string) (kind, target string) {
	switch {
	case strings.HasPrefix(spec, "postgres://"), strings.HasPrefix(spec, "postgresql://"):
		return "postgres", spec
	case strings.HasPrefix(spec, "postgres:"):
		return "postgres", strings.TrimPrefix(spec, "postgres:")
	case strings.HasPrefix(spec, "sqlite:"):
		return "sqlite", strings.TrimPrefix(spec, "sqlite:")
	}
	if k, _, ok := strings.Cut(spec, ":"); ok && len(k) > 1 && !strings.ContainsAny(k, `/\.`) {
		return k, spec // "mysql:..." and the like; a Windows drive letter is a path
	}
	return "sqlite", spec
}

// schemaExists checks that the PostgreSQL database at dsn has schema, so
// that a mistyped schema is reported rather than created empty.
func schemaExists(ctx context.Context, dsn, schema string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("connect to postgres: %w (check the DSN given with -store or DURABLE_STORE)", err)
	}
	defer conn.Close(ctx)
	var ok bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = $1)`, schema).Scan(&ok); err != nil {
		return fmt.Errorf("postgres: look up schema %s: %w", schema, err)
	}
	if !ok {
		return fmt.Errorf("no durable store in schema %q of that database: pass -schema NAME (the Schema of the workers' postgres.Config)", schema)
	}
	return nil
}

// parseFlags parses args with fs, allowing flags after the positional
// arguments, and returns the positional ones.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usagef("%v", err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// newFlags returns the flag set of command name; -h prints its usage.
func (e *env) newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stdout)
	fs.Usage = func() {
		fmt.Fprintf(e.stdout, "usage: durable %s %s\n  %s\n", name, e.cmd.args, e.cmd.brief)
		fs.PrintDefaults()
	}
	return fs
}

// wantArgs requires exactly n positional arguments.
func wantArgs(args []string, n int, what string) error {
	if len(args) != n {
		return usagef("want %s, got %d argument(s)", what, len(args))
	}
	return nil
}

// notFound turns ErrNotFound into a message saying where to look.
func (e *env) notFound(id string, err error) error {
	if errors.Is(err, runtime.ErrNotFound) {
		return fmt.Errorf("no instance %q in %s; find it with: durable list -prefix %s", id, e.where, shellQuote(prefixOf(id)))
	}
	return err
}

// prefixOf returns a short prefix of id to search by.
func prefixOf(id string) string {
	if len(id) > 3 {
		return id[:3]
	}
	return id
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '-' || r == '_' || r == '.' || r == '/' || r == ':' || r == '@' ||
			'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
