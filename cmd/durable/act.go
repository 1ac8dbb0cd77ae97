package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/durablegen/durable/runtime"
)

func runSignal(e *env, args []string) error {
	fs := e.newFlags("signal")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(rest, 3, "an instance ID, a signal name and a JSON payload (or - to read it from stdin)"); err != nil {
		return err
	}
	id, name, payload := rest[0], rest[1], []byte(rest[2])
	if name == "" {
		return usagef("empty signal name")
	}
	if rest[2] == "-" {
		if payload, err = io.ReadAll(e.stdin); err != nil {
			return fmt.Errorf("read the payload from stdin: %w", err)
		}
	}
	payload = bytes.TrimSpace(payload)
	if !json.Valid(payload) {
		return usagef(`payload %q is not JSON; quote it for the shell, e.g. '{"Approved":true}', and write strings as '"text"'`, truncate(string(payload), 60))
	}
	if err := e.open(); err != nil {
		return err
	}
	inst, err := e.store.Get(e.ctx, id)
	if err != nil {
		return e.notFound(id, err)
	}
	if err := e.client.Signal(e.ctx, id, name, json.RawMessage(payload)); err != nil {
		if errors.Is(err, runtime.ErrFinished) {
			return fmt.Errorf("instance %s already %s: nothing would receive signal %q", id, inst.Status, name)
		}
		return e.notFound(id, err)
	}
	switch {
	case inst.Status == runtime.StatusWaiting && inst.AwaitName == name:
		fmt.Fprintf(e.stdout, "signal %q sent to %s, which was waiting for it: it is ready to run\n", name, id)
	case inst.AwaitName != "":
		fmt.Fprintf(e.stdout, "signal %q sent to %s; it waits for %q now, and receives this one when it awaits it\n", name, id, inst.AwaitName)
	default:
		fmt.Fprintf(e.stdout, "signal %q sent to %s (%s); it receives it when it awaits it\n", name, id, inst.Status)
	}
	return nil
}

func runCancel(e *env, args []string) error {
	fs := e.newFlags("cancel")
	reason := fs.String("reason", "canceled by an operator", "why, recorded as the instance's error and in its history")
	compensate := fs.Bool("compensate", false, "let the instance run its compensations (durable.Compensate) first: a worker ends it canceled")
	id, err := e.openID(fs, args)
	if err != nil {
		return err
	}
	inst, err := e.store.Get(e.ctx, id)
	if err != nil {
		return e.notFound(id, err)
	}
	switch inst.Status {
	case runtime.StatusCanceled:
		fmt.Fprintf(e.stdout, "instance %s was already canceled (%s)\n", id, inst.Error)
		return nil
	case runtime.StatusCompleted, runtime.StatusFailed:
		return fmt.Errorf("instance %s already %s: cancel stops an instance in progress", id, inst.Status)
	}
	if *compensate {
		if err := e.client.RequestCancel(e.ctx, id, *reason); err != nil {
			return e.notFound(id, err)
		}
		fmt.Fprintf(e.stdout, "cancel of instance %s requested (was %s): the next worker to claim it runs its compensations, then ends it canceled\n", id, inst.Status)
		return nil
	}
	if err := e.client.Cancel(e.ctx, id, *reason); err != nil {
		return e.notFound(id, err)
	}
	after, err := e.store.Get(e.ctx, id)
	if err != nil {
		return err
	}
	if after.Status != runtime.StatusCanceled {
		return fmt.Errorf("instance %s %s before the cancel reached it", id, after.Status)
	}
	msg := fmt.Sprintf("instance %s canceled (was %s)", id, inst.Status)
	if inst.Status == runtime.StatusRunning {
		msg += fmt.Sprintf("; its worker %s stops at its next checkpoint or heartbeat", inst.Owner)
	}
	fmt.Fprintln(e.stdout, msg)
	return nil
}

func runRetry(e *env, args []string) error {
	fs := e.newFlags("retry")
	reason := fs.String("reason", "", "why, recorded in the history")
	force := fs.Bool("force", false, "also retry an instance whose workflow returned its error: it resumes at that return")
	id, err := e.openID(fs, args)
	if err != nil {
		return err
	}
	err = e.client.Retry(e.ctx, id, runtime.RetryOptions{Reason: *reason, Force: *force})
	if errors.Is(err, runtime.ErrNotFound) {
		return e.notFound(id, err)
	}
	if err != nil {
		return err
	}
	inst, err := e.store.Get(e.ctx, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "instance %s is %s again (seq %d, epoch %d): a worker that registers %s at version %s resumes it from its last checkpoint\n",
		id, inst.Status, inst.Seq, inst.Epoch, inst.Workflow, inst.Version)
	return nil
}
