package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/durablegen/durable/internal/wire"
)

// State is what an instance's frame holds at its last committed
// checkpoint: the workflow's live variables, readable as typed data while
// the instance runs, sleeps or waits, and after it ends.
//
// Variables are named as the frame names them: the workflow's parameter
// and locals by their Go names, a local that shadows another renamed
// with a numeric suffix (err, err1, err2...), and temporaries the
// compiler introduced for checkpoints inside expressions (t, t1...).
// Only variables live across some checkpoint are in the frame; a
// variable that is not live at the current checkpoint still holds the
// value it had when it last was. Names starting with "$" are the
// engine's own and are left out.
type State struct {
	ID       string
	Workflow string
	Version  string
	Status   Status
	// Seq is the number of committed checkpoints.
	Seq int64
	// PC is the machine state the instance resumes at: the continuation
	// of its last checkpoint, or the checkpoint itself when it waits for
	// a signal or for a step retry.
	PC int
	// Vars holds each variable's encoded value (JSON, as the generated
	// MarshalFrame wrote it; errors as {"m": message, ...} or null).
	Vars map[string]json.RawMessage

	known knownErrors
}

// Names returns the names of the variables, sorted.
func (s *State) Names() []string {
	names := make([]string, 0, len(s.Vars))
	for n := range s.Vars {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Var decodes variable name into v, which must be a non-nil pointer: to
// the variable's type, or to any type its JSON decodes into. A *error
// gets the error as the workflow would see it after a resume. It fails
// with an error wrapping [ErrNoVariable] if the frame has no such
// variable.
func (s *State) Var(name string, v any) error {
	raw, ok := s.Vars[name]
	if !ok {
		return fmt.Errorf("state of instance %s: variable %q: %w (it has: %s)", s.ID, name, ErrNoVariable, strings.Join(s.Names(), ", "))
	}
	if p, ok := v.(*error); ok {
		*p = decodeError(raw, s.known)
		return nil
	}
	if err := wire.Unmarshal(raw, v, &s.known); err != nil {
		return fmt.Errorf("state of instance %s: variable %q: %w", s.ID, name, err)
	}
	return nil
}

// State returns the live variables of instance id at its last committed
// checkpoint (see [State]); [ErrNotFound] if it does not exist. It reads
// only the instance row, never the history.
func (c *Client) State(ctx context.Context, id string) (*State, error) {
	if err := CheckID(id); err != nil {
		return nil, fmt.Errorf("state of instance: %w", err)
	}
	inst, err := c.store.Get(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("state of instance %s: %w", id, err)
	}
	return stateOf(inst, c.known)
}

// State returns the live variables of the instance at its last committed
// checkpoint (see [Client.State]).
func (h *Handle[Out]) State(ctx context.Context) (*State, error) {
	return h.c.State(ctx, h.id)
}

// StateOf decodes the frame of inst (as read from a store, with its
// Frame) into a [State]. Errors in known keep matching with errors.Is
// when read with [State.Var].
func StateOf(inst *Instance, known ...error) (*State, error) {
	return stateOf(inst, sentinels(known))
}

func stateOf(inst *Instance, known knownErrors) (*State, error) {
	s := &State{
		ID:       inst.ID,
		Workflow: inst.Workflow,
		Version:  inst.Version,
		Status:   inst.Status,
		Seq:      inst.Seq,
		Vars:     make(map[string]json.RawMessage),
		known:    known,
	}
	if inst.Unreadable != nil {
		return nil, fmt.Errorf("state of instance %s: %w", inst.ID, inst.Unreadable)
	}
	if len(bytes.TrimSpace(inst.Frame)) == 0 {
		return s, nil
	}
	d := newDecoder(inst.Frame, known)
	for d.Next() {
		switch k := d.Key(); {
		case k == "pc":
			s.PC = int(d.Int())
		case strings.HasPrefix(k, "$"):
		default:
			s.Vars[k] = bytes.Clone(d.raw)
		}
	}
	if err := d.Err(); err != nil {
		return nil, fmt.Errorf("state of instance %s at checkpoint %d: %w", inst.ID, inst.Seq, err)
	}
	return s, nil
}
