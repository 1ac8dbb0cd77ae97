package runtime

import (
	"fmt"
	"slices"
)

// Resumes maps, for each earlier layout (by fingerprint) whose instances
// a generated frame resumes, that layout's machine states to the
// frame's: pairs of (stored state, state now). durablegen writes it from
// durable.lock (see "Changing a workflow while instances run" in the
// README); it is not meant to be written by hand.
type Resumes map[string][]int

// Layouts returns the fingerprints r resumes, sorted.
func (r Resumes) Layouts() []string {
	out := make([]string, 0, len(r))
	for fp := range r {
		out = append(out, fp)
	}
	slices.Sort(out)
	return out
}

// Upgrade moves *pc, a machine state of layout from, to the state of
// this layout that resumes it.
func (r Resumes) Upgrade(pc *int, from string) error {
	pairs, ok := r[from]
	if !ok {
		return fmt.Errorf("this build does not resume frames of layout %s", from)
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i] == *pc {
			*pc = pairs[i+1]
			return nil
		}
	}
	return fmt.Errorf("the frame, of layout %s, is at machine state %d, which no state of this layout resumes", from, *pc)
}

// upgrader is a machine that resumes the frames of earlier layouts (the
// methods durablegen generates from a Resumes table).
type upgrader interface {
	Resumes() []string
	Upgrade(from string) error
}

// upgrade moves the decoded frame of an instance stored under an earlier
// layout (x.upgradeFrom) to the machine's states, and commits it under
// the machine's layout before anything runs, in one fenced checkpoint
// that also changes the instance's version: from then on only workers
// that run this layout claim it. The step at the checkpoint keeps its
// key.
func (x *Exec) upgrade(m Machine) error {
	u, ok := m.(upgrader)
	if !ok {
		return x.fail(fmt.Errorf("instance %s is stored under layout %s, which workflow %s does not resume", x.id, x.upgradeFrom, x.key))
	}
	if err := u.Upgrade(x.upgradeFrom); err != nil {
		return x.fail(fmt.Errorf("resume instance %s under layout %s: %w", x.id, x.upgradeTo, err))
	}
	seq := x.stepKeySeq()
	frame, err := x.encodeFrame(seq)
	if err != nil {
		return x.fail(err)
	}
	cp := x.checkpoint(frame, StatusRunning, &pending{set: true, kind: "upgrade", detail: []byte(fmt.Sprintf("%q", x.upgradeFrom+" -> "+x.upgradeTo))})
	cp.Attempt = x.attempt
	cp.Version = x.upgradeTo
	if err := x.commitCheckpoint(cp); err != nil {
		return x.stop(fmt.Errorf("commit the upgrade of instance %s to layout %s: %w", x.id, x.upgradeTo, err))
	}
	x.committed(frame)
	x.stepSeq = seq
	x.key = x.key[:len(x.key)-len(x.upgradeFrom)] + x.upgradeTo
	x.upgradeFrom = ""
	return nil
}
