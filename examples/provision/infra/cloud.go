package infra

import (
	"context"
	"fmt"
	"hash/fnv"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/examples/internal/ledger"
)

// Cloud is the client of the simulated cloud, whose log is the ledger at
// Log. A resource becomes ready after a few status polls, depending on its
// kind ([PollsToReady]); the one named Fail, if any, fails instead.
type Cloud struct {
	Log  string
	Fail string
}

// PollsToReady returns the number of status polls after which a resource
// of kind is ready.
func PollsToReady(kind string) int {
	switch kind {
	case "db":
		return 3
	case "vm", "cache":
		return 2
	default:
		return 1
	}
}

func (c Cloud) ledger() ledger.Ledger { return ledger.Ledger{Path: c.Log} }

// create asks the cloud to create r in stack, once per step key, and
// returns the new resource's ID.
func (c Cloud) create(ctx context.Context, stack string, r Resource) (Created, error) {
	key := durable.StepKey(ctx)
	id, err := c.ledger().Call(ctx, key, "create", stack+"/"+r.Name, func(int) (string, error) {
		h := fnv.New32a()
		h.Write([]byte(key))
		return fmt.Sprintf("%s-%08x", r.Kind, h.Sum32()), nil
	})
	return Created{Name: r.Name, Kind: r.Kind, ID: id}, err
}

// status asks the cloud for the state of resource r, once per step key.
func (c Cloud) status(ctx context.Context, r Created) (string, error) {
	return c.ledger().Call(ctx, durable.StepKey(ctx), "poll", r.ID, func(before int) (string, error) {
		switch {
		case before+1 < PollsToReady(r.Kind):
			return Pending, nil
		case r.Name == c.Fail:
			return Failed, nil
		default:
			return Ready, nil
		}
	})
}

// Delete deletes resource id, once per step key.
//
//durable:step retries=5 backoff=1s..1m timeout=30s
func (c Cloud) Delete(ctx context.Context, id string) error {
	_, err := c.ledger().Call(ctx, durable.StepKey(ctx), "delete", id, func(int) (string, error) {
		return "deleted", nil
	})
	return err
}
