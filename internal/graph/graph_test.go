package graph

import (
	"slices"
	"testing"
)

func TestCycle(t *testing.T) {
	edges := map[string][]string{
		"a": {"b"},      // a -> b -> c -> a
		"b": {"d", "c"}, // d is a dead end tried first
		"c": {"a"},
		"d": nil,
		"e": {"e"},      // calls itself
		"f": {"a"},      // reaches a cycle it is not on
		"g": {"h", "h"}, // a node listed twice
		"h": {"g"},
	}
	next := func(n string) []string { return edges[n] }
	tests := []struct {
		start string
		want  []string
	}{
		{"a", []string{"a", "b", "c", "a"}},
		{"b", []string{"b", "c", "a", "b"}},
		{"d", nil},
		{"e", []string{"e", "e"}},
		{"f", nil},
		{"g", []string{"g", "h", "g"}},
	}
	for _, tt := range tests {
		if got := Cycle(tt.start, next); !slices.Equal(got, tt.want) {
			t.Errorf("Cycle(%s) = %v, want %v", tt.start, got, tt.want)
		}
	}
}
