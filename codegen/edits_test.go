package codegen_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/durablegen/durable/codegen"
	"golang.org/x/tools/go/packages"
)

// editBase is the workflow the layout edits start from: two steps, a
// stored total, a receipt and two errors live across a checkpoint (the
// second, err, declared in an if).
const editBase = `package edits

import (
	"context"
	"fmt"
	"strconv"

	"github.com/durablegen/durable"
)

// Order is the input.
type Order struct {
	ID     string
	Amount int
}

//durable:step
func Charge(ctx context.Context, id string, amount int) (string, error) { return id, nil }

//durable:step
func Notify(ctx context.Context, msg string) error { return nil }

//durable:step
func Audit(ctx context.Context, msg string) error { return nil }

var _ = strconv.Itoa

//durable:workflow
func Pay(ctx durable.Context, in Order) (string, error) {
	fee := 2
	total := in.Amount + fee
	receipt, cerr := Charge(ctx, in.ID, total)
	if cerr != nil {
		return "", cerr
	}
	if err := Notify(ctx, receipt); err != nil {
		return "", err
	}
	return fmt.Sprint(receipt, total), nil
}
`

// What an edit does to the instances in flight: the layout stays the
// same; it changes, and the new one resumes them where they stopped; or
// it changes in a way that would strand them (generation fails unless
// the version is bumped).
const (
	same    = "same layout"
	resumed = "resumed"
	refused = "refused"
)

// layoutEdits are edits of editBase and what each does (README "Changing
// a workflow while instances run" lists them).
var layoutEdits = []struct {
	name     string
	old, new string // replaced in editBase; "|" separates several replacements
	want     string
}{
	{"comment", "\tfee := 2\n", "\t// The fee is fixed.\n\tfee := 2\n", same},
	{"code between checkpoints that stores nothing new", "\treturn fmt.Sprint(receipt, total), nil", "\tmsg := fmt.Sprint(receipt, total)\n\treturn msg, nil", same},
	{"a variable live across no checkpoint, named like a stored one", "\tfee := 2\n", "\tlimit, err := strconv.Atoi(\"5\")\n\tif err != nil {\n\t\treturn \"\", err\n\t}\n\tfee := 2 + limit - 5\n", same},
	{"two independent declarations swapped", "\tfee := 2\n\ttotal := in.Amount + fee\n", "\ttotal := in.Amount + 2\n\tfee := 2\n\t_ = fee\n", same},
	{"a stored variable renamed", "receipt", "rcpt", refused},
	{"a stored variable's type changed", "\ttotal := in.Amount + fee\n\treceipt, cerr := Charge(ctx, in.ID, total)", "\ttotal := int64(in.Amount + fee)\n\treceipt, cerr := Charge(ctx, in.ID, int(total))", refused},
	{"a checkpoint of a new step added at the end", "\treturn fmt.Sprint(receipt, total), nil", "\tif err := Audit(ctx, receipt); err != nil {\n\t\treturn \"\", err\n\t}\n\treturn fmt.Sprint(receipt, total), nil", resumed},
	{"a checkpoint of a new step added in the middle", "\tif err := Notify", "\t_ = Audit(ctx, receipt)\n\tif err := Notify", resumed},
	{"a checkpoint wrapped in an if", "\tif err := Notify(ctx, receipt); err != nil {\n\t\treturn \"\", err\n\t}\n", "\tif total > 0 {\n\t\tif err := Notify(ctx, receipt); err != nil {\n\t\t\treturn \"\", err\n\t\t}\n\t}\n", resumed},
	{"a new variable set before a checkpoint and read after it", "\tfee := 2\n|\treturn fmt.Sprint(receipt, total), nil", "\tfee := 2\n\textra := in.ID + \"!\"\n|\treturn fmt.Sprint(receipt, total, extra), nil", refused},
	{"a second call of a step the workflow has", "\tif err := Notify", "\t_ = Notify(ctx, \"first\")\n\tif err := Notify", refused},
	{"a loop around a checkpoint", "\tif err := Notify(ctx, receipt); err != nil {\n\t\treturn \"\", err\n\t}\n", "\tfor i := 0; i < 1; i++ {\n\t\tif err := Notify(ctx, receipt); err != nil {\n\t\t\treturn \"\", err\n\t\t}\n\t}\n", refused},
	{"a step renamed", "Notify(ctx, receipt)", "Audit(ctx, receipt)", refused},
	{"a field added to a stored type", "\tAmount int\n}", "\tAmount int\n\tNote   string\n}", refused},
}

// TestLayoutEdits generates editBase and each edit of it, and checks
// which edits keep the layout (the fingerprint instances are stored
// under) and which change it.
func TestLayoutEdits(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "codegen", "testdata", fmt.Sprintf("edits-%d", os.Getpid()))
	t.Cleanup(func() { os.RemoveAll(dir) })
	srcs := map[string]string{"base": editBase}
	for _, e := range layoutEdits {
		src := editBase
		olds, news := strings.Split(e.old, "|"), strings.Split(e.new, "|")
		for i := range olds {
			if !strings.Contains(src, olds[i]) {
				t.Fatalf("edit %q: %q is not in the base workflow", e.name, olds[i])
			}
			src = strings.ReplaceAll(src, olds[i], news[i])
		}
		srcs[e.name] = src
	}
	var patterns []string
	pkgOf := map[string]string{}
	i := 0
	for name, src := range srcs {
		pkg := fmt.Sprintf("e%02d", i)
		i++
		pkgOf[name] = pkg
		if err := os.MkdirAll(filepath.Join(dir, pkg), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, pkg, "pay.go"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		patterns = append(patterns, "./"+filepath.ToSlash(filepath.Join("codegen", "testdata", filepath.Base(dir), pkg)))
	}
	pkgs, err := codegen.Load(root, patterns...)
	if err != nil {
		t.Fatal(err)
	}
	layouts := map[string]codegen.Layout{}
	for _, p := range pkgs {
		files, err := codegen.Generate([]*packages.Package{p})
		if err != nil {
			t.Fatalf("Generate(%s) = %v", p.PkgPath, err)
		}
		for _, f := range files {
			for _, lay := range f.Workflows {
				layouts[filepath.Base(filepath.Dir(p.GoFiles[0]))] = lay
			}
		}
	}
	base := layouts[pkgOf["base"]]
	for _, e := range layoutEdits {
		lay := layouts[pkgOf[e.name]]
		if lay.Fingerprint == "" {
			t.Errorf("edit %q: no layout generated", e.name)
			continue
		}
		next, _, diags := codegen.NewLock([]codegen.Layout{base}).Update([]codegen.Layout{lay})
		got := refused
		switch {
		case len(diags) > 0:
		case lay.Fingerprint == base.Fingerprint:
			got = same
		case len(next.Entries) == 1 && len(next.Entries[0].Resumed) == 1 && next.Entries[0].Resumed[0].Fingerprint == base.Fingerprint:
			got = resumed
		default:
			got = "changed without resuming the old layout"
		}
		if got != e.want {
			t.Errorf("edit %q: %s, want %s %v", e.name, got, e.want, diags)
		}
	}
}
