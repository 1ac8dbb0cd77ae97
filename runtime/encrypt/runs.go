package encrypt

import (
	"context"
	"errors"
	"fmt"

	"github.com/durablegen/durable/runtime"
)

var (
	_ runtime.Continuer = (*Store)(nil)
	_ runtime.Purger    = (*Store)(nil)
)

// fieldRun is the output of an earlier run (runtime.Run), bound to the
// Seq of the run's last checkpoint.
const fieldRun = "run_output"

// sealContinue seals the input of a continuation, which becomes the
// ended run's output. It fails if the inner store keeps no runs: it would
// drop the continuation.
func (s *Store) sealContinue(cp *runtime.Checkpoint, out *runtime.Checkpoint) error {
	if _, ok := s.inner.(runtime.Continuer); !ok {
		return fmt.Errorf("encrypt: checkpoint %d of instance %s continues it as new, and the inner store %T keeps no runs (runtime.Continuer): %w", cp.Seq, cp.ID, s.inner, errors.ErrUnsupported)
	}
	out.Continue = &runtime.Continuation{Input: s.seal(cp.Continue.Input, fieldRun, cp.ID, "", cp.Seq-1)}
	return nil
}

// Runs returns the summaries of the earlier runs of instance id from the
// inner store (see [runtime.Continuer]) with their outputs opened; an
// [*OpenError] if one does not open. It fails with an error matching
// errors.ErrUnsupported if the inner store keeps no runs.
func (s *Store) Runs(ctx context.Context, id string) ([]runtime.Run, error) {
	c, ok := s.inner.(runtime.Continuer)
	if !ok {
		return nil, fmt.Errorf("encrypt: runs of %s: inner store %T does not implement runtime.Continuer: %w", id, s.inner, errors.ErrUnsupported)
	}
	runs, err := c.Runs(ctx, id)
	if err != nil {
		return nil, err
	}
	for i := range runs {
		if runs[i].Output, err = s.open(runs[i].Output, fieldRun, id, "", runs[i].Seq); err != nil {
			return nil, err
		}
	}
	return runs, nil
}

// Purge deletes a batch of finished instances in the inner store (see
// [runtime.Purger]): it reads no sealed value. It fails with an error
// matching errors.ErrUnsupported if the inner store cannot.
func (s *Store) Purge(ctx context.Context, req runtime.PurgeRequest) (runtime.PurgeResult, error) {
	p, ok := s.inner.(runtime.Purger)
	if !ok {
		return runtime.PurgeResult{}, fmt.Errorf("encrypt: purge: inner store %T does not implement runtime.Purger: %w", s.inner, errors.ErrUnsupported)
	}
	return p.Purge(ctx, req)
}
