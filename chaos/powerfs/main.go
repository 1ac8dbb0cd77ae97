// Command powerfs is a FUSE file system of the fault harness that loses
// what a power cut loses: every write reaches the readers at once, but
// only what a file's last fsync covered is certain to survive.
//
// Usage:
//
//	powerfs -mount DIR
//
// It mounts an empty flat directory on DIR (with mount(2): it needs root)
// and prints "ready". Each line of stdin is a command:
//
//	cut SEED
//
// unmounts DIR (no process may have a file open there: a power cut
// leaves none running), loses, of each file's changes since its last
// fsync, those that SEED's draw loses (none of them survive, or the first
// few, or any few: see disk.powerCut), and mounts DIR again, so that the
// kernel keeps nothing of before; it answers "cut files=F dropped=D
// kept=K" and, for each file, "NAME:LOST/KEPT/SYNCS" (its fsyncs since
// the cut before), or "error ..." and exits. At the end of stdin it unmounts DIR
// and exits.
//
// Creating and removing a file are durable at once (a journalled file
// system's metadata, as SQLite relies on only after syncing the
// directory, which it does); file data is what a cut may lose.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
)

func main() {
	dir := flag.String("mount", "", "directory to mount on")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "powerfs: -mount is required")
		os.Exit(2)
	}
	if err := serve(*dir); err != nil {
		fmt.Printf("error %v\n", err)
		fmt.Fprintf(os.Stderr, "powerfs: %v\n", err)
		os.Exit(1)
	}
}

func serve(dir string) error {
	d := newDisk()
	srv, err := mount(dir, d)
	if err != nil {
		return fmt.Errorf("mount %s: %w", dir, err)
	}
	fmt.Println("ready")
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		arg, ok := strings.CutPrefix(sc.Text(), "cut ")
		seed, err := strconv.ParseUint(arg, 10, 64)
		if !ok || err != nil {
			fmt.Printf("error bad command %q (want: cut SEED)\n", sc.Text())
			continue
		}
		if err := unmount(srv); err != nil {
			return err
		}
		st := d.powerCut(rand.New(rand.NewPCG(seed, seed^0xc0ffee)))
		if srv, err = mount(dir, d); err != nil {
			return fmt.Errorf("mount %s again: %w", dir, err)
		}
		fmt.Printf("cut files=%d dropped=%d kept=%d %s\n", st.files, st.dropped, st.kept, strings.Join(st.each, " "))
	}
	return unmount(srv)
}

// unmount unmounts srv, trying again for a few seconds while a file is
// still open (a killed process's files close as it is reaped).
func unmount(srv *fuse.Server) error {
	var err error
	for range 100 {
		if err = srv.Unmount(); err == nil {
			srv.Wait()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("unmount: %w", err)
}
