package durable_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/durablegen/durable"
)

var undone []string

func undo(ctx context.Context, what string, cents int64) error {
	if what == "bad" {
		return errors.New("cannot undo")
	}
	undone = append(undone, what+":"+durable.StepKey(ctx))
	return nil
}

// TestCompensateDirect: a direct call through Workflow.Call runs the
// compensations of a failed workflow, last first, converting constant
// arguments to the step's parameter types, and joins their errors.
func TestCompensateDirect(t *testing.T) {
	wf := durable.NewWorkflow[int, string]("test.Saga", "v", nil).WithFunc(func(ctx durable.Context, n int) (string, error) {
		durable.Compensate(ctx, undo, "first", 10)
		durable.Compensate(ctx, undo, "bad", int64(20))
		durable.Compensate(ctx, undo, "last", 3.0)
		if n > 0 {
			return "", errors.New("failed")
		}
		return "ok", nil
	})
	undone = nil
	if out, err := wf.Call(durable.Background(), 0); err != nil || out != "ok" || len(undone) != 0 {
		t.Fatalf("success: Call = %q, %v, compensations %q; want ok and none", out, err, undone)
	}
	_, err := wf.Call(durable.Background(), 1)
	if err == nil || err.Error() != "failed\ncompensate undo: cannot undo" {
		t.Fatalf("failure: err = %q, want the workflow's error joined with the failed compensation's", err)
	}
	if len(undone) != 2 || !strings.HasPrefix(undone[0], "last:") || !strings.HasPrefix(undone[1], "first:") || undone[0] == undone[1] {
		t.Errorf("compensations ran as %q, want last then first, with distinct step keys", undone)
	}
	// A mis-typed argument fails that compensation with a clear error.
	bad := durable.NewWorkflow[int, string]("test.Bad", "v", nil).WithFunc(func(ctx durable.Context, n int) (string, error) {
		durable.Compensate(ctx, undo, "x", "not a number")
		return "", errors.New("failed")
	})
	if _, err := bad.Call(durable.Background(), 1); err == nil || !strings.Contains(err.Error(), "argument 2 is string, the step takes int64") {
		t.Errorf("mis-typed argument: err = %v", err)
	}
}
