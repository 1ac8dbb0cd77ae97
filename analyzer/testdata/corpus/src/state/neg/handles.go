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
