package wf

import (
	"context"

	"github.com/durablegen/durable"
)

type Service struct{}

//durable:step
func Step(ctx context.Context) error { return nil }

//durable:workflow
func (s *Service) W(ctx durable.Context, in int) (int, error) {
	return in, Step(ctx)
}
