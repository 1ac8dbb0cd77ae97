package fuzzgen

import (
	"go/parser"
	"go/token"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// mutateSample is a workflow with every construct the mutations look for.
const mutateSample = `package p

//durable:workflow
func W(ctx durable.Context, in []int) (int, error) {
	total := 0
	for i, x := range in {
		v, err := Add(ctx, total, x)
		if err != nil {
			return 0, err
		}
		total = v + i
	}
	Touch(ctx, total)
	return total, nil
}
`

// TestMutationEdits applies each mutation alone to a sample workflow: the
// result must parse, differ from the original, and show the edit.
func TestMutationEdits(t *testing.T) {
	tests := []struct {
		name string
		want string // a regexp the mutated function matches
	}{
		{"checkpoint", `_ = durable\.(Sleep|Now|SideEffect)\(ctx`},
		{"wrapif", `if true \{`},
		{"wrapfor", `for range 1 \{`},
		{"pointer", `mutp\d+ := &\w+\n\s*\*mutp\d+ = \w+(?s:.*)_ = \*mutp\d+`},
		{"copy", `mutc\d+ := \w+(?s:.*)_ = mutc\d+`},
		{"capture", `mutf\d+ := func\(\) any \{ return (i|x) \}(?s:.*)_ = mutf\d+\(\)`},
		{"move", ``},
		{"duplicate", `(Touch\(ctx, total\)\s+Touch\(ctx, total\))|(_, _ = Add\(ctx, total, x\)\s+v, err := Add)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var mu []mutation
			for _, m := range mutations {
				if m.name == tc.name {
					mu = append(mu, m)
				}
			}
			if len(mu) != 1 {
				t.Fatalf("no mutation %q", tc.name)
			}
			n := 0
			for seed := range uint64(10) {
				got, applied, err := mutateWith(rand.New(rand.NewPCG(seed, 1)), []byte(mutateSample), "W", 1, mu)
				if err != nil {
					t.Fatalf("mutateWith(%s, seed %d): %v", tc.name, seed, err)
				}
				if len(applied) == 0 {
					continue // the random pick did not apply (a move onto itself)
				}
				n++
				if _, err := parser.ParseFile(token.NewFileSet(), "m.go", "package p\n"+got, 0); err != nil {
					t.Fatalf("mutateWith(%s, seed %d) does not parse: %v\n%s", tc.name, seed, err, got)
				}
				orig := mutateSample[strings.Index(mutateSample, "func W"):]
				if strings.TrimSpace(got) == strings.TrimSpace(orig) {
					t.Errorf("mutateWith(%s, seed %d) = the original", tc.name, seed)
				}
				if !regexp.MustCompile(tc.want).MatchString(got) {
					t.Errorf("mutateWith(%s, seed %d) = \n%s\nwant a match of %s", tc.name, seed, got, tc.want)
				}
			}
			if n == 0 {
				t.Errorf("mutateWith(%s) applied to none of 10 seeds", tc.name)
			}
		})
	}
}
