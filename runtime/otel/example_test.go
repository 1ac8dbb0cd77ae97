package otel_test

import (
	"context"
	"fmt"
	"log"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/memstore"
	durableotel "github.com/durablegen/durable/runtime/otel"
	"github.com/durablegen/durable/runtime/otel/internal/orders"
)

// One observer for the worker and the client of a store: the runs of the
// instance are children of the span of its start.
func Example() {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	obs, err := durableotel.New(durableotel.Config{TracerProvider: tp})
	if err != nil {
		log.Fatal(err)
	}
	store := memstore.New()
	w := runtime.NewWorker(store, runtime.WorkerOptions{Observer: obs})
	w.Register(orders.ShipWorkflow)
	c := runtime.NewClient(store, runtime.WithObserver(obs))

	ctx := context.Background()
	h, err := runtime.Start(ctx, c, orders.ShipWorkflow, "ship-1", "res-1")
	if err != nil {
		log.Fatal(err)
	}
	if _, err := w.Drain(ctx); err != nil {
		log.Fatal(err)
	}
	label, err := h.Result(ctx)
	fmt.Println(label, err)
	for _, s := range spans.Ended() {
		fmt.Println(s.Name())
	}
	// Output:
	// track-res-1 <nil>
	// start orders.Ship
	// step Label
	// run orders.Ship
}
