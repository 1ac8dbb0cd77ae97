package codegen_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/durablegen/durable/codegen"
)

// shapeSource is a workflow whose input, of type Req, is stored in the
// frame (it is live across the first step); %s declares Req and the types
// it holds.
const shapeSource = `package p

import (
	"context"
	"time"

	"github.com/durablegen/durable"
)

var _ time.Time

%s

//durable:step
func Save(ctx context.Context, r Req) (int, error) { return 0, nil }

//durable:workflow
func W(ctx durable.Context, in Req) (int, error) {
	n, err := Save(ctx, in)
	if err != nil {
		return 0, err
	}
	m, err := Save(ctx, in)
	return n + m, err
}
`

// TestStoredTypeShapes checks that the layout covers the shapes of the
// types stored in the frame: a change that makes old frames decode
// differently changes the fingerprint and is refused with the type and how
// it changed; an unchanged type keeps the fingerprint, recursive ones too.
func TestStoredTypeShapes(t *testing.T) {
	tests := []struct {
		name     string
		old, cur string // declarations of Req and the types it holds
		want     string // the line of the refusal; "" for the same fingerprint
	}{
		{"field rename",
			"type Req struct {\n\tAcct   string\n\tAmount int\n}",
			"type Req struct {\n\tAccount string\n\tAmount  int\n}",
			"type Req (in field in): field Acct renamed/removed, field Account added"},
		{"field type change",
			"type Req struct{ Amount int }",
			"type Req struct{ Amount int64 }",
			"type Req (in field in): field Amount retyped from int to int64"},
		{"tag change",
			"type Req struct {\n\tAcct string `json:\"acct\"`\n}",
			"type Req struct {\n\tAcct string `json:\"account\"`\n}",
			"type Req (in field in): field Acct tag changed from `json:\"acct\"` to `json:\"account\"`"},
		{"nested struct change",
			"type Req struct{ Lines map[string][]*Item }\ntype Item struct{ SKU SKU }\ntype SKU string",
			"type Req struct{ Lines map[string][]*Item }\ntype Item struct{ Code SKU }\ntype SKU string",
			"type Item (in field in): field SKU renamed/removed, field Code added"},
		{"named basic type change",
			"type Req struct{ SKU SKU }\ntype SKU string",
			"type Req struct{ SKU SKU }\ntype SKU int",
			"type SKU (in field in): changed from string to int"},
		{"field added",
			"type Req struct{ A int }",
			"type Req struct {\n\tA int\n\tB int\n}",
			"type Req (in field in): field B added"},
		{"recursive type change",
			"type Req struct {\n\tName string\n\tNext *Req\n\tKids []Req\n}",
			"type Req struct {\n\tTitle string\n\tNext  *Req\n\tKids  []Req\n}",
			"type Req (in field in): field Name renamed/removed, field Title added"},
		{"recursive type unchanged",
			"type Req struct {\n\tName string\n\tNext *Req\n\tTree map[string]Node\n}\ntype Node struct{ Kids []Node; Up *Req }",
			"// Req is a tree.\ntype Req struct {\n\tName string // who\n\tNext *Req\n\tTree map[string]Node\n}\ntype Node struct{ Kids []Node; Up *Req }",
			""},
		{"unchanged type",
			"type Req struct {\n\tAcct string `json:\"acct\"`\n\tAt   time.Time\n}",
			"type Req struct {\n\tAcct string `json:\"acct\"` // the account\n\tAt   time.Time\n}\n\nfunc (r Req) String() string { return r.Acct }",
			""},
		{"type that marshals itself",
			"type Req struct{ At Stamp }\ntype Stamp struct{ Unix int64 }",
			"type Req struct{ At Stamp }\ntype Stamp struct{ Sec int64 }\n\nfunc (s Stamp) MarshalText() ([]byte, error) { return nil, nil }\nfunc (s *Stamp) UnmarshalText([]byte) error { return nil }",
			"type Stamp (in field in): now marshals itself (was struct{Unix int64})"},
	}
	root := filepath.Join("testdata", fmt.Sprintf("shapes-%d", os.Getpid()))
	t.Cleanup(func() { os.RemoveAll(root) })
	var patterns []string
	for i, tt := range tests {
		for _, side := range []struct{ dir, decls string }{{"old", tt.old}, {"new", tt.cur}} {
			dir := filepath.Join(root, fmt.Sprintf("c%d%s", i, side.dir))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "w.go"), []byte(fmt.Sprintf(shapeSource, side.decls)), 0o644); err != nil {
				t.Fatal(err)
			}
			patterns = append(patterns, "./"+filepath.ToSlash(dir))
		}
	}
	pkgs, err := codegen.Load("", patterns...)
	if err != nil {
		t.Fatal(err)
	}
	files, err := codegen.Generate(pkgs)
	if err != nil {
		t.Fatalf("Generate = %v", err)
	}
	layouts := map[string]codegen.Layout{} // by case directory
	for _, f := range files {
		for _, lay := range f.Workflows {
			layouts[filepath.Base(filepath.Dir(f.Path))] = lay
		}
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old, cur := layouts[fmt.Sprintf("c%dold", i)], layouts[fmt.Sprintf("c%dnew", i)]
			if len(old.Types) == 0 {
				t.Fatalf("layout %+v records no stored types", old)
			}
			// The old layout as a lock file records it, read back.
			lock, err := codegen.ParseLock("durable.lock", codegen.NewLock([]codegen.Layout{old}).Format())
			if err != nil {
				t.Fatalf("ParseLock(Format()) = %v", err)
			}
			_, _, diags := lock.Update([]codegen.Layout{cur})
			if tt.want == "" {
				if old.Fingerprint != cur.Fingerprint || len(diags) > 0 {
					t.Errorf("fingerprint %s, then %s (%v); want the same\nold types %q\nnew types %q", old.Fingerprint, cur.Fingerprint, diags, old.Types, cur.Types)
				}
				return
			}
			if old.Fingerprint == cur.Fingerprint {
				t.Fatalf("fingerprint %s for both; want a change\nold types %q\nnew types %q", old.Fingerprint, old.Types, cur.Types)
			}
			if len(diags) != 1 {
				t.Fatalf("Update() = %v, want one finding", diags)
			}
			if msg := diags[0].Message; !strings.Contains(msg, "\n\t"+tt.want+"\n") {
				t.Errorf("Update() finding\n%s\ndoes not list %q", msg, tt.want)
			}
		})
	}
}
