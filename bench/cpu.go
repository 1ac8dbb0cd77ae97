package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// cpuUse is the CPU time a measurement took: in this process, and in the
// PostgreSQL backends that served it (zero when it used none). A loaded
// machine stretches wall times but changes CPU times much less, so that
// CPU per workflow compares systems where their rates are noise.
type cpuUse struct {
	self, backends time.Duration
}

func (c cpuUse) String() string {
	return fmt.Sprintf("%s µs in this process + %s µs in PostgreSQL backends", number(us(c.self)), number(us(c.backends)))
}

// per returns c divided by n.
func (c cpuUse) per(n int) cpuUse {
	return cpuUse{self: c.self / time.Duration(n), backends: c.backends / time.Duration(n)}
}

// processCPU returns the user and system CPU time of this process so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// backendCPU returns the CPU time so far of the PostgreSQL backends that
// pg_stat_activity lists where cond holds (on args), read from /proc: the
// server must run on this machine. Backends that ended are not counted.
func backendCPU(ctx context.Context, dsn, cond string, args ...any) (time.Duration, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND "+cond, args...)
	if err != nil {
		return 0, err
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return 0, err
	}
	var total time.Duration
	for _, pid := range pids {
		t, err := procCPU(int(pid))
		if err != nil {
			return 0, err
		}
		total += t
	}
	return total, nil
}

// procCPU returns the user and system time of process pid from
// /proc/pid/stat (in clock ticks of 10 ms).
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("PostgreSQL backend CPU (is the server on this machine?): %w", err)
	}
	// The command may hold spaces: fields count from the last ')'.
	f := bytes.Fields(b[bytes.LastIndexByte(b, ')')+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	utime, err1 := strconv.ParseInt(string(f[11]), 10, 64)
	stime, err2 := strconv.ParseInt(string(f[12]), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: bad times", pid)
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond, nil
}
