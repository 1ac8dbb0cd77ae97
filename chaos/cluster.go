package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"time"
)

// cluster is a PostgreSQL cluster of the harness's own, in a directory
// and on a loopback port of its own, so that the nemesis can stop and
// restart it without touching any other server.
type cluster struct {
	bin  string // directory of initdb, pg_ctl, postgres
	data string
	port int
	cred *syscall.Credential // the user the server runs as, when we are root
	// also is an address of a veth of the harness's own the server listens
	// on besides loopback, and peer the one address it accepts from there
	// (the partition scenario's); both empty otherwise.
	also, peer string
}

// postgresBin finds the directory of the PostgreSQL server binaries, the
// newest version first.
func postgresBin() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.Reverse(dirs)
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "pg_ctl")); err == nil {
			return d, nil
		}
	}
	return "", fmt.Errorf("%w: no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (install the postgresql package) for the scenarios that restart their own cluster", errSkip)
}

// startCluster creates a cluster in a new temporary directory and starts
// it on a free port; if n is not nil, it listens on n's host address too
// and accepts connections from n's worker address.
func startCluster(ctx context.Context, n *partition) (*cluster, error) {
	bin, err := postgresBin()
	if err != nil {
		return nil, err
	}
	// A directory of its own, which the server's user can reach when we
	// are root (the run's directory is private).
	dir, err := os.MkdirTemp("", "chaos-pg-")
	if err != nil {
		return nil, err
	}
	c := &cluster{bin: bin, data: filepath.Join(dir, "data")}
	if n != nil {
		c.also, c.peer = n.hostIP, n.nsIP
	}
	if err := os.MkdirAll(c.data, 0o700); err != nil {
		return nil, err
	}
	if os.Geteuid() == 0 {
		// The server refuses to run as root: run it as postgres.
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("%w: running as root, and there is no postgres user to run the cluster as", errSkip)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		for _, d := range []string{dir, c.data} {
			if err := os.Chown(d, uid, gid); err != nil {
				return nil, err
			}
		}
	}
	if c.port, err = freePort(); err != nil {
		return nil, err
	}
	if out, err := c.run(ctx, "initdb", "-D", c.data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"); err != nil {
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	if c.peer != "" {
		hba, err := os.OpenFile(filepath.Join(c.data, "pg_hba.conf"), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			return nil, err
		}
		_, err = fmt.Fprintf(hba, "host all all %s/32 trust\n", c.peer)
		if cerr := hba.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("pg_hba.conf: %w", err)
		}
	}
	if err := c.start(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// freePort returns a loopback TCP port nobody listens on now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (c *cluster) dsn() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}

// run runs one of the cluster's binaries as the cluster's user.
func (c *cluster) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, name), args...)
	cmd.Dir = filepath.Dir(c.data)
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	return cmd.CombinedOutput()
}

// ctl runs pg_ctl with args against the cluster.
func (c *cluster) ctl(ctx context.Context, args ...string) error {
	listen := "127.0.0.1"
	if c.also != "" {
		listen += "," + c.also
	}
	opts := fmt.Sprintf("-p %d -c listen_addresses=%s -k %s -c max_connections=200", c.port, listen, filepath.Dir(c.data))
	args = append(args, "-D", c.data, "-w", "-t", "60", "-o", opts, "-l", filepath.Join(filepath.Dir(c.data), "server.log"))
	if out, err := c.run(ctx, "pg_ctl", args...); err != nil {
		return fmt.Errorf("pg_ctl %s: %v\n%s", args[0], err, out)
	}
	return nil
}

func (c *cluster) start(ctx context.Context) error { return c.ctl(ctx, "start") }

// restart is pg_ctl restart -m immediate: the server dies without a
// checkpoint, as in a crash, and recovers from its WAL.
func (c *cluster) restart(ctx context.Context) error { return c.ctl(ctx, "restart", "-m", "immediate") }

// stopImmediate is pg_ctl stop -m immediate.
func (c *cluster) stopImmediate(ctx context.Context) error {
	return c.ctl(ctx, "stop", "-m", "immediate")
}

// stop stops the cluster for good and removes its directory.
func (c *cluster) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = c.ctl(ctx, "stop", "-m", "immediate")
	os.RemoveAll(filepath.Dir(c.data))
}
