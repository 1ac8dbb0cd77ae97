package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/durablegen/durable/runtime"
)

// timeLayout is how times are printed: UTC, to the second unless finer
// precision matters (history).
const timeLayout = "2006-01-02T15:04:05Z07:00"

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(timeLayout)
}

func fmtTimeNano(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// relative says how far t is from now: "in 5m0s" or "3s ago".
func relative(t, now time.Time) string {
	d := t.Sub(now).Round(time.Second)
	if d >= 0 {
		return "in " + d.String()
	}
	return (-d).String() + " ago"
}

// shortWorkflow drops the import path of a workflow name:
// "example.com/pay.Transfer" is "pay.Transfer".
func shortWorkflow(name string) string {
	if i := strings.LastIndex(name, "/"); i >= 0 {
		return name[i+1:]
	}
	return name
}

// errorMessage returns the message of an instance's stored error: the
// workflow's error of a failed one, the reason of a cancelled one.
func errorMessage(inst *runtime.Instance) string {
	if inst.Error == "" {
		return ""
	}
	if inst.Status == runtime.StatusCanceled {
		return inst.Error
	}
	if err := runtime.DecodeError(inst.Error, nil); err != nil {
		return err.Error()
	}
	return inst.Error
}

// firstLine returns the first line of s, cut to n runes.
func firstLine(s string, n int) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " …"
	}
	return truncate(s, n)
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// payloadText shows stored bytes: as they are when they are text (JSON,
// the default codec), else as hex.
func payloadText(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if utf8.Valid(b) && !strings.ContainsFunc(string(b), func(r rune) bool { return r < 0x20 && r != '\n' && r != '\t' }) {
		return string(b)
	}
	return "hex:" + hex.EncodeToString(b)
}

// payloadJSON is b as a JSON value for -json output: b itself when it is
// JSON, else a string with its text.
func payloadJSON(b []byte) json.RawMessage {
	if len(b) == 0 {
		return nil
	}
	if json.Valid(b) {
		return json.RawMessage(b)
	}
	s, _ := json.Marshal(payloadText(b))
	return s
}

// detail is the one-line summary of what inst is doing or why it ended.
func detail(inst *runtime.Instance, now time.Time) string {
	d := statusDetail(inst, now)
	if inst.Run > 1 {
		if d == "" {
			return fmt.Sprintf("run %d", inst.Run)
		}
		return fmt.Sprintf("run %d, %s", inst.Run, d)
	}
	return d
}

// laterRun is the run number of an instance for JSON: 0 (left out) for
// the first.
func laterRun(run int) int {
	if run <= 1 {
		return 0
	}
	return run
}

func statusDetail(inst *runtime.Instance, now time.Time) string {
	switch inst.Status {
	case runtime.StatusRunning:
		if now.After(inst.LeaseUntil) {
			return fmt.Sprintf("owner %s, lease expired %s (another worker takes it over)", inst.Owner, relative(inst.LeaseUntil, now))
		}
		return fmt.Sprintf("owner %s, lease until %s", inst.Owner, fmtTime(inst.LeaseUntil))
	case runtime.StatusSleeping:
		return "wakes " + fmtTime(inst.WakeAt)
	case runtime.StatusWaiting:
		if inst.WakeAt.IsZero() {
			return fmt.Sprintf("awaits signal %q", inst.AwaitName)
		}
		return fmt.Sprintf("awaits signal %q until %s", inst.AwaitName, fmtTime(inst.WakeAt))
	case runtime.StatusFailed, runtime.StatusCanceled:
		return firstLine(errorMessage(inst), 72)
	}
	return ""
}

// plural returns "n thing" or "n things".
func plural(n int64, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

// table writes rows aligned in columns.
type table struct{ tw *tabwriter.Writer }

func newTable(w io.Writer, header ...string) *table {
	t := &table{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
	if len(header) > 0 {
		t.row(header...)
	}
	return t
}

func (t *table) row(cells ...string) {
	for i, c := range cells {
		cells[i] = strings.NewReplacer("\t", " ", "\n", " ").Replace(c)
	}
	fmt.Fprintln(t.tw, strings.Join(cells, "\t"))
}

func (t *table) flush() error { return t.tw.Flush() }

// writeJSON writes v indented.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// instanceJSON is an instance in -json output.
type instanceJSON struct {
	ID         string          `json:"id"`
	Workflow   string          `json:"workflow"`
	Version    string          `json:"version"`
	Status     runtime.Status  `json:"status"`
	Run        int             `json:"run,omitzero"` // when it continued as new
	Seq        int64           `json:"seq"`
	Epoch      int64           `json:"epoch"`
	Attempt    int             `json:"attempt,omitzero"`
	Owner      string          `json:"owner,omitzero"`
	LeaseUntil time.Time       `json:"lease_until,omitzero"`
	WakeAt     time.Time       `json:"wake_at,omitzero"`
	AwaitName  string          `json:"await_signal,omitzero"`
	Error      string          `json:"error,omitzero"`
	Output     json.RawMessage `json:"output,omitzero"`
	Trace      string          `json:"trace,omitzero"`
	CreatedAt  time.Time       `json:"created_at"`
	UpdatedAt  time.Time       `json:"updated_at"`
}

func toJSON(inst *runtime.Instance) instanceJSON {
	return instanceJSON{
		ID:         inst.ID,
		Workflow:   inst.Workflow,
		Version:    inst.Version,
		Status:     inst.Status,
		Run:        laterRun(inst.Run),
		Seq:        inst.Seq,
		Epoch:      inst.Epoch,
		Attempt:    inst.Attempt,
		Owner:      inst.Owner,
		LeaseUntil: inst.LeaseUntil.UTC(),
		WakeAt:     inst.WakeAt.UTC(),
		AwaitName:  inst.AwaitName,
		Error:      errorMessage(inst),
		Output:     payloadJSON(inst.Output),
		Trace:      inst.Trace,
		CreatedAt:  inst.CreatedAt.UTC(),
		UpdatedAt:  inst.UpdatedAt.UTC(),
	}
}
