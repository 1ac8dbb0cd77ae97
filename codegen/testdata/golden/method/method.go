package method

import (
	"context"
	"fmt"

	"github.com/durablegen/durable"
)

// Bank is a dependency the workflow gets through its receiver.
type Bank interface {
	Balance(ctx context.Context, acct string) (int64, error)
}

// Service carries the workflow's dependencies.
type Service struct {
	Bank  Bank
	Limit int64
}

//durable:step
func (s *Service) Balance(ctx context.Context, acct string) (int64, error) {
	return s.Bank.Balance(ctx, acct)
}

//durable:workflow
func (s *Service) Check(ctx durable.Context, acct string) (string, error) {
	b, err := s.Balance(ctx, acct)
	if err != nil {
		return "", err
	}
	if b > s.Limit {
		return fmt.Sprintf("%s over limit", acct), nil
	}
	return "ok", nil
}
