package crashdemo

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/durablegen/durable"
)

// Main is the body of an example's main: as a worker child (see
// IsWorker) it runs workflows; otherwise it parses args with parse and
// runs demo, and returns the exit status: 0 when demo's checks passed, 1
// when they failed or demo returned an error (printed with the example's
// name), 2 for bad flags.
func Main[C any](name string, workflows []durable.Definition, args []string, stdout, stderr io.Writer,
	parse func([]string, io.Writer) (C, error), demo func(context.Context, C, io.Writer, io.Writer) (bool, error)) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if IsWorker(args) {
		return WorkerMain(ctx, args, workflows, stdout, stderr)
	}
	cfg, err := parse(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2
	}
	ok, err := demo(ctx, cfg, stdout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	if !ok {
		return 1
	}
	return 0
}
