//go:build unix

package fuzzgen

import (
	"context"
	"os/exec"
	"syscall"
)

// runChild runs a command in its own process group and returns its
// combined output and process ID; cancelling ctx kills the whole group
// (the go commands it started included).
func runChild(ctx context.Context, name string, args ...string) ([]byte, int, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	out, err := cmd.CombinedOutput()
	pid := 0
	if cmd.Process != nil {
		pid = cmd.Process.Pid
	}
	return out, pid, err
}
