package infra

//go:generate go run github.com/durablegen/durable/cmd/durablegen

import (
	"context"
	"fmt"
	"time"

	"github.com/durablegen/durable"
)

// Resource is one resource of a stack.
type Resource struct {
	Name string // unique in the stack: "db", "vm-1"
	Kind string // network, db, cache, queue, bucket, vm
}

// Plan asks for a stack of resources.
type Plan struct {
	Stack     string
	Resources []Resource
	PollEvery time.Duration
	Cloud     Cloud
}

// Created is a resource the cloud accepted to create.
type Created struct {
	Name, Kind, ID string
}

// Stack is a provisioned stack: every resource ready.
type Stack struct {
	Name      string
	Resources []Created
	Rounds    int // rounds of status polls until all were ready
}

// Resource states the cloud reports.
const (
	Pending = "pending"
	Ready   = "ready"
	Failed  = "failed"
)

// Provision creates every resource of in at once, then polls those not
// ready yet, together, every in.PollEvery until all are. If a create or a
// resource fails, the resources created are deleted, last first, and
// Provision fails.
//
//durable:workflow
func Provision(ctx durable.Context, in Plan) (Stack, error) {
	creates := make([]*durable.Future[Created], 0, len(in.Resources))
	for _, r := range in.Resources {
		creates = append(creates, durable.Go(ctx, "create "+r.Name, func(ctx context.Context) (Created, error) {
			return in.Cloud.create(ctx, in.Stack, r)
		}))
	}
	createErr := durable.All(ctx, durable.Futures(creates)...)
	// Whatever was created is deleted if anything fails from here on:
	// a create that failed, a resource that does not come up.
	var created []Created
	for _, f := range creates {
		if c, err := f.Get(); err == nil {
			created = append(created, c)
			durable.Compensate(ctx, in.Cloud.Delete, c.ID)
		}
	}
	if createErr != nil {
		return Stack{}, fmt.Errorf("create the resources of %s: %w", in.Stack, createErr)
	}

	pending := created
	rounds := 0
	for len(pending) > 0 {
		if rounds > 0 {
			if err := durable.Sleep(ctx, in.PollEvery); err != nil {
				return Stack{}, err
			}
		}
		rounds++
		polls := make([]*durable.Future[string], 0, len(pending))
		for _, c := range pending {
			polls = append(polls, durable.Go(ctx, "poll "+c.Name, func(ctx context.Context) (string, error) {
				return in.Cloud.status(ctx, c)
			}))
		}
		if err := durable.All(ctx, durable.Futures(polls)...); err != nil {
			return Stack{}, fmt.Errorf("poll the resources of %s: %w", in.Stack, err)
		}
		var next []Created
		for i, f := range polls {
			st, _ := f.Get() // All succeeded: every poll did
			switch st {
			case Ready:
			case Failed:
				return Stack{}, fmt.Errorf("resource %s (%s) failed to provision after %d rounds of polls", pending[i].Name, pending[i].ID, rounds)
			default:
				next = append(next, pending[i])
			}
		}
		pending = next
	}
	return Stack{Name: in.Stack, Resources: created, Rounds: rounds}, nil
}
