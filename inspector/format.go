package inspector

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/encrypt"
)

// timeLayout is how times are shown: UTC, to the second.
const timeLayout = "2006-01-02 15:04:05Z"

func (h *inspector) funcs() template.FuncMap {
	return template.FuncMap{
		"time": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.UTC().Format(timeLayout)
		},
		"rel":      func(t time.Time) string { return relative(t, h.now()) },
		"iso":      func(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) },
		"short":    shortWorkflow,
		"shortver": shortVersion,
		"dur":      fmtDuration,
		"url":      h.url,
		"instance": func(id string) string { return h.url("/instance?id=" + url.QueryEscape(id)) },
	}
}

// relative says how far t is from now: "in 5m", "3s ago".
func relative(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := t.Sub(now)
	if d >= 0 {
		return "in " + fmtDuration(d)
	}
	return fmtDuration(-d) + " ago"
}

// fmtDuration rounds d to what a reader needs: 340ms, 4.2s, 5m10s, 3h2m, 2d4h.
func fmtDuration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	case d < time.Hour:
		return strings.TrimSuffix(d.Round(time.Second).String(), "0s")
	case d < 48*time.Hour:
		return strings.TrimSuffix(d.Round(time.Minute).String(), "0s")
	}
	days := d / (24 * time.Hour)
	return fmt.Sprintf("%dd%dh", days, (d-days*24*time.Hour)/time.Hour)
}

// shortWorkflow drops the import path of a workflow name:
// "example.com/pay.Transfer" is "pay.Transfer".
func shortWorkflow(name string) string {
	if i := strings.LastIndex(name, "/"); i >= 0 {
		return name[i+1:]
	}
	return name
}

func shortVersion(v string) string {
	if len(v) > 8 {
		return v[:8]
	}
	return v
}

// payload is a stored value as a page shows it.
type payload struct {
	Text   string // readable text: indented JSON, text, or hex
	Short  string // one line, cut
	Sealed string // the key ID of a sealed value the inspector cannot open
	Empty  bool
}

// showPayload prepares stored bytes for a page. A value sealed by
// runtime/encrypt (the handler's store does not open it) is shown as
// sealed, with its key.
func showPayload(b []byte) payload {
	if len(b) == 0 {
		return payload{Empty: true}
	}
	if key, err := encrypt.KeyID(b); err == nil {
		return payload{Sealed: key}
	}
	text := ""
	var buf bytes.Buffer
	switch {
	case json.Valid(b) && json.Indent(&buf, b, "", "  ") == nil:
		text = buf.String()
	case utf8.Valid(b) && !strings.ContainsFunc(string(b), func(r rune) bool { return r < 0x20 && r != '\n' && r != '\t' }):
		text = string(b)
	default:
		text = "hex:" + hex.EncodeToString(b)
	}
	return payload{Text: text, Short: oneLine(string(compactJSON(b)), 120)}
}

func compactJSON(b []byte) []byte {
	var buf bytes.Buffer
	if json.Compact(&buf, b) == nil {
		return buf.Bytes()
	}
	return b
}

// errorText is the message of a stored error (encoded by the runtime),
// or the sealed key of one the inspector cannot open.
func errorText(s string, canceled bool) (msg, sealed string) {
	if s == "" {
		return "", ""
	}
	if key, err := encrypt.KeyID([]byte(s)); err == nil {
		return "", key
	}
	if canceled {
		return s, ""
	}
	if err := runtime.DecodeError(s, nil); err != nil {
		return err.Error(), ""
	}
	return s, ""
}

// oneLine returns the first line of s, cut to n runes.
func oneLine(s string, n int) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " …"
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// childPrefix is how the ID of a child instance extends its parent's.
const childPrefix = "/child-"

// parentOf returns the parent of a child instance ID, if it is one.
func parentOf(id string) (string, bool) {
	i := strings.LastIndex(id, childPrefix)
	if i <= 0 {
		return "", false
	}
	n := id[i+len(childPrefix):]
	if n == "" || strings.Trim(n, "0123456789") != "" {
		return "", false
	}
	return id[:i], true
}

// detail is the one-line summary of what inst is doing or why it ended.
func detail(inst *runtime.Instance, now time.Time) string {
	switch inst.Status {
	case runtime.StatusRunning:
		if now.After(inst.LeaseUntil) {
			return fmt.Sprintf("owner %s, lease expired %s", inst.Owner, relative(inst.LeaseUntil, now))
		}
		return fmt.Sprintf("owner %s, lease %s", inst.Owner, relative(inst.LeaseUntil, now))
	case runtime.StatusSleeping:
		if inst.Attempt > 0 {
			return fmt.Sprintf("retry %d of its step %s", inst.Attempt+1, relative(inst.WakeAt, now))
		}
		return "wakes " + relative(inst.WakeAt, now)
	case runtime.StatusWaiting:
		what := fmt.Sprintf("awaits signal %q", inst.AwaitName)
		if child, ok := strings.CutPrefix(inst.AwaitName, childSignalPrefix); ok {
			what = "awaits child " + child
		}
		if !inst.WakeAt.IsZero() {
			what += ", times out " + relative(inst.WakeAt, now)
		}
		return what
	case runtime.StatusFailed, runtime.StatusCanceled:
		msg, sealed := errorText(inst.Error, inst.Status == runtime.StatusCanceled)
		if sealed != "" {
			return "error sealed (key " + sealed + ")"
		}
		return oneLine(msg, 90)
	}
	if inst.Unreadable != nil {
		return oneLine(inst.Unreadable.Error(), 90)
	}
	return ""
}

// childSignalPrefix starts the name of the signal a parent waits for
// while its child runs.
const childSignalPrefix = "$child:"
