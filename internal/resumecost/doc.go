// Package resumecost checks a property of the checkpoint protocol: resuming
// an instance costs the same store reads whether 10 or 1000 checkpoints
// committed before, because a resume decodes the last frame and never reads
// or replays history. Its test drives the workflow [Loop] through a store
// that counts calls and rows.
package resumecost
