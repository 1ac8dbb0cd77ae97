package otel_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestCoreDoesNotImportOpenTelemetry checks the import direction: the
// authoring API, the runtime and the stores build without OpenTelemetry;
// only this package imports it.
func TestCoreDoesNotImportOpenTelemetry(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command in PATH (%v): run the test with the Go toolchain installed", err)
	}
	pkgs := []string{
		"github.com/durablegen/durable",
		"github.com/durablegen/durable/runtime",
		"github.com/durablegen/durable/runtime/memstore",
		"github.com/durablegen/durable/runtime/sqlite",
		"github.com/durablegen/durable/runtime/postgres",
	}
	out, err := exec.Command(gobin, append([]string{"list", "-deps"}, pkgs...)...).Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "go.opentelemetry.io/") {
			t.Errorf("go list -deps %v includes %s, want no OpenTelemetry package", pkgs, dep)
		}
	}
}
