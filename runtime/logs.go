package runtime

import "log/slog"

// Logs. Every line a worker logs about an instance carries the attributes
// below, so that a log query for an instance finds all of it:
//
//   - instance: the instance ID
//   - workflow: its workflow@version
//   - checkpoint: the number of checkpoints it has committed (the run is
//     at the checkpoint after that one)
//   - attempt: the attempt of the step at that checkpoint, counting from 1
//   - worker: the worker's Owner
//
// Lines about the worker itself carry worker. The handler receives the
// run's context, which carries what the observer put in it (a span, with
// runtime/otel), so that a handler that reads it can tie the line to its
// trace.

// log writes a line about the run at level, with the run's attributes
// and then args (key-value pairs, as for slog.Logger.Log).
func (x *Exec) log(level slog.Level, msg string, args ...any) {
	x.logAttempt(level, msg, x.attempt+1, args...)
}

// logAttempt is log for attempt n of the step at the current checkpoint.
func (x *Exec) logAttempt(level slog.Level, msg string, n int, args ...any) {
	l, ctx := x.cfg.logger, x.ctx
	if !l.Enabled(ctx, level) {
		return
	}
	l.Log(ctx, level, msg, append([]any{
		"instance", x.id,
		"workflow", x.key,
		"checkpoint", x.seq,
		"attempt", n,
		"worker", x.cfg.owner,
	}, args...)...)
}
