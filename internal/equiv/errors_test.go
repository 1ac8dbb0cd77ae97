package equiv

import (
	"errors"
	"strings"
	"testing"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/durabletest"
)

var errorKinds = []string{"sentinel", "wrapped", "permanent", "eof", "typed", "wrappedtyped", "code", "wrappedcode", "plain", "gone", "busy", "none"}

// TestErrorIdentity runs workflows whose steps and children return
// sentinels, wrapped sentinels and typed errors, tested after further
// checkpoints, under the crash matrix, with no durabletest.WithErrors: the
// descriptors register what the workflows compare with.
func TestErrorIdentity(t *testing.T) {
	log := durabletest.WithLog(Effects)
	t.Run("Steps", func(t *testing.T) {
		r := durabletest.Run(t, ErrorIdentityWorkflow, errorKinds, log)
		got, _ := r.Result.(string)
		// The direct call is the oracle; these lines check that the
		// workflow tests what it means to.
		for _, want := range []string{
			"sentinel: ==true !=false is=true isEOF=false isUnused=false as=false/-1 asCode=false code=0 ==code7=false isCode8=false switch=norows type=none assert=false perm=false helper=-",
			"wrapped: ==false !=true is=true isEOF=false isUnused=false as=false/-1 asCode=false code=0 ==code7=false isCode8=false switch=other type=none assert=false perm=false helper=-",
			"permanent: ==false !=true is=true isEOF=false isUnused=false as=false/-1 asCode=false code=0 ==code7=false isCode8=false switch=other type=none assert=false perm=true helper=-",
			"eof: ==false !=true is=false isEOF=true isUnused=false as=false/-1 asCode=false code=0 ==code7=false isCode8=false switch=eof type=none assert=false perm=false helper=-",
			"typed: ==false !=true is=false isEOF=false isUnused=false as=true/30 asCode=false code=0 ==code7=false isCode8=false switch=other type=ratelimited users assert=true perm=false helper=-",
			"wrappedtyped: ==false !=true is=false isEOF=false isUnused=false as=true/5 asCode=false code=0 ==code7=false isCode8=false switch=other type=none assert=false perm=false helper=-",
			"code: ==false !=true is=false isEOF=false isUnused=false as=false/-1 asCode=true code=7 ==code7=true isCode8=false switch=other type=code 7 assert=false perm=false helper=-",
			"wrappedcode: ==false !=true is=false isEOF=false isUnused=false as=false/-1 asCode=true code=8 ==code7=false isCode8=true switch=other type=none assert=false perm=false helper=-",
			"plain: ==false !=true is=false isEOF=false isUnused=false as=false/-1 asCode=false code=0 ==code7=false isCode8=false switch=other type=none assert=false perm=false helper=-",
			"gone: ==false !=true is=false isEOF=false isUnused=false as=false/-1 asCode=false code=0 ==code7=false isCode8=false switch=other type=none assert=false perm=false helper=gone",
			"busy: ==false !=true is=false isEOF=false isUnused=false as=false/-1 asCode=false code=0 ==code7=false isCode8=false switch=other type=none assert=false perm=false helper=busy q1",
			"none: ==false !=true is=false isEOF=false isUnused=false as=false/-1 asCode=false code=0 ==code7=false isCode8=false switch=nil type=nil assert=false perm=false helper=-",
		} {
			if !strings.Contains(got, want+"\n") && !strings.HasSuffix(got, want) {
				t.Errorf("ErrorIdentity result lacks line %q; got:\n%s", want, got)
			}
		}
		t.Logf("%d checkpoints, %d crash runs", r.Checkpoints, r.CrashRuns)
	})
	t.Run("Children", func(t *testing.T) {
		r := durabletest.Run(t, ErrorParentWorkflow, []string{"sentinel", "wrapped", "typed", "plain", "gone", "busy", "none"}, log, durabletest.WithChildren(ErrorChildWorkflow))
		want := "sentinel: ==true is=true as=false\nwrapped: ==false is=true as=false\ntyped: ==false is=false as=true\nplain: ==false is=false as=false\ngone: ==false is=false as=false\nbusy: ==false is=false as=false\nnone: ==false is=false as=false"
		if r.Result != want {
			t.Errorf("ErrorParent = %q, want %q", r.Result, want)
		}
	})
	for _, kind := range []string{"sentinel", "typed", "plain"} {
		t.Run("Result/"+kind, func(t *testing.T) {
			// The test matches *RateLimited itself, which the workflow does not.
			r := durabletest.Run(t, ErrorResultWorkflow, kind, log, durabletest.WithErrorTypes(durable.ErrorTypeFor[*RateLimited]()))
			var rl *RateLimited
			switch {
			case kind == "sentinel" && (!errors.Is(r.Err, ErrNoRows) || r.Err == ErrNoRows):
				t.Errorf("ErrorResult(%s) = %#v, want a wrapper of ErrNoRows", kind, r.Err)
			case kind == "typed" && (!errors.As(r.Err, &rl) || rl.After != 30):
				t.Errorf("ErrorResult(%s) = %#v, want a *RateLimited", kind, r.Err)
			case kind == "plain" && errors.Is(r.Err, ErrNoRows):
				t.Errorf("ErrorResult(%s) = %#v, want no match of ErrNoRows", kind, r.Err)
			}
		})
	}
}
