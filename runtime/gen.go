package runtime

import (
	"cmp"
	"fmt"
	"slices"
	"unicode/utf8"
)

// Helpers for generated machines.

// DecodeRune returns the rune at byte offset i of s and its width, as a
// range loop over a string sees it.
func DecodeRune(s string, i int) (rune, int) { return utf8.DecodeRuneInString(s[i:]) }

// SortedKeys returns the keys of m in ascending order: a lowered range over
// a map iterates a snapshot of them, so that the order is the same after
// a resume.
func SortedKeys[M ~map[K]V, K cmp.Ordered, V any](m M) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Keys returns the keys of m in map order, for key types that cannot be
// sorted; the snapshot keeps the order stable across a resume.
func Keys[M ~map[K]V, K comparable, V any](m M) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

// BadState is returned by a machine whose program counter names no state:
// the frame was written by a different build of the workflow.
func BadState(pc int) error {
	return fmt.Errorf("frame names machine state %d, which this build of the workflow does not have", pc)
}
