package env

import (
	"context"
	"os"
	"os/user"
	"runtime"

	"github.com/durablegen/durable"
)

//durable:workflow
func Config(ctx durable.Context, in string) (string, error) { // want Config:"workflow"
	region := os.Getenv("REGION")  // want `DG004: os.Getenv in workflow code reads the process environment`
	_, ok := os.LookupEnv("DEBUG") // want `DG004: os.LookupEnv`
	host, _ := os.Hostname()       // want `DG004: os.Hostname`
	args := os.Args                // want `DG004: os.Args`
	n := runtime.NumCPU()          // want `DG004: runtime.NumCPU`
	u, _ := user.Current()         // want `DG004: user.Current`
	wd, _ := os.Getwd()            // want `DG004: os.Getwd`
	_, _, _, _, _, _ = ok, host, args, n, u, wd
	return region, nil
}

//durable:step
func Region(ctx context.Context) (string, error) { // want Region:"step"
	return os.Getenv("REGION"), nil
}

//durable:workflow
func FromStep(ctx durable.Context, in string) (string, error) { // want FromStep:"workflow"
	return Region(ctx)
}
