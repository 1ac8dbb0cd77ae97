package equiv

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/durablegen/durable"
)

// Helper functions that make checkpoints: each is compiled into a frame
// nested in its caller's, so a crash inside one resumes inside it.

// chargeAll charges every amount and returns the total: one checkpoint
// per charge, with the loop's locals in the helper's frame.
func chargeAll(ctx durable.Context, who string, amounts []int) (int, error) {
	total := 0
	for i, a := range amounts {
		if a < 0 {
			return total, fmt.Errorf("%s: amount %d is negative", who, i)
		}
		n, err := Add(ctx, total, a)
		if err != nil {
			return 0, err
		}
		total = n
		if err := Note(ctx, fmt.Sprintf("%s charged %d", who, a)); err != nil {
			return 0, err
		}
	}
	return total, nil
}

// settle calls chargeAll (a helper two calls deep from the workflow),
// sleeps, and names its results.
func settle(ctx durable.Context, who string, amounts []int) (label string, total int, err error) {
	total, err = chargeAll(ctx, who, amounts)
	if err != nil {
		return
	}
	if err = durable.Sleep(ctx, time.Minute); err != nil {
		return
	}
	label, err = Echo(ctx, fmt.Sprintf("%s=%d", who, total))
	return
}

// record makes a checkpoint and returns nothing.
func record(ctx durable.Context, parts ...string) {
	Touch(ctx, strings.Join(parts, "+"))
}

// Helpers calls the helpers in sequence, in a loop, in an expression and
// as a statement.
//
//durable:workflow
func Helpers(ctx durable.Context, n int) (string, error) {
	var out []string
	for i := range n {
		label, total, err := settle(ctx, fmt.Sprint("c", i), []int{i, i + 1, 2 * i})
		if err != nil {
			return "", err
		}
		out = append(out, fmt.Sprintf("%s:%d", label, total))
	}
	record(ctx, "a", "b")
	record(ctx)
	sum := 0
	if t, err := chargeAll(ctx, "x", []int{n}); err == nil {
		sum += t
	}
	last, _, _ := settle(ctx, "y", []int{1})
	out = append(out, last, fmt.Sprint(sum))
	return strings.Join(out, " "), nil
}

var errNegative = errors.New("negative")

// guard returns a known error from inside a helper.
func guard(ctx durable.Context, v int) (int, error) {
	d, err := Inc(ctx, v), error(nil)
	if d < 0 {
		err = errNegative
	}
	return d, err
}

// HelperErrors returns an error made inside a helper and compares it
// after a checkpoint of the caller.
//
//durable:workflow
func HelperErrors(ctx durable.Context, v int) (string, error) {
	_, err := guard(ctx, v)
	if _, e2 := Echo(ctx, "after"); e2 != nil {
		return "", e2
	}
	if errors.Is(err, errNegative) {
		return "negative", nil
	}
	if t, err := chargeAll(ctx, "z", []int{1, -1}); err != nil {
		return fmt.Sprint("failed at ", t, ": ", err), nil
	}
	return "ok", nil
}

// charge is a helper method: it is called on the workflow's receiver and
// uses the receiver's dependencies after its checkpoints.
func (a *Account) charge(ctx durable.Context, n int) (int, error) {
	v, err := a.Calc.Mul(ctx, n)
	if err != nil {
		return 0, err
	}
	return Add(ctx, v, len(a.Owner))
}

// Audit is a workflow method whose helper method runs on its receiver.
//
//durable:workflow
func (a *Account) Audit(ctx durable.Context, n int) (string, error) {
	x, err := a.charge(ctx, n)
	if err != nil {
		return "", err
	}
	y, err := a.charge(ctx, x)
	if err != nil {
		return "", err
	}
	z, err := a.bill(ctx, y)
	return fmt.Sprintf("%s %d %d %s", a.Owner, x, y, z), err
}

// bill is a helper method with a value receiver, called on a pointer.
func (a Account) bill(ctx durable.Context, n int) (string, error) {
	return Echo(ctx, fmt.Sprint(a.Owner, ":", n))
}

// approve waits for a signal and a deadline inside a helper, and reads
// the durable clock.
func approve(ctx durable.Context, cents int64) (string, error) {
	start := durable.Now(ctx)
	d, ok, err := durable.AwaitTimeout[Decision](ctx, "approval", 72*time.Hour)
	if err != nil {
		return "", err
	}
	if !ok {
		return "timeout", nil
	}
	waited := durable.Now(ctx).Sub(start) >= 0
	return fmt.Sprintf("%s ok=%v %d waited=%v", d.By, d.OK, cents, waited), nil
}

// onboardOne starts a child workflow from inside a helper.
func onboardOne(ctx durable.Context, user string) string {
	r, err := Drip(ctx, user)
	if err != nil {
		return "!" + err.Error()
	}
	return r
}

// HelperWaits: signals, timers and children inside helpers.
//
//durable:workflow
func HelperWaits(ctx durable.Context, cents int64) (string, error) {
	a, err := approve(ctx, cents)
	if err != nil {
		return "", err
	}
	return a + " " + onboardOne(ctx, "ann") + " " + onboardOne(ctx, ""), nil
}

// tally reads its slice parameter (shared with the caller's, never
// written) and returns a sub-slice of it; a closure writes a local of the helper.
func tally(ctx durable.Context, xs []int, scale int) ([]int, int, error) {
	sum := 0
	for _, x := range xs {
		v, err := Add(ctx, x, 0)
		if err != nil {
			return nil, 0, err
		}
		add := func(v int) { sum += v * scale }
		add(v)
	}
	return xs[:len(xs)/2], sum, nil
}

// divide panics inside a helper, after a checkpoint, when d is 0.
func divide(ctx durable.Context, n, d int) int {
	v := Inc(ctx, n)
	return v / d
}

// HelperValues: a slice shared with a helper that only reads it, a
// result that aliases the argument, a closure in the helper, and a
// panic raised in the helper.
//
//durable:workflow
func HelperValues(ctx durable.Context, d int) (string, error) {
	xs := []int{1, 2, 3, 4}
	half, sum, err := tally(ctx, xs, 10)
	if err != nil {
		return "", err
	}
	if _, err := Echo(ctx, fmt.Sprint(half)); err != nil {
		return "", err
	}
	q := divide(ctx, sum, d)
	return fmt.Sprint(half, sum, q, xs), nil
}

// fill writes through its slice, pointer and map parameters after its
// checkpoints; the caller sees every write, also after a resume (the
// call's state gives the parameters the caller's memory again).
func fill(ctx durable.Context, xs []int, total *int, seen map[string]int) error {
	for i := range xs {
		v, err := Add(ctx, i, 10)
		if err != nil {
			return err
		}
		xs[i] = v
		*total += v
		seen[fmt.Sprint(v)]++
	}
	return nil
}

// HelperWrites passes a slice, the address of a local, a map and a
// field of its input to a helper that writes through them.
//
//durable:workflow
func HelperWrites(ctx durable.Context, in Pair) (string, error) {
	xs := make([]int, 3)
	total := 0
	seen := map[string]int{}
	if err := fill(ctx, xs, &total, seen); err != nil {
		return "", err
	}
	ys := []int{0, 0}
	if err := fill(ctx, ys, &in.B, seen); err != nil {
		return "", err
	}
	if _, err := Echo(ctx, "between"); err != nil {
		return "", err
	}
	return fmt.Sprint(xs, ys, total, in.B, len(seen), seen["10"]), nil
}

// Out is a result type for the closure tests.
type Out struct {
	ID    string
	Count int
}

// Closures keeps function literals across checkpoints: a fail helper
// defined at the top and called after steps, a counter closure that
// mutates a captured variable after a resume, a package-level function
// in a variable, and a copy of a closure variable.
//
//durable:workflow
func KeptClosures(ctx durable.Context, id string) (Out, error) {
	fail := func(err error) (Out, error) { return Out{}, fmt.Errorf("order %s: %w", id, err) }
	count := 0
	inc := func(by int) int { count += by; return count }
	format := strings.ToUpper
	hits := 0
	hit := func() int { hits++; return hits }
	hit()
	var later func() string
	if _, err := Echo(ctx, "start "+id); err != nil {
		return fail(err)
	}
	inc(2)
	if id == "" {
		later = func() string { return "empty" }
	} else {
		later = func() string { return "id " + id }
	}
	again := inc
	if _, err := Echo(ctx, format(id)); err != nil {
		return fail(err)
	}
	again(len(id) + 1)
	hit()
	if err := CheckEven(ctx, count); err != nil {
		return fail(err)
	}
	return Out{ID: later() + format(id), Count: inc(10) + 100*hit()}, nil
}

func halve(n int) (int, error) {
	if n%2 != 0 {
		return 0, fmt.Errorf("%d is odd", n)
	}
	return n / 2, nil
}

// ReturnForward returns the two results of a plain function after a
// checkpoint: return f(x).
//
//durable:workflow
func ReturnForward(ctx durable.Context, n int) (int, error) {
	v, err := Add(ctx, n, 1)
	if err != nil {
		return 0, err
	}
	return halve(v)
}

// ClosureLoop reassigns a function variable in a loop with checkpoints
// and calls a closure that appends to a captured slice after each one.
//
//durable:workflow
func ClosureLoop(ctx durable.Context, n int) (string, error) {
	var acc []string
	add := func(s string) { acc = append(acc, s) }
	op := strings.ToLower
	for i := 0; i < n; i++ {
		if i%2 == 0 {
			op = strings.ToUpper
		} else {
			op = func(s string) string { return s + "!" }
		}
		s, err := Echo(ctx, fmt.Sprint("v", i))
		if err != nil {
			return "", err
		}
		add(op(s))
	}
	return strings.Join(acc, ","), nil
}

// label takes the workflow context but makes no checkpoints: it is
// called as ordinary code between checkpoints.
func label(ctx durable.Context, n int) string {
	return fmt.Sprintf("n%d/%d", n, keyLen(ctx))
}

func keyLen(ctx durable.Context) int { return len(durable.IdempotencyKey(ctx)) }

// PlainContext calls a function that reads the context's deterministic
// helpers between checkpoints.
//
//durable:workflow
func PlainContext(ctx durable.Context, n int) (string, error) {
	v, err := Add(ctx, n, 1)
	if err != nil {
		return "", err
	}
	return label(ctx, v), nil
}
