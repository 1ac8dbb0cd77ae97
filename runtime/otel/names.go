package otel

// Attributes of spans and metrics. They name instances, workflows,
// checkpoints, attempts and workers, never the data of an instance: no
// input, output, frame, step result or signal payload is recorded.
const (
	AttrInstance      = "durable.instance.id"
	AttrWorkflow      = "durable.workflow.name"
	AttrVersion       = "durable.workflow.version"
	AttrCheckpoint    = "durable.checkpoint"     // a checkpoint's sequence number (for a run: where it resumes)
	AttrCheckpointEnd = "durable.checkpoint.end" // the checkpoints committed when a run ended
	AttrWorker        = "durable.worker"
	AttrStatus        = "durable.status" // the instance's status after a run or commit
	AttrStep          = "durable.step.name"
	AttrAttempt       = "durable.step.attempt" // counting from 1
	AttrIndex         = "durable.step.index"   // among the futures of durable.All or Select, from 1
	AttrCompensation  = "durable.step.compensation"
	AttrOutcome       = "durable.outcome" // "ok" or "error"
	AttrKind          = "durable.checkpoint.kind"
	AttrBytes         = "durable.checkpoint.bytes"
	AttrDuration      = "durable.checkpoint.duration" // seconds
	AttrError         = "durable.error"
	AttrCreated       = "durable.instance.created"
	AttrChild         = "durable.child.id"
	AttrChildWorkflow = "durable.child.workflow"
	AttrSignal        = "durable.signal.name"
	AttrFrom          = "durable.signal.from"
)

// Metrics.
const (
	// MetricStarted counts the instances created (by Start and as
	// children), by workflow.
	MetricStarted = "durable.workflow.started"
	// MetricCompleted counts the instances that reached a terminal status,
	// by workflow and status (completed, failed, canceled).
	MetricCompleted = "durable.workflow.completed"
	// MetricStepDuration is the duration of the step attempts that ran, by
	// workflow, step, outcome and whether it was a compensation.
	MetricStepDuration = "durable.step.duration"
	// MetricRetries counts step attempts after the first, by workflow and
	// step.
	MetricRetries = "durable.step.retries"
	// MetricCommitDuration is the duration of checkpoint commits, by
	// workflow, checkpoint kind and outcome.
	MetricCommitDuration = "durable.checkpoint.duration"
	// MetricCommitSize is the bytes a committed checkpoint wrote, by
	// workflow.
	MetricCommitSize = "durable.checkpoint.size"
	// MetricQueueLag is the time from an instance becoming runnable to its
	// claim, by workflow, where it is known (see runtime.RunInfo.Lag).
	MetricQueueLag = "durable.queue.lag"
)
