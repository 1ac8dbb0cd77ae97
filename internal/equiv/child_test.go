package equiv

import (
	"strings"
	"testing"

	"github.com/durablegen/durable/durabletest"
	"github.com/durablegen/durable/internal/equiv/ext"
)

// TestChildren runs workflows that start child workflows, directly (the
// child is a plain call) and through their machines, crashing at every
// checkpoint of the parent and of its children.
func TestChildren(t *testing.T) {
	log := durabletest.WithLog(Effects)
	t.Run("Onboard", func(t *testing.T) {
		r := durabletest.Run(t, OnboardWorkflow, []string{"ann", "", "bob"}, log, durabletest.WithChildren(DripWorkflow))
		want := "welcome ann+tips ann;!no user;welcome bob+tips bob;done"
		if r.Err != nil || r.Result != want {
			t.Errorf("Onboard = %q, %v; want %q", r.Result, r.Err, want)
		}
		effects := strings.Join(Effects.Effects(durabletest.InstanceID), "|")
		if want := "echo welcome ann|echo tips ann|echo welcome bob|echo tips bob|echo done"; effects != want {
			t.Errorf("effects = %q, want %q", effects, want)
		}
		t.Logf("%d checkpoints, %d crash runs", r.Checkpoints, r.CrashRuns)
	})
	t.Run("Nested", func(t *testing.T) {
		r := durabletest.Run(t, AccountNestedWorkflow.Bind(&Account{Owner: "cy"}), 2, log,
			durabletest.WithChildren(SequenceWorkflow, OnboardWorkflow, DripWorkflow))
		t.Logf("%v %v: %d checkpoints, %d crash runs", r.Result, r.Err, r.Checkpoints, r.CrashRuns)
	})
	t.Run("Loud/ok", func(t *testing.T) {
		r := durabletest.Run(t, LoudWorkflow, []string{"hi", "there"}, log, durabletest.WithChildren(ext.ShoutWorkflow))
		if r.Err != nil || r.Result != "HI!THERE!" {
			t.Errorf("Loud = %q, %v; want HI!THERE!", r.Result, r.Err)
		}
	})
	t.Run("Loud/fails", func(t *testing.T) {
		r := durabletest.Run(t, LoudWorkflow, []string{"hi", ""}, log, durabletest.WithChildren(ext.ShoutWorkflow))
		if r.Err == nil || r.Err.Error() != "shout: empty word" {
			t.Errorf("Loud failed with %v, want shout: empty word", r.Err)
		}
	})
	t.Run("unregistered", func(t *testing.T) {
		ft := &fatalTB{TB: t}
		func() {
			defer func() {
				if r := recover(); r != nil && r != errFatal {
					panic(r)
				}
			}()
			durabletest.Run(ft, OnboardWorkflow, []string{"ann"}, log)
		}()
		if !strings.Contains(ft.msg, "Drip is never run: register it with durabletest.WithChildren") {
			t.Errorf("Run stopped with %q, want it to name the unregistered child", ft.msg)
		}
	})
}
