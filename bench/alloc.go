package main

import (
	goruntime "runtime"
	"testing"

	"github.com/durablegen/durable/bench/workflows"
	"github.com/durablegen/durable/runtime"
)

// memStats holds the allocation counters of the Go runtime.
type memStats struct{ mallocs, bytes uint64 }

func (m *memStats) read() {
	var s goruntime.MemStats
	goruntime.ReadMemStats(&s)
	m.mallocs, m.bytes = s.Mallocs, s.TotalAlloc
}

// codecAllocs returns the allocations the codec makes per checkpoint of
// Sequential: encoding its frame into a reused buffer, and encoding the
// step's result for the history event.
func codecAllocs() (frame, result float64) {
	m, ok := workflows.ServiceSequentialWorkflow.Bind(&workflows.Service{}).NewMachine().(runtime.Machine)
	if !ok {
		return 0, 0
	}
	// A frame in the middle of a run: values above 255, which Go cannot
	// box without allocating.
	mid := []byte(`{"pc":6,"n":200,"total":11325,"i":150,"t":150,"t1":200,"v":151,"err":null}`)
	if err := m.UnmarshalFrame(runtime.NewDecoder(mid, nil)); err != nil {
		return 0, 0
	}
	enc := runtime.NewEncoder(nil, nil)
	var buf []byte
	frame = testing.AllocsPerRun(1000, func() {
		enc.Reset(buf)
		m.MarshalFrame(enc)
		buf, _ = enc.Bytes()
	})
	// The step's results stay below 256 in the measured runs, so boxing
	// them does not allocate; only encoding/json's output does.
	var codec runtime.Codec = runtime.JSONCodec{}
	v := 151
	result = testing.AllocsPerRun(1000, func() {
		_, _ = codec.Marshal(v)
	})
	return frame, result
}
