package maporder

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/durablegen/durable"
)

//durable:step
func Notify(ctx context.Context, user string, n int) error { return nil } // want Notify:"step"

//durable:workflow
func Fanout(ctx durable.Context, counts map[string]int) ([]string, error) { // want Fanout:"workflow"
	for user, n := range counts { // want `DG009: range over map counts visits keys in random order, and the loop calls step Notify`
		if err := Notify(ctx, user, n); err != nil {
			return nil, err
		}
	}
	var names []string
	for name := range counts { // want `DG009: .* appends to names in iteration order`
		names = append(names, name)
	}
	return names, nil
}

//durable:workflow
func Guards(ctx durable.Context, m map[string]int) (int, error) { // want Guards:"workflow"
	var keys []string
	for k := range m { // collected, then sorted
		keys = append(keys, k)
	}
	sort.Strings(keys)
	sum, count, max := 0, 0, 0
	for _, v := range m { // order-independent reductions
		sum += v
		count++
		if v > max {
			max = v
		}
	}
	other := make(map[string]int, len(m))
	for k, v := range m { // copying into another map
		other[k] = v * 2
	}
	for range m { // the same work len(m) times
		if err := durable.Sleep(ctx, 1); err != nil {
			return 0, err
		}
	}
	b, _ := json.Marshal(m) // encoding/json sorts map keys
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if err := Notify(ctx, k, m[k]); err != nil {
			return 0, err
		}
	}
	sorted := slices.Collect(maps.Keys(m))
	slices.Sort(sorted)
	return sum + count + max + len(b) + len(keys) + len(sorted) + len(other), nil
}

//durable:workflow
func Order(ctx durable.Context, m map[string]int) (string, error) { // want Order:"workflow"
	s := ""
	for k := range m { // want `DG009: .* concatenates to s in iteration order`
		s += k
	}
	last := ""
	for k := range m { // want `DG009: .* keeps whichever element it visits last in last`
		last = k
	}
	for k, v := range m { // want `DG009: .* returns the first element it visits`
		if v > 1 {
			return k, nil
		}
	}
	var b strings.Builder
	for k := range m { // want `DG009: .* writes output in iteration order`
		b.WriteString(k)
	}
	for k := range maps.Keys(m) { // want `DG009: range over maps.Keys\(m\) visits keys in random order`
		fmt.Fprint(&b, k)
	}
	keys := slices.Collect(maps.Keys(m)) // want `DG009: slices.Collect\(maps.Keys\(m\)\) collects map keys in random order and keys is never sorted`
	return s + last + b.String() + strings.Join(keys, ","), nil
}

// Generic maps are maps too.
func visit[M ~map[string]int](ctx context.Context, m M, out *[]string) { // want visit:"nondet DG009: ranges over a map in random order and appends to list in iteration order"
	var list []string
	for k := range m {
		list = append(list, k)
	}
	*out = list
}

//durable:workflow
func Generic(ctx durable.Context, m map[string]int) ([]string, error) { // want Generic:"workflow"
	var out []string
	visit(context.Background(), m, &out) // want `DG009: Generic calls visit, which ranges over a map in random order`
	return out, nil
}
