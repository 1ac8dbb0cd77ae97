package inspector

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImports: the inspector depends on the runtime, never on a store
// or the tooling, so that mounting it adds no database driver to a
// program; chromedp stays in the tests.
func TestImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	forbidden := []string{
		"github.com/durablegen/durable/runtime/sqlite",
		"github.com/durablegen/durable/runtime/postgres",
		"github.com/durablegen/durable/runtime/memstore",
		"github.com/durablegen/durable/codegen",
		"github.com/durablegen/durable/analyzer",
		"github.com/jackc/pgx",
		"modernc.org/sqlite",
		"golang.org/x/tools",
		"github.com/chromedp",
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, f := range forbidden {
			if dep == f || strings.HasPrefix(dep, f+"/") {
				t.Errorf("package inspector imports %s", dep)
			}
		}
	}
}
