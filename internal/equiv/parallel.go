package equiv

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/durablegen/durable"
)

// Fanout: steps started with durable.Go, awaited together with durable.All
// (one checkpoint), a slice of futures built in a loop, and a failing one.
//
//durable:workflow
func Fanout(ctx durable.Context, words []string) (string, error) {
	n := len(words)
	count := durable.Go(ctx, "count", func(ctx context.Context) (int, error) {
		Effects.Add(ctx, fmt.Sprint("count ", n))
		return n, nil
	})
	joined := durable.Go(ctx, "join", func(ctx context.Context) (string, error) {
		Effects.Add(ctx, "join")
		return strings.Join(words, "+"), nil
	})
	if err := durable.All(ctx, count, joined); err != nil {
		return "", err
	}
	c, _ := count.Get()
	j, _ := joined.Get()
	s, err := Echo(ctx, fmt.Sprint(c, " ", j))
	if err != nil {
		return "", err
	}
	var ups []*durable.Future[string]
	for _, w := range words {
		ups = append(ups, durable.Go(ctx, "upper", func(ctx context.Context) (string, error) {
			Effects.Add(ctx, "upper "+w)
			if w == "" {
				return "", durable.Permanent(fmt.Errorf("empty word"))
			}
			return strings.ToUpper(w), nil
		}))
	}
	allErr := durable.All(ctx, durable.Futures(ups)...)
	var out []string
	for _, u := range ups {
		v, err := u.Get()
		if err != nil {
			v = "!" + err.Error()
		}
		out = append(out, v)
	}
	if allErr != nil {
		return s + " " + strings.Join(out, ","), fmt.Errorf("fan-out: %w", allErr)
	}
	return s + " " + strings.Join(out, ","), nil
}

// Race: durable.Select takes the first of two steps to finish; the slow
// one is cancelled. The winner is recorded, so a resumed run sees it too.
//
//durable:workflow
func Race(ctx durable.Context, slow int) (string, error) {
	fast := durable.Go(ctx, "fast", func(ctx context.Context) (string, error) {
		Effects.Add(ctx, "fast")
		return "fast", nil
	})
	late := durable.Go(ctx, "slow", func(ctx context.Context) (string, error) {
		select {
		case <-ctx.Done(): // cancelled: the other won
			return "", ctx.Err()
		case <-time.After(time.Duration(slow) * time.Second):
		}
		Effects.Add(ctx, "slow")
		return "slow", nil
	})
	i, err := durable.Select(ctx, late, fast)
	if err != nil {
		return "", err
	}
	var v string
	if i == 0 {
		v, err = late.Get()
	} else {
		v, err = fast.Get()
	}
	if err != nil {
		return "", err
	}
	return Echo(ctx, fmt.Sprint(i, " ", v))
}
