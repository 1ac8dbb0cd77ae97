package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The seed's bugs, as file:line:col and rule ID.
var seedFindings = []string{
	"transfer.go:36:9: DG003",  // key := uuid.New().String()
	"transfer.go:37:14: DG001", // deadline := time.Now().Add(...)
	"transfer.go:39:2: DG009",  // for acct, cents := range in.Splits { Charge(...) }
}

// TestCommand builds durablevet and runs it the ways users do on a module
// holding the seed's bugs: through go vet, standalone, and with -fix.
func TestCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds durablevet and runs go vet on a module; run without -short to enable")
	}
	root := repoRoot(t)
	bin := filepath.Join(t.TempDir(), "durablevet")
	run(t, root, "go", "build", "-o", bin, "./cmd/durablevet")

	tests := []struct {
		name string
		cmd  []string
		want []string
	}{
		{"go vet", []string{"go", "vet", "-vettool=" + bin, "./..."}, seedFindings},
		{"standalone", []string{bin, "./..."}, seedFindings},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := seedModule(t, root)
			out, err := command(dir, tt.cmd...)
			if err == nil {
				t.Fatalf("%s succeeded, want findings; output:\n%s", strings.Join(tt.cmd, " "), out)
			}
			if got := findings(out, dir); !slices.Equal(got, tt.want) {
				t.Errorf("%s reported %q, want %q; output:\n%s", strings.Join(tt.cmd, " "), got, tt.want, out)
			}
		})
	}

	t.Run("fix", func(t *testing.T) {
		dir := seedModule(t, root)
		if out, err := command(dir, bin, "-fix", "./..."); err != nil {
			t.Fatalf("durablevet -fix: %v\n%s", err, out)
		}
		got, err := os.ReadFile(filepath.Join(dir, "transfer.go"))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join("testdata", "seed", "transfer.go.golden"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("durablevet -fix wrote:\n%s\nwant (testdata/seed/transfer.go.golden):\n%s", got, want)
		}
		run(t, dir, "go", "build", "./...")
		if out, err := command(dir, "go", "vet", "-vettool="+bin, "./..."); err != nil {
			t.Errorf("go vet after -fix: %v\n%s", err, out)
		}
	})
}

// seedModule copies testdata/seed into a new module that uses the
// durable module at root.
func seedModule(t *testing.T, root string) string {
	t.Helper()
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join("testdata", "seed", "transfer.go"))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	mod := "module example.com/seed\n\ngo 1.26\n\nrequire (\n\tgithub.com/durablegen/durable v0.0.0\n\tgithub.com/google/uuid v1.6.0\n)\n\n" +
		"replace github.com/durablegen/durable => " + root + "\n"
	for name, data := range map[string][]byte{"go.mod": []byte(mod), "go.sum": sum, "transfer.go": src} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// findings returns "file:line:col: DGxxx" for each diagnostic in out.
func findings(out, dir string) []string {
	re := regexp.MustCompile(`(?m)^(?:\./)?(\S+\.go:\d+:\d+): (DG\d{3}):`)
	var got []string
	for _, m := range re.FindAllStringSubmatch(strings.ReplaceAll(out, dir+string(filepath.Separator), ""), -1) {
		got = append(got, m[1]+": "+m[2])
	}
	slices.Sort(got)
	return got
}

func command(dir string, args ...string) (string, error) {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod -buildvcs=false", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func run(t *testing.T, dir string, args ...string) {
	t.Helper()
	if out, err := command(dir, args...); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// repoRoot returns the directory of the durable module's go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.HasPrefix(data, []byte("module github.com/durablegen/durable\n")) {
			return dir
		} else if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod of github.com/durablegen/durable above the working directory")
		}
		dir = parent
	}
}
