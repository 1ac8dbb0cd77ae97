package fuzzgen

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"maps"
	"os"
	"os/signal"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var (
	flagN       = flag.Int("fuzzgen.n", 200, "number of random workflows TestDifferential runs")
	flagPer     = flag.Int("fuzzgen.per", 100, "workflows per generated package (one package per seed)")
	flagSeed    = flag.Uint64("fuzzgen.seed", 1, "seed of the first package; the others use the following seeds")
	flagOnly    = flag.String("fuzzgen.only", "", "comma-separated workflow names (Wf012) to keep, to reproduce a failure")
	flagKeep    = flag.Bool("fuzzgen.keep", false, "keep the generated packages under testdata/run-<seed>-<pid>")
	flagEnable  = flag.String("fuzzgen.enable", "", "comma-separated grammar features to turn on (those disabled for known bugs)")
	flagDisable = flag.String("fuzzgen.disable", "", "comma-separated grammar features to turn off")
)

// flagConfig returns the run that the flags describe, for n workflows.
func flagConfig(t *testing.T, n int) config {
	t.Helper()
	feat, err := newFeatures(*flagEnable, *flagDisable)
	if err != nil {
		t.Fatal(err)
	}
	per := max(*flagPer, 1)
	cfg := config{per: per, feat: feat, label: fmt.Sprint(*flagSeed), keep: *flagKeep}
	for i := range (n + per - 1) / per {
		cfg.seeds = append(cfg.seeds, *flagSeed+uint64(i))
	}
	if *flagOnly != "" {
		cfg.only = strings.Split(*flagOnly, ",")
	}
	return cfg
}

// TestDifferential runs the fixed seeds: every workflow is compiled,
// built, vetted and run directly and under the crash matrix; any
// difference fails the test with the workflow's source.
func TestDifferential(t *testing.T) {
	n := *flagN
	if testing.Short() {
		n = min(n, *flagPer)
	}
	switch *flagMode {
	case "grow":
	case "mutate":
		runMutationsTest(t, n)
		return
	default:
		t.Fatalf("-fuzzgen.mode=%s: want grow or mutate", *flagMode)
	}
	cfg := flagConfig(t, n)
	tot, fails := runDifferential(t, cfg)
	refused, plain, plainRefused := 0, 0, 0
	kinds := map[string]int{} // refusals by message, names and numbers elided
	for _, p := range cfg.seeds {
		for i := range cfg.per {
			if !usesRich(generate(p, i, cfg.feat)) {
				plain++
			}
		}
	}
	for _, f := range fails {
		if f.stage == "refused" {
			refused++
			kinds[refusalKind(f.output)]++
			if !usesRich(f.wf) {
				// The grammar without rich features was always compiled: a
				// refusal is allowed (it has a position) but worth a look.
				plainRefused++
				t.Logf("fuzzgen: %s of seed %d uses no rich feature and is refused: %s", f.wf.name, f.pkg.seed, f.output)
			}
			if testing.Verbose() {
				t.Logf("fuzzgen: %s of seed %d refused (features %s): %s", f.wf.name, f.pkg.seed, strings.Join(slices.Sorted(maps.Keys(f.wf.features)), " "), f.output)
			}
			continue
		}
		t.Errorf("fuzzgen: %s", describe(f, cfg))
	}
	t.Logf("fuzzgen: %d workflows ran under the crash matrix (%d checkpoints, %d crash runs), %d refused with a position, %d failed; features off: %q",
		tot.workflows, tot.checkpoints, tot.crashRuns, refused, len(fails)-refused, cfg.feat.String())
	for _, k := range slices.Sorted(maps.Keys(kinds)) {
		t.Logf("fuzzgen: refused %d× %s", kinds[k], k)
	}
	if len(cfg.only) == 0 && plainRefused*20 > plain {
		t.Errorf("fuzzgen: %d of %d workflows without rich features refused: more than 5%%, the generator refuses constructs it compiled before", plainRefused, plain)
	}
	compileFails := 0
	for _, f := range fails {
		if f.stage != "test" {
			compileFails++
		}
	}
	// Every seed makes cfg.per programs, also when n is not a multiple of it.
	if want := len(cfg.seeds)*cfg.per - compileFails; len(cfg.only) == 0 && tot.workflows != want {
		t.Errorf("fuzzgen: %d workflows reported by the generated tests, want %d", tot.workflows, want)
	}
}

// FuzzDifferential runs one package of 20 workflows per fuzz input (a
// seed): `go test -run=^$ -fuzz=FuzzDifferential ./internal/fuzzgen`.
// Without -fuzz it runs nothing, so `go test` stays fast.
//
// Each input takes seconds (durablegen, a build, the crash matrix), so it
// runs in a child process, TestDifferential of this test binary, that an
// interrupt kills at once: when fuzzing stops, the worker must exit within
// a second or the input it was running is reported as a crash.
func FuzzDifferential(f *testing.F) {
	f.Fuzz(func(t *testing.T, seed uint64) {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		args := []string{"-test.run=^TestDifferential$", "-test.v", fmt.Sprintf("-fuzzgen.seed=%d", seed),
			"-fuzzgen.n=20", "-fuzzgen.per=20", "-fuzzgen.enable=" + *flagEnable, "-fuzzgen.disable=" + *flagDisable}
		if *flagKeep {
			args = append(args, "-fuzzgen.keep")
		}
		out, pid, err := runChild(ctx, os.Args[0], args...)
		if !*flagKeep && pid != 0 {
			// A killed child leaves its packages behind.
			os.RemoveAll(runDirOf(moduleRoot(t), fmt.Sprint(seed), pid))
		}
		if ctx.Err() != nil {
			t.Skip("interrupted: fuzzing is stopping")
		}
		if err != nil {
			t.Fatalf("fuzzgen seed %d: %v\n%s", seed, err, out)
		}
	})
}

// TestGenerateDeterministic checks that a seed always gives the same
// workflow, so that a printed seed reproduces a failure.
func TestGenerateDeterministic(t *testing.T) {
	feat, err := newFeatures("", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, seed := range []uint64{1, 2, 99} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			for i := range 20 {
				a, b := generate(seed, i, feat), generate(seed, i, feat)
				if !bytes.Equal(a.src, b.src) || a.input != b.input {
					t.Fatalf("generate(%d, %d) differs between two calls:\n%s\n---\n%s", seed, i, a.src, b.src)
				}
			}
		})
	}
}

// refusalKind returns the first line of a refusal's message with its
// position, identifiers with digits and numbers elided, to count refusals
// by kind.
func refusalKind(out string) string {
	line, _, _ := strings.Cut(out, "\n")
	if _, msg, ok := strings.Cut(line, ".go:"); ok {
		if _, rest, ok := strings.Cut(msg, ": "); ok {
			line = rest
		}
	}
	line, _, _ = strings.Cut(line, ", and that memory") // the write varies
	line, _, _ = strings.Cut(line, ": ")                // the advice
	line = regexp.MustCompile(`\[[^]]*\]|\b[\pL_][\pL_]*\d+\b|\b\d+\b`).ReplaceAllString(line, "_")
	if len(line) > 90 {
		line = line[:90] + "…"
	}
	return line
}
