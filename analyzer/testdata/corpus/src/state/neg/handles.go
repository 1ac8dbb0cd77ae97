package neg

import (
	"context"
	"strings"
	"time"

	"github.com/durablegen/durable"
)

//durable:step
func Upload(ctx context.Context, name string) (string, error) { return name, nil }

type Meta struct {
	Name    string
	Created time.Time
	Tags    []string
}

// Export keeps only saveable values across steps.
//
//durable:workflow
func Export(ctx durable.Context, m Meta) (string, error) {
	upper := strings.ToUpper // a func value, but dead at the checkpoint
	name := upper(m.Name)
	url, err := Upload(ctx, name)
	if err != nil {
		return "", err
	}
	return url + m.Created.Format(time.RFC3339) + strings.Join(m.Tags, ","), nil
}

// Callback keeps function literals of its body and a package-level
// function across a step: durablegen rebuilds them after a resume.
//
//durable:workflow
func Callback(ctx durable.Context, name string) (string, error) {
	calls := 0
	done := func(s string) string { calls++; return s + "!" }
	upper := strings.ToUpper
	url, err := Upload(ctx, name)
	return upper(done(url)) + strings.Repeat("!", calls), err
}
