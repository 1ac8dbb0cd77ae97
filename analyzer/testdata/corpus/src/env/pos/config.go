package pos

import (
	"os"
	"runtime"

	"github.com/durablegen/durable"
)

// Region reads the environment of whichever worker runs it.
//
//durable:workflow
func Region(ctx durable.Context, fallback string) (string, error) {
	if r := os.Getenv("REGION"); r != "" { // finding: DG004
		return r, nil
	}
	return fallback, nil
}

// Parallelism sizes work from the worker's CPUs.
//
//durable:workflow
func Parallelism(ctx durable.Context, n int) (int, error) {
	return min(n, runtime.NumCPU()), nil // finding: DG004
}

// Owner names the host.
//
//durable:workflow
func Owner(ctx durable.Context, id string) (string, error) {
	h, err := os.Hostname() // finding: DG004
	return id + "@" + h, err
}
