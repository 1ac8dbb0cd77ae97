package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/durablegen/durable/chaos/trace"
)

// partitionScenarios: 6, a worker cut off from PostgreSQL and back, over
// and over.
func partitionScenarios() []*scenario {
	short := plan{
		duration: 33 * time.Second, every: 5 * time.Second, pause: 5 * time.Second, faults: 3, // 5 s on, 5 s off: 3 cuts in 33 s
		lease: time.Second, poll: 50 * time.Millisecond, workers: 4, concurrency: 96,
		active: 200, steps: 20, work: 15 * time.Millisecond, shutdown: time.Second, settle: 60 * time.Second,
	}
	long := short
	long.duration, long.faults = 10*time.Minute, 59
	return []*scenario{{name: "partition/cluster", store: onPartition, short: short, long: long, run: runPartition,
		about: "one of 4 workers cut off from the harness's own PostgreSQL cluster 5 s on, 5 s off: it runs in a network namespace joined to the host by a veth whose packets are dropped both ways"}}
}

// partition is a network namespace of the harness's own, joined to the
// host by a veth pair with a link-local /30 of its own: the worker of slot
// 0 runs in the namespace and reaches the cluster at hostIP. cut drops
// every packet on both ends of the pair (a blackhole qdisc: no reset, no
// error, the connections stay open as in a real partition) and heal
// stops dropping them. Nothing is routed beyond the pair.
type partition struct {
	ns             string // /run/netns/<ns>
	hostDev, nsDev string
	hostIP, nsIP   string
	dsn            string // the cut-off worker's -store
}

// newPartition creates the namespace and the veth pair. It needs root and
// iproute2 (ip, tc); if it cannot, it removes what it made and says so.
func newPartition(ctx context.Context) (*partition, error) {
	var b [3]byte
	rand.Read(b[:])
	tag := hex.EncodeToString(b[:])
	n := &partition{ns: "chaos-" + tag, hostDev: "ch" + tag + "h", nsDev: "ch" + tag + "n"}
	var err error
	if n.hostIP, n.nsIP, err = freeLinkLocal(ctx); err == nil {
		err = n.create(ctx)
	}
	if err != nil {
		n.remove()
		return nil, fmt.Errorf("%w: the partition scenario runs a worker in a network namespace joined by a veth pair, which needs root and iproute2 (ip, tc with the blackhole qdisc): %v", errSkip, err)
	}
	return n, nil
}

// freeLinkLocal picks a /30 of 169.254.0.0/16 that no address or route of
// the host mentions (169.254.169.254, a cloud's metadata service, never),
// and returns its two hosts.
func freeLinkLocal(ctx context.Context) (host, peer string, err error) {
	seen, err := exec.CommandContext(ctx, "sh", "-c", "ip -4 -o addr show; ip -4 route show table all").CombinedOutput()
	if err != nil {
		return "", "", fmt.Errorf("ip: %v: %s", err, seen)
	}
	for range 100 {
		var r [2]byte
		rand.Read(r[:])
		x, y := 64+int(r[0])%128, 4*(int(r[1])%63)
		net := fmt.Sprintf("169.254.%d.", x)
		if x == 169 || strings.Contains(string(seen), net) {
			continue
		}
		return fmt.Sprintf("%s%d", net, y+1), fmt.Sprintf("%s%d", net, y+2), nil
	}
	return "", "", errors.New("no free link-local /30")
}

// create makes the namespace, the pair and their addresses.
func (n *partition) create(ctx context.Context) error {
	for _, args := range [][]string{
		{"ip", "netns", "add", n.ns},
		{"ip", "link", "add", n.hostDev, "type", "veth", "peer", "name", n.nsDev, "netns", n.ns},
		{"ip", "addr", "add", n.hostIP + "/30", "dev", n.hostDev},
		{"ip", "link", "set", n.hostDev, "up"},
		{"ip", "-n", n.ns, "addr", "add", n.nsIP + "/30", "dev", n.nsDev},
		{"ip", "-n", n.ns, "link", "set", n.nsDev, "up"},
		{"ip", "-n", n.ns, "link", "set", "lo", "up"},
		// Checked now, so that a missing qdisc skips the scenario before it runs.
		{"tc", "qdisc", "add", "dev", n.hostDev, "root", "blackhole"},
		{"tc", "qdisc", "del", "dev", n.hostDev, "root"},
	} {
		if err := command(ctx, args...); err != nil {
			return err
		}
	}
	return nil
}

// command runs a command of the host, with its output in the error.
func command(ctx context.Context, args ...string) error {
	if out, err := exec.CommandContext(ctx, args[0], args[1:]...).CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// drop cuts the pair (on) or heals it (off).
func (n *partition) drop(ctx context.Context, on bool) error {
	op := "del"
	if on {
		op = "add"
	}
	host := []string{"tc", "qdisc", op, "dev", n.hostDev, "root"}
	peer := []string{"tc", "-n", n.ns, "qdisc", op, "dev", n.nsDev, "root"}
	if on {
		host, peer = append(host, "blackhole"), append(peer, "blackhole")
	}
	return errors.Join(command(ctx, host...), command(ctx, peer...))
}

// remove deletes the pair (both ends) and the namespace.
func (n *partition) remove() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = command(ctx, "ip", "link", "del", n.hostDev)
	_ = command(ctx, "ip", "netns", "del", n.ns)
}

// command runs the worker of slot 0 in the namespace, on the cluster's
// address on the pair; the others run as they are.
func (n *partition) command(slot int, bin string, args []string) (string, []string) {
	if slot != 0 {
		return bin, args
	}
	args = slices.Clone(args)
	if i := slices.Index(args, "-store"); i >= 0 && i+1 < len(args) {
		args[i+1] = n.dsn
	}
	return "ip", append([]string{"netns", "exec", n.ns, bin}, args...)
}

// openPartitioned creates the namespace and a cluster that listens on
// loopback and on the host's end of the pair, and opens the store there.
func openPartitioned(ctx context.Context) (store, error) {
	if os.Geteuid() != 0 {
		return store{}, fmt.Errorf("%w: the partition scenario creates a network namespace, which needs root", errSkip)
	}
	n, err := newPartition(ctx)
	if err != nil {
		return store{}, err
	}
	c, err := startCluster(ctx, n)
	if err != nil {
		n.remove()
		return store{}, err
	}
	st, err := openPostgres(ctx, c.dsn(), c)
	if err != nil {
		c.stop()
		n.remove()
		return store{}, err
	}
	u, err := url.Parse(st.arg)
	if err != nil {
		st.close()
		n.remove()
		return store{}, err
	}
	u.Host = fmt.Sprintf("%s:%d", n.hostIP, c.port)
	n.dsn = u.String()
	st.net = n
	closeCluster := st.close
	st.close = func() {
		closeCluster()
		n.remove()
	}
	return st, nil
}

// runPartition keeps the mixed workload in flight on 4 workers, and from
// the time they run, cuts the worker of slot 0 off for p.pause after
// every p.every it stayed connected.
func runPartition(e *env, p plan) (judge, error) {
	if err := e.workers(p.workers, p.concurrency, p.shutdown); err != nil {
		return nil, err
	}
	bg := background(e, p, true)
	if err := e.waitRunning(30 * time.Second); err != nil {
		return nil, err
	}
	n := e.st.net
	var dropErr error
	runFor(p.duration, func(stop <-chan struct{}) {
		for dropErr == nil {
			select {
			case <-stop:
				return
			case <-time.After(p.every):
			}
			w := e.fleet.current(0)
			at := time.Now()
			if dropErr = n.drop(e.ctx, true); dropErr != nil {
				return
			}
			time.Sleep(p.pause)
			if dropErr = n.drop(e.ctx, false); dropErr != nil {
				return
			}
			e.logFault(fault{kind: "partition", owner: w.owner, at: at, end: time.Now()})
		}
	})
	if dropErr != nil {
		_ = n.drop(e.ctx, false)
		bg.finish(0)
		return nil, fmt.Errorf("partition: %w", dropErr)
	}
	if err := bg.finish(p.settle); err != nil {
		return nil, err
	}
	return func(ev *evidence, f *figures) []verdict {
		stale, commits := cutOffFenced(ev)
		bound := connectedBound(ev, f)
		e.figure("takeover bound", "%v (lease + lease/3 + poll + the slowest claim of the connected workers)", bound.Round(time.Millisecond))
		e.figure("cut-off worker", "%d of its commits and heartbeats fenced after its first cut began; %d of its commits succeeded then", stale, commits)
		return []verdict{
			atLeast("partitions", len(ev.faults), p.faults),
			{name: "cut-off worker fenced when back", ok: stale > 0, got: itoa(stale), want: "> 0 (its stale commits and heartbeats rejected)"},
			within("slowest recovery", f.slowest, bound),
		}
	}, nil
}

// connectedBound is the takeover bound of [figures.bound] with the claim
// round trip measured on the workers that stayed connected: the cut-off
// worker's claims wait out the cut, which is not a takeover's time.
func connectedBound(ev *evidence, f *figures) time.Duration {
	cut := map[string]bool{}
	for _, x := range ev.faults {
		cut[x.owner] = true
	}
	var claims []time.Duration
	for _, p := range ev.procs {
		for _, x := range p.events {
			if !cut[p.owner] && x.Op == trace.OpClaim && x.Sent != 0 {
				claims = append(claims, time.Duration(x.At-x.Sent))
			}
		}
	}
	slices.Sort(claims)
	return f.lease + f.lease/3 + f.poll + max(250*time.Millisecond, quantile(claims, 1))
}

// cutOffFenced counts the commits and heartbeats of the cut-off workers
// (slot 0) that the store fenced after their first partition began (see
// fenced), and their commits that succeeded then.
func cutOffFenced(ev *evidence) (stale, commits int) {
	owners := map[string]int64{} // owner → when its first cut began
	for _, x := range ev.faults {
		if t, ok := owners[x.owner]; !ok || x.at.UnixNano() < t {
			owners[x.owner] = x.at.UnixNano()
		}
	}
	for _, p := range ev.procs {
		from, ok := owners[p.owner]
		if !ok {
			continue
		}
		for _, x := range fenced(p) {
			if x.At >= from {
				stale++
			}
		}
		for _, x := range p.events {
			if x.At >= from && x.Op == trace.OpCommit && x.Err == "" {
				commits++
			}
		}
	}
	return stale, commits
}
