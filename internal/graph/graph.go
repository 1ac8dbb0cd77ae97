// Package graph holds the graph walks that durablegen and its analyzer
// share, so that both decide the same way.
package graph

// Cycle returns a path of calls from start back to itself — start, the
// nodes in between, start again — or nil if start is not on a cycle. next
// returns the nodes a node leads to, in the order to try them; the path
// found is the first in that order.
func Cycle[T comparable](start T, next func(T) []T) []T {
	var path []T
	on := make(map[T]bool)
	done := make(map[T]bool)
	var visit func(n T) bool
	visit = func(n T) bool {
		path = append(path, n)
		on[n] = true
		for _, m := range next(n) {
			if m == start {
				path = append(path, m)
				return true
			}
			if !on[m] && !done[m] && visit(m) {
				return true
			}
		}
		on[n] = false
		done[n] = true
		path = path[:len(path)-1]
		return false
	}
	if visit(start) {
		return path
	}
	return nil
}
