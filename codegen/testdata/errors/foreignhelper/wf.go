package wf

import (
	"strings"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/internal/equiv/ext"
)

//durable:workflow
func Kept(ctx durable.Context, words []string) (string, error) {
	// ext.Fill writes through dst, which the workflow keeps across the
	// helper's checkpoints: after a resume inside Fill, its copy and the
	// workflow's would be apart.
	dst := make([]string, len(words))
	if err := ext.Fill(ctx, dst, words...); err != nil {
		return "", err
	}
	return strings.Join(dst, " "), nil
}

//durable:workflow
func Fresh(ctx durable.Context, words []string) (string, error) {
	// Accepted: what Fill writes is not kept.
	if err := ext.Fill(ctx, make([]string, len(words)), words...); err != nil {
		return "", err
	}
	s, _, err := ext.Spell(ctx, words, " ", 10)
	return s, err
}
