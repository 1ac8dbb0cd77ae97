package runtime

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"reflect"
	goruntime "runtime"
	"strings"
	"time"
)

// execRuntime is the durable.Runtime of a run: what durable.Now,
// durable.Random and durable.UUID do in the code between checkpoints.
type execRuntime Exec

// Now returns the durable time without recording it (durable.Now in the
// workflow body is a checkpoint and is recorded; this serves helpers).
func (r *execRuntime) Now() time.Time { return (*Exec)(r).now() }

// Random returns bits derived from the instance ID, the committed
// sequence number and the number of draws since the last commit: a run
// that resumes from a checkpoint draws the same values again.
func (r *execRuntime) Random() uint64 {
	r.draws++
	return splitmix64(r.seed ^ uint64(r.seq)*0xbf58476d1ce4e5b9 ^ r.draws*0x94d049bb133111eb)
}

// Sleep fails: the generator turns durable.Sleep in a workflow body into
// a checkpoint, so a call that reaches here was made somewhere else.
func (r *execRuntime) Sleep(ctx context.Context, d time.Duration) error {
	return fmt.Errorf("durable.Sleep(%v) in instance %s: call it in the workflow function itself, where durablegen turns it into a durable timer", d, r.id)
}

// Await fails for the same reason as Sleep.
func (r *execRuntime) Await(ctx context.Context, name string, _ time.Duration) ([]byte, bool, error) {
	return nil, false, fmt.Errorf("durable.Await(%q) in instance %s: call it in the workflow function itself, where durablegen turns it into a checkpoint", name, r.id)
}

func seedOf(id string) uint64 {
	sum := sha256.Sum256([]byte(id))
	return binary.LittleEndian.Uint64(sum[:8])
}

func splitmix64(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// panicSite returns "function file:line" of the frame that panicked,
// skipping the Go runtime and this package; called from a deferred
// recover. m is the machine that ran, or nil.
func panicSite(m any) string {
	var pcs [32]uintptr
	n := goruntime.Callers(3, pcs[:])
	frames := goruntime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		if !strings.HasPrefix(f.Function, "runtime.") && !strings.HasPrefix(f.Function, pkgPrefix) {
			return fmt.Sprintf("%s %s:%d", f.Function, sourceFile(f.File, m), f.Line)
		}
		if !more {
			return "unknown location"
		}
	}
}

// sourceFile resolves the file name of a line directive in the generated
// code of machine m: generated code names the workflow's source file by
// its base name (the compiler keeps it as written), and the source sits
// next to the generated file, whose path the position of the frame's
// UnmarshalFrame method carries (durablegen emits it before any directive).
func sourceFile(file string, m any) string {
	if m == nil || strings.ContainsAny(file, `/\`) {
		return file
	}
	meth, ok := reflect.TypeOf(m).MethodByName("UnmarshalFrame")
	if !ok {
		return file
	}
	fn := goruntime.FuncForPC(meth.Func.Pointer())
	if fn == nil {
		return file
	}
	gen, _ := fn.FileLine(fn.Entry())
	i := strings.LastIndexAny(gen, `/\`)
	if i < 0 {
		return file
	}
	return gen[:i+1] + file
}

// pkgPrefix prefixes the names of this package's functions in stacks.
const pkgPrefix = "github.com/durablegen/durable/runtime."
