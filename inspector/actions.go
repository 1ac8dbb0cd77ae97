package inspector

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/durablegen/durable/runtime"
)

// An action is a POST that changes an instance: it runs behind
// cross-origin protection and redirects to the instance's page.
type action struct {
	path string // under the handler: /signal...
	kind string // the option that switches it off: signal, cancel, retry
	run  func(h *inspector, r *http.Request, id string) error
}

var actions = []action{
	{"signal", "signal", (*inspector).signal},
	{"cancel", "cancel", (*inspector).cancel},
	{"retry", "retry", (*inspector).retry},
}

// actionsView says which forms an instance's page shows.
type actionsView struct {
	Signal, Cancel, Retry bool
	Off                   string // why there are none
}

// enabled reports whether actions of kind are on, or why not.
func (h *inspector) enabled(kind string) error {
	switch {
	case h.opts.ReadOnly:
		return errors.New("the inspector is read-only: actions are switched off")
	case kind == "signal" && h.opts.DisableSignal,
		kind == "cancel" && h.opts.DisableCancel,
		kind == "retry" && h.opts.DisableRetry:
		return fmt.Errorf("the %s action is switched off in this inspector", kind)
	}
	return nil
}

func (h *inspector) actionsFor(inst *runtime.Instance, w *wait) actionsView {
	var v actionsView
	if h.opts.ReadOnly {
		v.Off = "Read-only: no actions."
		return v
	}
	v.Signal = h.enabled("signal") == nil && !inst.Status.Terminal()
	v.Cancel = h.enabled("cancel") == nil && !inst.Status.Terminal()
	v.Retry = h.enabled("retry") == nil && inst.Status == runtime.StatusFailed
	return v
}

// action returns the handler of a: it checks that a is on, runs it, and
// redirects to the instance's page, or shows it with the error.
func (h *inspector) action(a action) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, runtime.DefaultMaxPayload+64<<10)
		if err := h.enabled(a.kind); err != nil {
			h.fail(w, r, http.StatusForbidden, err)
			return
		}
		if err := r.ParseForm(); err != nil {
			h.fail(w, r, http.StatusBadRequest, fmt.Errorf("read the form: %w", err))
			return
		}
		id := r.PostForm.Get("id")
		if id == "" {
			h.fail(w, r, http.StatusBadRequest, errors.New("the form names no instance"))
			return
		}
		done := a.path
		if a.path == "cancel" && r.PostForm.Get("compensate") != "" {
			done = "compensate"
		}
		if err := a.run(h, r, id); err != nil {
			status := actionStatus(err)
			p, pstatus, perr := h.instance(r.Context(), id, "")
			if perr != nil {
				h.fail(w, r, max(status, pstatus), err)
				return
			}
			p.Failed = err.Error()
			h.render(w, status, "instance", p)
			return
		}
		http.Redirect(w, r, h.url("/instance?id="+url.QueryEscape(id)+"&done="+done), http.StatusSeeOther)
	}
}

// actionStatus is the HTTP status of a failed action.
func actionStatus(err error) int {
	var form *formError
	switch {
	case errors.As(err, &form), errors.Is(err, runtime.ErrInvalidID), errors.Is(err, runtime.ErrTooLarge):
		return http.StatusBadRequest
	case errors.Is(err, runtime.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, runtime.ErrFinished), errors.Is(err, runtime.ErrNotRetryable):
		return http.StatusConflict
	}
	return http.StatusInternalServerError
}

// formError is a form the action cannot use.
type formError struct{ msg string }

func (e *formError) Error() string { return e.msg }

func (h *inspector) signal(r *http.Request, id string) error {
	name := r.PostForm.Get("name")
	if name == "" {
		return &formError{"give the signal's name"}
	}
	payload := bytes.TrimSpace([]byte(r.PostForm.Get("payload")))
	if len(payload) == 0 {
		payload = []byte("null")
	}
	if !json.Valid(payload) {
		return &formError{fmt.Sprintf("the payload is not JSON: %s (write strings in quotes, objects as {\"Approved\": true})", jsonError(payload))}
	}
	if err := h.client.Signal(r.Context(), id, name, json.RawMessage(payload)); err != nil {
		return fmt.Errorf("signal %q: %w", name, err)
	}
	return nil
}

func jsonError(b []byte) string {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err.Error()
	}
	return "invalid"
}

func (h *inspector) cancel(r *http.Request, id string) error {
	reason := r.PostForm.Get("reason")
	if reason == "" {
		reason = "canceled from the inspector"
	}
	if r.PostForm.Get("compensate") != "" {
		return h.client.RequestCancel(r.Context(), id, reason)
	}
	return h.client.Cancel(r.Context(), id, reason)
}

func (h *inspector) retry(r *http.Request, id string) error {
	return h.client.Retry(r.Context(), id, runtime.RetryOptions{
		Reason: r.PostForm.Get("reason"),
		Force:  r.PostForm.Get("force") != "",
	})
}

// doneMessage is the banner after a successful action.
func doneMessage(done string) string {
	switch done {
	case "signal":
		return "Signal sent."
	case "cancel":
		return "Instance canceled."
	case "compensate":
		return "Cancel requested: the next worker to claim the instance runs its compensations, then ends it canceled."
	case "retry":
		return "Retry recorded: a worker resumes the instance from its last checkpoint."
	}
	return ""
}
