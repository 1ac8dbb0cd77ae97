package crashdemo

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Dir returns the directory for a demo's databases and a function to call
// at exit. With dir empty it is a new temporary directory, removed at exit
// unless keep is set; otherwise dir, created if needed, where the demo's
// databases (the names given) of an earlier run are removed first unless
// keep is set, so that each run starts afresh.
func Dir(name, dir string, keep bool, out io.Writer, dbs ...string) (string, func(), error) {
	if dir == "" {
		d, err := os.MkdirTemp("", name+"-")
		if err != nil {
			return "", nil, fmt.Errorf("create temporary directory: %w", err)
		}
		if keep {
			return d, func() { fmt.Fprintf(out, "kept %s\n", d) }, nil
		}
		return d, func() { os.RemoveAll(d) }, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", nil, err
	}
	if !keep {
		for _, db := range dbs {
			for _, suffix := range []string{"", "-wal", "-shm"} {
				if err := os.Remove(filepath.Join(dir, db+suffix)); err != nil && !errors.Is(err, os.ErrNotExist) {
					return "", nil, fmt.Errorf("remove old database: %w", err)
				}
			}
		}
	}
	return dir, func() {}, nil
}
