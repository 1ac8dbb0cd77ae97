package encrypt_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/encrypt"
)

// frame200 is a 200-byte frame like the ones the engine commits.
var frame200 = []byte(`{"pc":7,"in":{"From":"ACCT-ALICE-7731","To":"ACCT-BOB-9912","Amount":1523456,"PollEvery":30000000000},"key":"tx-42/1","charge":{"ID":"ch_7f3a9c2e1b4d99"},"polls":3,"approvedBy":"carol.xyz","err":null}`)

// BenchmarkSealOpen seals and opens a 200-byte frame: with the keyring
// alone, and through a Store as the engine does, on an inner store that
// costs nothing: a Checkpoint (the frame and a 25-byte event detail
// sealed), then a Get of what it stored (the frame opened).
func BenchmarkSealOpen(b *testing.B) {
	if len(frame200) != 200 {
		b.Fatalf("frame is %d bytes, want 200", len(frame200))
	}
	r := testRing(b)
	b.Run("keyring", func(b *testing.B) {
		ctx := []byte("frame\x00tx-42")
		b.ReportAllocs()
		b.SetBytes(int64(len(frame200)))
		for b.Loop() {
			sealed, err := r.Seal(frame200, ctx)
			if err != nil {
				b.Fatal(err)
			}
			got, err := r.Open(sealed, ctx)
			if err != nil || len(got) != len(frame200) {
				b.Fatalf("Open() = %d bytes, %v", len(got), err)
			}
		}
	})
	for _, withGet := range []bool{false, true} {
		name := "store-checkpoint"
		if withGet {
			name = "store-checkpoint+get"
		}
		b.Run(name, func(b *testing.B) {
			inner := &nopStore{inst: runtime.Instance{ID: "tx-42", Workflow: "w", Version: "v1"}}
			s, err := encrypt.Wrap(inner, r)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			cp := &runtime.Checkpoint{ID: "tx-42", Epoch: 1, Seq: 8, Frame: frame200, Status: runtime.StatusRunning, Event: runtime.Event{Kind: "step", Name: "Charge", Detail: []byte(`{"ID":"ch_7f3a9c2e1b4d"}`)}}
			b.ReportAllocs()
			b.SetBytes(int64(len(frame200)))
			for b.Loop() {
				if err := s.Checkpoint(ctx, cp); err != nil {
					b.Fatal(err)
				}
				if !withGet {
					continue
				}
				inst, err := s.Get(ctx, "tx-42")
				if err != nil || !bytes.Equal(inst.Frame, frame200) {
					b.Fatalf("Get() = %q, %v", inst.Frame, err)
				}
			}
		})
	}
}

// nopStore keeps the last committed frame in a reused buffer and returns
// it from Get without allocating.
type nopStore struct {
	runtime.Store
	inst  runtime.Instance
	frame []byte
}

func (s *nopStore) Checkpoint(ctx context.Context, cp *runtime.Checkpoint) error {
	s.frame = append(s.frame[:0], cp.Frame...)
	return nil
}

func (s *nopStore) Get(ctx context.Context, id string) (*runtime.Instance, error) {
	s.inst.Frame = s.frame
	return &s.inst, nil
}

func (s *nopStore) Heartbeat(ctx context.Context, id string, epoch int64, lease time.Duration) error {
	return nil
}
