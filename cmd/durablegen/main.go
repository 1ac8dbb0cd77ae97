// Command durablegen compiles //durable:workflow functions into resumable
// state machines, writing <file>_durable.go next to each source file and
// the checkpoint layout of every workflow version to durable.lock in the
// package directory.
//
// Usage:
//
//	durablegen [-check | -accept] [packages]
//
// With no packages it compiles the package in the current directory, as
// `//go:generate go run github.com/durablegen/durable/cmd/durablegen`
// does.
//
// The lock file records, per workflow and version (the directive's
// version=N, 1 by default), the layout that instances of that version were
// started with. Generating fails, writing nothing, when a workflow's layout
// differs from the one recorded for its version: instances already started
// would never resume. Bump the version (a new version adds an entry; old
// entries stay as history) or, when no instance of the old layout is in
// flight, run with -accept, which records exactly the current layouts.
//
// With -check it writes nothing and exits with status 1 if a generated
// file is missing, stale, or left over from a removed workflow, or if a
// lock file is missing, stale, or disagrees with a workflow's layout.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strings"

	"golang.org/x/tools/go/packages"

	"github.com/durablegen/durable/codegen"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("durablegen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	check := fs.Bool("check", false, "report missing or stale generated files and lock files instead of writing them")
	accept := fs.Bool("accept", false, "record the current checkpoint layouts in "+codegen.LockFile+", replacing changed ones and dropping versions no code declares;\nonly when no instance started with a replaced or dropped layout is in flight")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of this run to `file`")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: durablegen [-check | -accept] [packages]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *check && *accept {
		fmt.Fprintln(stderr, "durablegen: -check and -accept cannot be used together")
		return 2
	}
	if *cpuprofile != "" {
		stop, err := startProfile(*cpuprofile)
		if err != nil {
			fmt.Fprintf(stderr, "durablegen: %v\n", err)
			return 1
		}
		defer stop()
	}
	patterns := fs.Args()
	if len(patterns) == 0 {
		patterns = []string{"."}
	}
	pkgs, err := codegen.Load("", patterns...)
	if err != nil {
		fmt.Fprintf(stderr, "durablegen: %v\n", err)
		return 1
	}
	files, err := codegen.Generate(pkgs)
	if err != nil {
		var cerr *codegen.Error
		if errors.As(err, &cerr) {
			for _, d := range cerr.Diagnostics {
				fmt.Fprintln(stderr, relative(d.String()))
			}
			return 1
		}
		fmt.Fprintf(stderr, "durablegen: %v\n", err)
		return 1
	}
	locks, resumes, problems := planLocks(pkgs, files, *accept)
	files = append(files, resumes...)
	if *check {
		return checkAll(pkgs, files, locks, problems, stderr)
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(stderr, p)
		}
		return 1
	}
	if err := writeAll(pkgs, files, locks, stdout); err != nil {
		fmt.Fprintf(stderr, "durablegen: %v\n", err)
		return 1
	}
	return 0
}

// checkAll reports every generated file and lock file that go generate
// would change, and every layout that changed under a recorded version.
func checkAll(pkgs []*packages.Package, files []codegen.File, locks []lockPlan, problems []string, stderr io.Writer) int {
	status := 0
	for _, f := range files {
		old, err := os.ReadFile(f.Path)
		if err == nil && bytes.Equal(old, f.Content) {
			continue
		}
		what := "stale"
		if err != nil {
			what = "missing"
		}
		fmt.Fprintf(stderr, "%s: %s; run go generate\n", relative(f.Path), what)
		status = 1
	}
	for _, g := range orphans(pkgs, files) {
		fmt.Fprintf(stderr, "%s: no workflow left in its source; run go generate\n", relative(g))
		status = 1
	}
	for _, p := range problems {
		fmt.Fprintln(stderr, p)
		status = 1
	}
	for _, l := range locks {
		if !l.changed() {
			continue
		}
		what := "stale: it does not record the workflows as go generate would"
		if l.old == nil {
			what = "missing"
		}
		fmt.Fprintf(stderr, "%s: %s; run go generate and commit it\n", relative(l.path), what)
		status = 1
	}
	return status
}

// writeAll writes the generated files and lock files, and removes
// generated files whose workflows are gone.
func writeAll(pkgs []*packages.Package, files []codegen.File, locks []lockPlan, stdout io.Writer) error {
	for _, f := range files {
		if old, err := os.ReadFile(f.Path); err == nil && bytes.Equal(old, f.Content) {
			continue
		}
		if err := os.WriteFile(f.Path, f.Content, 0o644); err != nil {
			return err
		}
	}
	for _, g := range orphans(pkgs, files) {
		if err := os.Remove(g); err != nil {
			return err
		}
	}
	for _, l := range locks {
		for _, n := range l.notes {
			fmt.Fprintf(stdout, "%s: %s\n", relative(l.path), n)
		}
		if !l.changed() {
			continue
		}
		if l.content == nil {
			if err := os.Remove(l.path); err != nil {
				return err
			}
			continue
		}
		if err := os.WriteFile(l.path, l.content, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// orphans returns the generated files of pkgs whose workflows are gone.
func orphans(pkgs []*packages.Package, files []codegen.File) []string {
	want := map[string]bool{}
	for _, f := range files {
		want[f.Path] = true
	}
	var out []string
	for _, p := range pkgs {
		for _, g := range p.GoFiles {
			if !want[g] && filepath.Ext(g) == ".go" && codegen.IsGenerated(g) {
				out = append(out, g)
			}
		}
	}
	return out
}

// lockPlan is what becomes of one package's lock file.
type lockPlan struct {
	path    string
	old     []byte   // nil when the file does not exist
	content []byte   // nil: the file is removed (or stays absent)
	notes   []string // what -accept changed, or entries Update upgraded
}

func (l lockPlan) changed() bool {
	return !bytes.Equal(l.old, l.content) || (l.old == nil) != (l.content == nil)
}

// planLocks computes the lock file of every package directory that has
// workflows or a lock, and the files that give the workflows the states
// of the earlier layouts their lock says they resume. problems are lock
// files that cannot be read and workflows whose layout changed under a
// recorded version in a way that strands its instances.
func planLocks(pkgs []*packages.Package, files []codegen.File, accept bool) ([]lockPlan, []codegen.File, []string) {
	pkgName := map[string]string{}
	for _, p := range pkgs {
		if len(p.GoFiles) > 0 {
			pkgName[filepath.Dir(p.GoFiles[0])] = p.Name
		}
	}
	var resumes []codegen.File
	layouts := map[string][]codegen.Layout{}
	for _, f := range files {
		dir := filepath.Dir(f.Path)
		layouts[dir] = append(layouts[dir], f.Workflows...)
	}
	dirs := map[string]bool{}
	for dir := range layouts {
		dirs[dir] = true
	}
	for _, p := range pkgs {
		if len(p.GoFiles) > 0 {
			dirs[filepath.Dir(p.GoFiles[0])] = true
		}
	}
	sorted := make([]string, 0, len(dirs))
	for dir := range dirs {
		sorted = append(sorted, dir)
	}
	sort.Strings(sorted)

	var plans []lockPlan
	var problems []string
	for _, dir := range sorted {
		path := filepath.Join(dir, codegen.LockFile)
		plan := lockPlan{path: path}
		data, err := os.ReadFile(path)
		switch {
		case err == nil:
			plan.old = data
		case !errors.Is(err, os.ErrNotExist):
			problems = append(problems, fmt.Sprintf("durablegen: %v", err))
			continue
		case len(layouts[dir]) == 0:
			continue
		}
		var old *codegen.Lock
		if plan.old != nil {
			old, err = codegen.ParseLock(relative(path), plan.old)
			if err != nil && !accept {
				problems = append(problems, fmt.Sprintf("%v\n\trestore it from version control, or run durablegen -accept to record the current layouts", err))
				continue
			}
			if err != nil {
				plan.notes = append(plan.notes, "unreadable; replaced")
			}
		}
		var next *codegen.Lock
		if accept {
			var notes []string
			next, notes = old.Accept(layouts[dir])
			plan.notes = append(plan.notes, notes...)
		} else {
			var diags []codegen.Diagnostic
			var notes []string
			next, notes, diags = old.Update(layouts[dir])
			plan.notes = append(plan.notes, notes...)
			if len(diags) > 0 {
				for _, d := range diags {
					problems = append(problems, relative(d.String()))
				}
				continue
			}
		}
		if len(next.Entries) > 0 {
			plan.content = next.Format()
		}
		if f := codegen.ResumesFile(dir, pkgName[dir], next); f != nil {
			resumes = append(resumes, *f)
		}
		plans = append(plans, plan)
	}
	return plans, resumes, problems
}

// startProfile starts a CPU profile written to path; stop ends it.
func startProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// relative shortens paths under the working directory.
func relative(s string) string {
	wd, err := os.Getwd()
	if err != nil {
		return s
	}
	return strings.ReplaceAll(s, wd+string(filepath.Separator), "")
}
