// Package otel records the traces and metrics of durable workflows with
// OpenTelemetry. Its [Observer] is a [runtime.Observer]: give the same one
// to the workers and the clients of a store.
//
//	obs, err := otel.New(otel.Config{TracerProvider: tp, MeterProvider: mp})
//	...
//	w := runtime.NewWorker(store, runtime.WorkerOptions{Observer: obs})
//	c := runtime.NewClient(store, runtime.WithObserver(obs))
//
// The runtime and the stores do not import OpenTelemetry; only programs
// that import this package do.
//
// # Traces
//
// [runtime.Start] records a span "start <workflow>", a child of the span
// in the caller's context, and stores its context with the instance (a
// W3C traceparent, in [runtime.Instance].Trace). Every run of the
// instance, from its claim until it sleeps, waits, finishes or stops, is
// a span "run <workflow>" whose parent is that start: an instance that
// sleeps for a week and resumes on another worker, or that a crash cut
// short and another worker took over, stays in the one trace of the
// request that started it. Under a run:
//
//   - "step <name>", one span per attempt of a step that runs; a step
//     whose checkpoint committed before the instance resumed does not run
//     again and has none. The step's function runs under its span, so
//     that what it calls (an instrumented HTTP client, a database driver)
//     nests under it.
//   - "compensate <name>", one span per attempt of a compensation.
//   - "child <workflow>", the start of a child workflow; the child's runs
//     are children of the span that created it.
//   - "signal <name>", a signal a run sends (the wake-up of a parent,
//     when the store does not commit it with the child's result);
//     [runtime.Client.Signal] records one under the caller's span too.
//   - an event "checkpoint" per commit, with its sequence number, kind,
//     status, bytes and duration.
//
// A run that stops abnormally (its lease lost, its worker killed) ends
// with an error status, and so does the run that fails its instance.
// Spans carry the instance, workflow, version, checkpoint, attempt and
// worker (see the Attr constants), never an input, output, frame, step
// result or signal payload.
//
// # Metrics
//
// The instruments, whose names are the Metric constants:
//
//   - durable.workflow.started, durable.workflow.completed (by status):
//     instances created and ended;
//   - durable.step.duration and durable.step.retries: step attempts;
//   - durable.checkpoint.duration and durable.checkpoint.size: commits;
//   - durable.queue.lag: from an instance becoming runnable to its claim,
//     where it is known (see [runtime.RunInfo].Lag).
//
// # Logs
//
// The runtime's logs (log/slog, [runtime.WorkerOptions].Logger) carry the
// instance, workflow, checkpoint, attempt and worker of every line about
// an instance, and are logged with the run's context: a handler that
// reads the span of its context (an OpenTelemetry log bridge, say) ties
// each line to its trace.
package otel
