package codegen_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/durablegen/durable/codegen"
)

// BenchmarkGenerate200 times Load and Generate of one package of 200
// workflows (loops, a switch, a durable sleep, three kinds of steps), as
// durablegen runs them; writing the files is not timed. The package is
// written under testdata for the run and removed after it.
func BenchmarkGenerate200(b *testing.B) {
	dir := filepath.Join("testdata", fmt.Sprintf("bench200-%d", os.Getpid()))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.WriteFile(filepath.Join(dir, "steps.go"), []byte(benchSteps), 0o644); err != nil {
		b.Fatal(err)
	}
	for f := 0; f < 200; f += 20 {
		var src strings.Builder
		src.WriteString("package bench200\n\nimport (\n\t\"fmt\"\n\t\"time\"\n\n\t\"github.com/durablegen/durable\"\n)\n")
		for i := f; i < f+20; i++ {
			fmt.Fprintf(&src, benchWorkflow, i)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("orders%03d.go", f)), []byte(src.String()), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	var lines int
	for b.Loop() {
		pkgs, err := codegen.Load("", "./"+dir)
		if err != nil {
			b.Fatal(err)
		}
		files, err := codegen.Generate(pkgs)
		if err != nil {
			b.Fatalf("Generate(%s) = %v", dir, err)
		}
		lines = 0
		for _, f := range files {
			lines += strings.Count(string(f.Content), "\n")
		}
	}
	b.ReportMetric(float64(lines), "lines")
}

const benchSteps = `package bench200

import "context"

type Order struct {
	ID    string
	Items []int
}

type Receipt struct {
	ID      string
	Charged int
	Notes   []string
}

//durable:step retries=3 backoff=100ms..1s
func Price(ctx context.Context, item int) (int, error) { return item * 3, nil }

//durable:step
func Charge(ctx context.Context, id string, cents int) (string, error) { return id + "-charged", nil }

//durable:step
func Notify(ctx context.Context, msg string) error { return nil }
`

const benchWorkflow = `
//durable:workflow
func Order%[1]d(ctx durable.Context, in Order) (Receipt, error) {
	r := Receipt{ID: in.ID}
	total := 0
	for i, item := range in.Items {
		p, err := Price(ctx, item+%[1]d)
		if err != nil {
			return r, err
		}
		if p > 100 {
			r.Notes = append(r.Notes, fmt.Sprintf("item %%d is expensive", i))
		}
		total += p
	}
	switch {
	case total > 1000:
		if err := durable.Sleep(ctx, time.Hour); err != nil {
			return r, err
		}
	case total == 0:
		return r, nil
	}
	ref, err := Charge(ctx, in.ID, total)
	if err != nil {
		return r, err
	}
	r.Charged = total
	if err := Notify(ctx, ref); err != nil {
		return r, err
	}
	return r, nil
}
`
