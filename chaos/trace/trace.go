// Package trace is the instrument of a worker process of the fault
// harness (see package chaos): [Store] wraps the worker's store, writes
// one JSON [Event] per line for every claim, every checkpoint commit and
// every failed heartbeat, with the wall-clock times at which the call was
// sent and returned, and carries out the faults the harness arms
// ([Fault]) at the exact point of a store call they name: before, during
// or after a commit, or during a claim.
package trace

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/durablegen/durable/runtime"
)

// Operations of an [Event].
const (
	OpStart     = "start"     // the worker started (Owner, PID set)
	OpClaim     = "claim"     // a claim returned the instance (ID set), or failed (Err set)
	OpCommit    = "commit"    // Checkpoint returned (Err set if it failed)
	OpHeartbeat = "heartbeat" // Heartbeat failed
	OpFault     = "fault"     // an armed fault fires now (Fault set), before its action
)

// Event is one line of a worker's trace. Times are Unix nanoseconds of
// the wall clock, which every process of a run on one machine shares.
type Event struct {
	Op    string `json:"op"`
	Sent  int64  `json:"sent,omitempty"` // when the store call was made
	At    int64  `json:"at"`             // when it returned (or the event happened)
	ID    string `json:"id,omitempty"`
	Epoch int64  `json:"epoch,omitempty"`
	// Seq is, for a claim, the instance's committed sequence number at the
	// claim; for a commit, the checkpoint's.
	Seq    int64          `json:"seq,omitempty"`
	Status runtime.Status `json:"status,omitempty"` // commit: the status committed
	Clock  int64          `json:"clock,omitempty"`  // claim: the store's clock at the claim
	WakeAt int64          `json:"wake,omitempty"`   // commit: the timer, if any
	Err    string         `json:"err,omitempty"`
	// Fenced and Duplicate say whether Err is runtime.ErrFenced or
	// runtime.ErrDuplicateSeq.
	Fenced    bool   `json:"fenced,omitempty"`
	Duplicate bool   `json:"dup,omitempty"`
	Fault     string `json:"fault,omitempty"` // fault: what fires
	Owner     string `json:"owner,omitempty"` // start
	PID       int    `json:"pid,omitempty"`   // start
}

// Time returns the event's time.
func (e Event) Time() time.Time { return time.Unix(0, e.At) }

// Read calls fn with every whole line of a trace as it arrives, until r
// ends. A last line without its newline, cut by a SIGKILL, is dropped.
func Read(r io.Reader, fn func(Event)) error {
	br := bufio.NewReader(r)
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		var ev Event
		if err := json.Unmarshal(line, &ev); err != nil {
			return fmt.Errorf("trace line %d: %w", n, err)
		}
		fn(ev)
	}
}
