package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/template"
	"time"
)

// genPerFile is how many workflows each generated source file declares.
const genPerFile = 10

var genCommon = `package gen

import "context"

// Order is a workflow input.
type Order struct {
	ID    string
	Items []int
}

// Receipt is a workflow output.
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

var genFile = template.Must(template.New("file").Parse(`package gen

import (
	"fmt"
	"time"

	"github.com/durablegen/durable"
)
{{range .}}
// Order{{.}} prices the items, waits when the total is large, charges and
// notifies.
//
//durable:workflow
func Order{{.}}(ctx durable.Context, in Order) (Receipt, error) {
	r := Receipt{ID: in.ID}
	total := 0
	for i, item := range in.Items {
		p, err := Price(ctx, item+{{.}})
		if err != nil {
			return r, err
		}
		if p > 100 {
			r.Notes = append(r.Notes, fmt.Sprintf("item %d is expensive", i))
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
{{end}}`))

// writeGenPackage writes a package of n workflows into dir.
func writeGenPackage(dir string, n int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "common.go"), []byte(genCommon), 0o644); err != nil {
		return err
	}
	for f := 0; f*genPerFile < n; f++ {
		var ids []int
		for i := f * genPerFile; i < min(n, (f+1)*genPerFile); i++ {
			ids = append(ids, i)
		}
		var b bytes.Buffer
		if err := genFile.Execute(&b, ids); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("orders%02d.go", f)), b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// toolSpeed times durablegen and durablevet, built once, over a package
// of n workflows inside this module. The value is CPU time (user and
// system, the go command's children included), which other processes on
// a shared machine disturb less than wall time.
func toolSpeed(ctx context.Context, e *env, n int) []Row {
	fail := func(err error) []Row {
		return []Row{{Section: "tools", Name: fmt.Sprintf("durablegen, %d workflows", n), System: sysOurs, Skipped: err.Error()}}
	}
	if _, err := os.Stat("go.mod"); err != nil {
		return fail(errors.New("run from the bench directory"))
	}
	pkg := fmt.Sprintf("gentmp%d", os.Getpid())
	if err := writeGenPackage(pkg, n); err != nil {
		return fail(err)
	}
	defer os.RemoveAll(pkg)
	gen, err := e.tool(ctx, "durablegen")
	if err != nil {
		return fail(err)
	}
	vet, err := e.tool(ctx, "durablevet")
	if err != nil {
		return fail(err)
	}
	runs := 5
	if e.quick {
		runs = 1
	}
	name := func(tool string) string { return fmt.Sprintf("%s, %d workflows", tool, n) }
	var rows []Row
	add := func(row Row, r timed, err error) {
		if err != nil {
			row.Skipped = err.Error()
		} else {
			row.Value, row.Unit = r.cpu.median().Seconds(), "s CPU"
			row.Note = fmt.Sprintf("wall %.2f s; %s", r.wall.median().Seconds(), row.Note)
			row.Extra = map[string]float64{"wall_s": r.wall.median().Seconds(), "first_wall_s": r.first.Seconds()}
		}
		rows = append(rows, row)
	}
	r, err := timeCommand(ctx, runs, true, nil, gen, "./"+pkg)
	add(Row{Section: "tools", Name: name("durablegen"), System: sysOurs,
		Note: fmt.Sprintf("goal < 2 s; median of %d runs with the generated files present; the first run, which writes them (%d lines), took %.2f s CPU, %.2f s wall",
			runs, countLines(pkg, "_durable.go"), r.firstCPU.Seconds(), r.first.Seconds())}, r, err)
	r, err = timeCommand(ctx, runs, !e.quick, nil, vet, "./"+pkg)
	add(Row{Section: "tools", Name: name("durablevet standalone"), System: sysOurs,
		Note: fmt.Sprintf("goal < 2 s; median of %d runs; analyzes every dependency from source, facts included", runs)}, r, err)
	touch := func() error {
		f, err := os.OpenFile(filepath.Join(pkg, "common.go"), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = f.WriteString("// edited\n")
		return err
	}
	r, err = timeCommand(ctx, runs, true, touch, "go", "vet", "-vettool="+vet, "./"+pkg)
	add(Row{Section: "tools", Name: name("go vet -vettool=durablevet, package edited"), System: sysOurs,
		Note: fmt.Sprintf("goal < 2 s; median of %d runs after a warm-up; dependencies' results cached by go vet", runs)}, r, err)
	return rows
}

// tool builds cmd/name of the main module into the scratch directory,
// once, and returns the binary's path.
func (e *env) tool(ctx context.Context, name string) (string, error) {
	bin := filepath.Join(e.dir, name)
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	pkg := "github.com/durablegen/durable/cmd/" + name
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
		return "", fmt.Errorf("build %s: %v: %s", pkg, err, firstLine(out))
	}
	return bin, nil
}

// staleWorkflows reports why the benchmark's generated workflows do not
// match the generator, or "" if they do.
func staleWorkflows(ctx context.Context, e *env) string {
	gen, err := e.tool(ctx, "durablegen")
	if err != nil {
		return err.Error()
	}
	if out, err := exec.CommandContext(ctx, gen, "-check", "./workflows").CombinedOutput(); err != nil {
		return fmt.Sprintf("%s (regenerate: go run github.com/durablegen/durable/cmd/durablegen ./workflows)", firstLine(out))
	}
	return ""
}

// timed is the wall and CPU time of a command's runs after the first.
type timed struct {
	first, firstCPU time.Duration
	wall, cpu       latencies
}

// timeCommand runs a command runs times, after a first run to warm up if
// warm is set, calling before (if not nil) ahead of each timed run.
func timeCommand(ctx context.Context, runs int, warm bool, before func() error, name string, args ...string) (timed, error) {
	var t timed
	first := 0
	if !warm {
		first = 1
	}
	for i := first; i < runs+1; i++ {
		if before != nil && i > 0 {
			if err := before(); err != nil {
				return t, err
			}
		}
		cmd := exec.CommandContext(ctx, name, args...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		start := time.Now()
		err := cmd.Run()
		d := time.Since(start)
		if err != nil {
			return t, fmt.Errorf("%s %s: %v: %s", filepath.Base(name), strings.Join(args, " "), err, firstLine(out.Bytes()))
		}
		if i == 0 {
			t.first, t.firstCPU = d, cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime()
			continue
		}
		t.wall = append(t.wall, d)
		t.cpu = append(t.cpu, cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime())
	}
	return t, nil
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	return s
}

// countLines counts the lines of the files in dir whose names end with
// suffix.
func countLines(dir, suffix string) int {
	n := 0
	files, _ := filepath.Glob(filepath.Join(dir, "*"+suffix))
	for _, f := range files {
		if b, err := os.ReadFile(f); err == nil {
			n += bytes.Count(b, []byte("\n"))
		}
	}
	return n
}
