// Command durablegen compiles //durable:workflow functions into resumable
// state machines, writing <file>_durable.go next to each source file.
//
// Usage:
//
//	durablegen [-check] [packages]
//
// With no packages it compiles the package in the current directory, as
// `//go:generate go run github.com/durablegen/durable/cmd/durablegen`
// does. With -check it writes nothing and exits with status 1 if a
// generated file is missing, stale, or left over from a removed workflow.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/durablegen/durable/codegen"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("durablegen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	check := fs.Bool("check", false, "report missing or stale generated files instead of writing them")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: durablegen [-check] [packages]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
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
	want := map[string]bool{}
	status := 0
	for _, f := range files {
		want[f.Path] = true
		old, err := os.ReadFile(f.Path)
		if err == nil && bytes.Equal(old, f.Content) {
			continue
		}
		if *check {
			what := "stale"
			if err != nil {
				what = "missing"
			}
			fmt.Fprintf(stderr, "%s: %s; run go generate\n", relative(f.Path), what)
			status = 1
			continue
		}
		if err := os.WriteFile(f.Path, f.Content, 0o644); err != nil {
			fmt.Fprintf(stderr, "durablegen: %v\n", err)
			return 1
		}
	}
	// Generated files whose workflows are gone.
	for _, p := range pkgs {
		for _, g := range p.GoFiles {
			if want[g] || filepath.Ext(g) != ".go" || !codegen.IsGenerated(g) {
				continue
			}
			if *check {
				fmt.Fprintf(stderr, "%s: no workflow left in its source; run go generate\n", relative(g))
				status = 1
				continue
			}
			if err := os.Remove(g); err != nil {
				fmt.Fprintf(stderr, "durablegen: %v\n", err)
				return 1
			}
		}
	}
	return status
}

// relative shortens paths under the working directory.
func relative(s string) string {
	wd, err := os.Getwd()
	if err != nil {
		return s
	}
	return strings.TrimPrefix(s, wd+string(filepath.Separator))
}
