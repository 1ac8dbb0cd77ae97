package crashdemo

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Clock is the durable clock of a demo's store and workers (their
// sqlite.Config.Now and runtime.WorkerOptions.Now): the real clock plus an
// offset kept in a file, so that every process of the demo reads the same
// time. [Run] moves the offset forward to skip a wait: when the instance
// sleeps, or waits for a signal with a timeout, and nothing else is left
// to happen before, the clock jumps to the instance's wake-up time, and
// the worker claims it at once. The clock never runs faster than real
// time otherwise, so leases, which the store measures on this clock and a
// worker renews on its own monotonic one, keep their length: the offset
// moves only while no worker holds the instance.
//
// A Clock with an empty Path is the real clock.
type Clock struct {
	Path string

	mu   sync.Mutex
	last time.Duration // the largest offset read: the clock never goes back
}

// NewClock returns a skipping clock whose offset is kept in dir.
func NewClock(dir string) *Clock {
	return &Clock{Path: filepath.Join(dir, "clock-offset")}
}

// Skips reports whether c skips waits.
func (c *Clock) Skips() bool { return c != nil && c.Path != "" }

// Now returns the durable time.
func (c *Clock) Now() time.Time {
	return time.Now().Add(c.Offset())
}

// Offset returns how far the clock is ahead of the real one.
func (c *Clock) Offset() time.Duration {
	if !c.Skips() {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// A file being replaced, or unreadable for a moment, leaves the last
	// offset read: the clock does not go back.
	if b, err := os.ReadFile(c.Path); err == nil {
		if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && time.Duration(n) > c.last {
			c.last = time.Duration(n)
		}
	}
	return c.last
}

// SkipTo moves the clock forward to t, if t is later than its time, and
// returns by how much it moved.
func (c *Clock) SkipTo(t time.Time) (time.Duration, error) {
	if !c.Skips() {
		return 0, errors.New("crashdemo: the real clock cannot skip")
	}
	d := time.Until(t) - c.Offset()
	if d <= 0 {
		return 0, nil
	}
	off := c.Offset() + d
	tmp := c.Path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strconv.FormatInt(int64(off), 10)), 0o644); err != nil {
		return 0, fmt.Errorf("skip the clock: %w", err)
	}
	if err := os.Rename(tmp, c.Path); err != nil {
		return 0, fmt.Errorf("skip the clock: %w", err)
	}
	c.mu.Lock()
	c.last = max(c.last, off)
	c.mu.Unlock()
	return d, nil
}

// args returns the worker flags that give a child this clock.
func (c *Clock) args() []string {
	if !c.Skips() {
		return nil
	}
	return []string{"-clock", c.Path}
}

// Days formats a duration in days: "1.00 days".
func Days(d time.Duration) string {
	return fmt.Sprintf("%.2f days", d.Hours()/24)
}
