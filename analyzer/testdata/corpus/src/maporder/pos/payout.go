package pos

import (
	"context"
	"strings"

	"github.com/durablegen/durable"
)

//durable:step
func Pay(ctx context.Context, acct string, cents int64) error { return nil }

// Payout pays each account in map order.
//
//durable:workflow
func Payout(ctx durable.Context, owed map[string]int64) (int, error) {
	for acct, cents := range owed { // finding: DG009
		if err := Pay(ctx, acct, cents); err != nil {
			return 0, err
		}
	}
	return len(owed), nil
}

// Summary joins the keys in map order.
//
//durable:workflow
func Summary(ctx durable.Context, owed map[string]int64) (string, error) {
	var parts []string
	for acct := range owed { // finding: DG009
		parts = append(parts, acct)
	}
	return strings.Join(parts, ","), nil
}

// Winner keeps the last key it sees.
//
//durable:workflow
func Winner(ctx durable.Context, votes map[string]int) (string, error) {
	winner := ""
	for name := range votes { // finding: DG009
		winner = name
	}
	return winner, nil
}
