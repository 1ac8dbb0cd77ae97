package crashdemo

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// child is a worker child process, as its parent sees it.
type child struct {
	n     int // 1 for the first worker, 2 for the one started after the kill
	pid   int
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan []string // its report lines, split at tabs; closed at EOF
	ended bool
}

// startChild starts this program again as worker n with args and waits
// for it to report that it is ready.
func startChild(ctx context.Context, n int, args []string, stderr io.Writer) (*child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("start worker %d: %w", n, err)
	}
	cmd := exec.Command(exe, append([]string{workerArg}, args...)...)
	cmd.Env = append(os.Environ(), WorkerEnv+"=1")
	cmd.Stderr = stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("start worker %d: %w", n, err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("start worker %d: %w", n, err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start worker %d: %w", n, err)
	}
	c := &child{n: n, pid: cmd.Process.Pid, cmd: cmd, stdin: stdin, lines: make(chan []string)}
	go func() {
		defer close(c.lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			c.lines <- strings.Split(sc.Text(), "\t")
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case f, ok := <-c.lines:
		if ok && len(f) == 2 && f[0] == lineReady {
			if pid, err := strconv.Atoi(f[1]); err == nil {
				c.pid = pid
			}
			return c, nil
		}
		err = fmt.Errorf("start worker %d: unexpected report %q", n, strings.Join(f, " "))
	case <-ctx.Done():
		err = fmt.Errorf("start worker %d: %w", n, ctx.Err())
	}
	_ = c.kill()
	return nil, err
}

// kill ends the child with SIGKILL (on Unix; TerminateProcess elsewhere)
// and reaps it. It is a no-op once the child ended.
func (c *child) kill() error {
	if c.ended {
		return nil
	}
	err := c.cmd.Process.Kill()
	c.wait()
	if err != nil {
		return fmt.Errorf("kill worker %d (pid %d): %w", c.n, c.pid, err)
	}
	return nil
}

// stop asks the child to shut down by closing its stdin and waits for it.
func (c *child) stop() error {
	if c.ended {
		return nil
	}
	_ = c.stdin.Close()
	if err := c.wait(); err != nil {
		return fmt.Errorf("worker %d (pid %d): %w", c.n, c.pid, err)
	}
	return nil
}

// wait drains the child's reports and reaps it.
func (c *child) wait() error {
	for range c.lines {
	}
	c.ended = true
	return c.cmd.Wait()
}
