package main

import (
	"context"
	"flag"
	"os"
	"strings"
	"testing"
)

var (
	long     = flag.Bool("chaos.long", false, "run the long profile of every scenario (an hour or more)")
	only     = flag.String("chaos.scenario", "all", "scenario to run: a name, its first part, or all")
	testSeed = flag.Uint64("chaos.seed", 1, "seed of the nemesis and the workload")
)

// TestScenarios runs every scenario in the short profile (the long one
// with -chaos.long) and fails on a failure that is not a known defect
// (see knownDefects).
func TestScenarios(t *testing.T) {
	if testing.Short() || os.Getenv("DURABLE_CHAOS") == "" {
		t.Skip("runs worker processes under faults for about five minutes, longer than go test's per-package limit on a loaded machine; run it with DURABLE_CHAOS=1 go test -timeout 30m ./chaos (.ci/run does; PostgreSQL scenarios need DURABLE_POSTGRES_DSN)")
	}
	chosen := selectScenarios(*only)
	if len(chosen) == 0 {
		t.Fatalf("no scenario %q", *only)
	}
	cfg := runConfig{seed: *testSeed, long: *long, dir: t.TempDir()}
	var err error
	if cfg.worker, err = buildWorker(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	if cfg.self, err = buildHarness(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	var known strings.Builder
	printKnown(&known)
	t.Log("\n" + known.String())
	for _, sc := range chosen {
		t.Run(sc.name, func(t *testing.T) {
			r := runScenario(context.Background(), cfg, sc)
			var out strings.Builder
			r.print(&out, true)
			t.Log("\n" + out.String())
			switch {
			case r.err != nil && strings.Contains(r.err.Error(), errSkip.Error()):
				t.Skip(r.err)
			case r.failed():
				t.Errorf("%s failed (seed %d); rerun it with go run ./chaos -scenario %s -seed %d -v", sc.name, cfg.seed, sc.name, cfg.seed)
			}
		})
	}
}
