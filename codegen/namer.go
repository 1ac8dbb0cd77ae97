package codegen

import (
	"fmt"
	"go/ast"
	"maps"
)

// namer hands out identifiers that collide with nothing the user wrote.
type namer struct {
	used map[string]bool
	made map[string]bool // the names fresh returned
}

// newNamer collects the identifiers of files and scope names.
func newNamer(files []*ast.File, scope []string) *namer {
	n := &namer{used: map[string]bool{}, made: map[string]bool{}}
	for _, f := range files {
		ast.Inspect(f, func(node ast.Node) bool {
			if id, ok := node.(*ast.Ident); ok {
				n.used[id.Name] = true
			}
			return true
		})
	}
	for _, s := range scope {
		n.used[s] = true
	}
	return n
}

// fresh returns base, or base with the smallest number suffix, not used yet.
func (n *namer) fresh(base string) string {
	name := base
	for i := 1; n.used[name]; i++ {
		name = fmt.Sprintf("%s%d", base, i)
	}
	n.used[name] = true
	n.made[name] = true
	return name
}

// clone returns a copy of n.
func (n *namer) clone() *namer {
	return &namer{used: maps.Clone(n.used), made: maps.Clone(n.made)}
}
