package equiv

import (
	"iter"
	"maps"
	"slices"
	"strings"

	"github.com/durablegen/durable"
)

// Ranges over function iterators without a checkpoint in their bodies are
// compiled as written, between checkpoints, with variables live across
// them.

// runs yields the maximal runs of equal bytes of s with their starts.
func runs(s string) iter.Seq2[int, string] {
	return func(yield func(int, string) bool) {
		for i := 0; i < len(s); {
			j := i
			for j < len(s) && s[j] == s[i] {
				j++
			}
			if !yield(i, s[i:j]) {
				return
			}
			i = j
		}
	}
}

// RangeFunc ranges over maps.Keys, slices.All, a user's iter.Seq2 (left
// early by break), each between steps, and slices.Backward in a loop of
// steps.
//
//durable:workflow
func RangeFunc(ctx durable.Context, in map[string]int) (string, error) {
	total := 0
	for k := range maps.Keys(in) {
		total += len(k) * in[k]
	}
	words, err := Split(ctx, strings.Join(slices.Sorted(maps.Keys(in)), " "))
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for i, w := range slices.All(words) {
		b.WriteString(w)
		total += i
	}
	joined := b.String()
	echoed, err := Echo(ctx, joined)
	if err != nil {
		return "", err
	}
	longest := ""
	for at, r := range runs(echoed + "zzz") {
		if len(r) > len(longest) {
			longest = r
		}
		if at > 8 {
			break
		}
	}
	for round := range 2 {
		for _, w := range slices.Backward(words) {
			longest += w[:1]
		}
		total += Inc(ctx, round)
	}
	n := Inc(ctx, total)
	return longest + " " + strings.Repeat("+", n%7), nil
}
