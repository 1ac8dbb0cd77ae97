package runtime_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/memstore"
)

// TestRegisterAmbiguousErrors: a workflow whose known errors a decoder
// could not tell apart from the worker's is refused.
func TestRegisterAmbiguousErrors(t *testing.T) {
	errA := errors.New("not found")
	cases := []struct {
		name    string
		worker  []error
		wf      []error
		wantErr string
	}{
		{"distinct", []error{errA}, []error{errors.New("gone")}, ""},
		{"same value", []error{errA}, []error{errA}, ""},
		{"same message", []error{errA}, []error{errors.New("not found")}, "same message"},
		{"same message in the workflow", nil, []error{errA, errors.New("not found")}, "same message"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := runtime.NewWorker(memstore.New(), runtime.WorkerOptions{Errors: c.worker})
			err := w.Register(transferWorkflow(&bank{}).WithErrors(c.wf...))
			switch {
			case c.wantErr == "" && err != nil:
				t.Errorf("Register() = %v, want nil", err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Errorf("Register() = %v, want an error containing %q", err, c.wantErr)
			}
		})
	}
}
