package runtime

import (
	"strings"
	"testing"

	"github.com/durablegen/durable"
)

func TestResumesUpgrade(t *testing.T) {
	r := Resumes{"old2": {0, 0, 3, 5}, "old1": {0, 0, 1, 2, 2, 3}}
	if got := r.Layouts(); strings.Join(got, ",") != "old1,old2" {
		t.Errorf("Layouts() = %v, want [old1 old2]", got)
	}
	pc := 2
	if err := r.Upgrade(&pc, "old1"); err != nil || pc != 3 {
		t.Errorf("Upgrade(2, old1) = %d, %v; want 3, nil", pc, err)
	}
	pc = 4
	if err := r.Upgrade(&pc, "old2"); err == nil || !strings.Contains(err.Error(), "machine state 4") {
		t.Errorf("Upgrade(4, old2) error = %v, want one naming state 4", err)
	}
	if err := r.Upgrade(&pc, "other"); err == nil || !strings.Contains(err.Error(), "does not resume frames of layout other") {
		t.Errorf("Upgrade(other) error = %v, want one naming the layout", err)
	}
}

// upgradable is a machine that resumes layout "v1".
type upgradable struct{ pc int }

func (*upgradable) Run(x *Exec) error             { return nil }
func (*upgradable) MarshalFrame(e *Encoder)       {}
func (*upgradable) UnmarshalFrame(*Decoder) error { return nil }
func (*upgradable) Resumes() []string             { return []string{"v1"} }
func (m *upgradable) Upgrade(from string) error   { return Resumes{"v1": {0, 0}}.Upgrade(&m.pc, from) }

// TestRegisterResumes: a workflow whose machine resumes an earlier layout
// is registered under that layout's key too, unless the code of that
// layout is registered itself, before or after.
func TestRegisterResumes(t *testing.T) {
	v2 := durable.NewWorkflow[int, int]("w", "v2", func() any { return &upgradable{} })
	v1 := durable.NewWorkflow[int, int]("w", "v1", func() any { return &upgradable{} })
	w := NewWorker(nil, WorkerOptions{})
	if err := w.Register(v2); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(w.keys(), ","); got != "w@v1,w@v2" {
		t.Errorf("keys = %s, want w@v1,w@v2", got)
	}
	if def, _, _ := w.definition("w@v1"); def != durable.Definition(v2) {
		t.Errorf("w@v1 runs %v, want the v2 definition", def)
	}
	if err := w.Register(v1); err != nil {
		t.Fatalf("Register(v1) after v2 = %v, want nil: the old code takes its own instances", err)
	}
	if def, _, _ := w.definition("w@v1"); def != durable.Definition(v1) {
		t.Errorf("w@v1 runs %v, want the v1 definition", def)
	}
	if err := w.Register(v1); err == nil {
		t.Errorf("Register(v1) twice = nil, want an error")
	}
}
