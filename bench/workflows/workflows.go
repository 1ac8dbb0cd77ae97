// Package workflows holds the workflows the benchmark runs, compiled by
// durablegen into workflows_durable.go:
//
//	cd bench && go run github.com/durablegen/durable/cmd/durablegen ./workflows
package workflows

import (
	"context"
	"time"

	"github.com/durablegen/durable"
)

// Service carries the hook the benchmark observes steps with.
type Service struct {
	// OnStep, if set, is called by every step with its argument.
	OnStep func(i int)
}

// Step is the unit of work: it returns i+1 and tells the hook.
//
//durable:step retries=0
func (s *Service) Step(ctx context.Context, i int) (int, error) {
	if s.OnStep != nil {
		s.OnStep(i)
	}
	return i + 1, nil
}

// Sequential runs n steps one after the other: n checkpoints, then the
// result.
//
//durable:workflow
func (s *Service) Sequential(ctx durable.Context, n int) (int, error) {
	total := 0
	for i := range n {
		v, err := s.Step(ctx, i)
		if err != nil {
			return 0, err
		}
		total += v
	}
	return total, nil
}

// Resumable runs k steps, then waits for signal "next" and runs one more
// step each time it carries true, until it carries false. Each signal
// resumes the instance from the store after k or more checkpoints.
//
//durable:workflow
func (s *Service) Resumable(ctx durable.Context, k int) (int, error) {
	total := 0
	for i := range k {
		v, err := s.Step(ctx, i)
		if err != nil {
			return 0, err
		}
		total += v
	}
	for {
		more, err := durable.Await[bool](ctx, "next")
		if err != nil {
			return 0, err
		}
		if !more {
			break
		}
		v, err := s.Step(ctx, -1)
		if err != nil {
			return 0, err
		}
		total += v
	}
	return total, nil
}

// Sleeper runs one step and sleeps for d: a suspended instance.
//
//durable:workflow
func (s *Service) Sleeper(ctx durable.Context, d time.Duration) (int, error) {
	v, err := s.Step(ctx, 0)
	if err != nil {
		return 0, err
	}
	if err := durable.Sleep(ctx, d); err != nil {
		return 0, err
	}
	return v, nil
}
