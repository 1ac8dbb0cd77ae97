package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
)

// disk is what the file system holds, apart from any mount of it: a flat
// directory of files, each with the contents its readers see and the
// contents that last reached the platter (its last fsync), and the writes
// made since.
type disk struct {
	mu    sync.Mutex
	files map[string]*file
	ino   uint64 // the last inode number given
}

// file is one file of the disk.
type file struct {
	ino  uint64
	mode uint32

	mu      sync.Mutex
	syncs   int    // since the last power cut
	data    []byte // what reads see
	synced  []byte // what a power cut keeps for certain
	pending []change
}

// change is a write at off, or a change of the file's size to size.
type change struct {
	off  int64
	data []byte
	size int64 // -1 for a write
}

func newDisk() *disk { return &disk{files: map[string]*file{}} }

// create returns the file name, creating it empty if it does not exist.
// The directory entry is durable at once (see package doc).
func (d *disk) create(name string, mode uint32) *file {
	d.mu.Lock()
	defer d.mu.Unlock()
	if f, ok := d.files[name]; ok {
		return f
	}
	d.ino++
	f := &file{ino: d.ino, mode: mode}
	d.files[name] = f
	return f
}

func (d *disk) remove(name string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := d.files[name]
	delete(d.files, name)
	return ok
}

// names returns the files, sorted.
func (d *disk) names() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for n := range d.files {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

func (d *disk) get(name string) *file {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.files[name]
}

// apply returns b with c made to it.
func apply(b []byte, c change) []byte {
	if c.size >= 0 {
		if int(c.size) <= len(b) {
			return b[:c.size]
		}
		return append(b, make([]byte, int(c.size)-len(b))...)
	}
	if end := int(c.off) + len(c.data); end > len(b) {
		b = append(b, make([]byte, end-len(b))...)
	}
	copy(b[c.off:], c.data)
	return b
}

func (f *file) write(off int64, p []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := change{off: off, data: slices.Clone(p), size: -1}
	f.data = apply(f.data, c)
	f.pending = append(f.pending, c)
}

func (f *file) truncate(size int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := change{size: size}
	f.data = apply(f.data, c)
	f.pending = append(f.pending, c)
}

// sync makes everything written so far durable, as fsync does.
func (f *file) sync() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.synced = slices.Clone(f.data)
	f.pending = nil
	f.syncs++
}

func (f *file) read(p []byte, off int64) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if off >= int64(len(f.data)) {
		return 0
	}
	return copy(p, f.data[off:])
}

func (f *file) size() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return int64(len(f.data))
}

// cutStats is what a power cut did; each is, for every file,
// "name:lost/kept/syncs" (its changes lost and kept, and its fsyncs
// since the cut before).
type cutStats struct {
	files, dropped, kept int // files with unsynced changes; changes lost and kept
	each                 []string
}

// powerCut loses what a power cut may lose: of each file's changes since
// its last sync, as rng chooses, none survive, or the first few do (a
// device that writes in order), or any of them do (one that reorders its
// writes: torn pages, a WAL frame's header without its page). What
// survives is the file's contents from then on.
func (d *disk) powerCut(rng *rand.Rand) cutStats {
	var st cutStats
	for _, name := range d.names() {
		f := d.get(name)
		f.mu.Lock()
		d0, k0 := st.dropped, st.kept
		if len(f.pending) > 0 {
			st.files++
			b := slices.Clone(f.synced)
			switch rng.IntN(3) {
			case 0:
				st.dropped += len(f.pending)
			case 1:
				n := rng.IntN(len(f.pending) + 1)
				for _, c := range f.pending[:n] {
					b = apply(b, c)
				}
				st.kept += n
				st.dropped += len(f.pending) - n
			default:
				for _, c := range f.pending {
					if rng.IntN(2) == 0 {
						st.dropped++
						continue
					}
					b = apply(b, c)
					st.kept++
				}
			}
			f.data, f.synced, f.pending = b, slices.Clone(b), nil
		}
		st.each = append(st.each, fmt.Sprintf("%s:%d/%d/%d", name, st.dropped-d0, st.kept-k0, f.syncs))
		f.syncs = 0
		f.mu.Unlock()
	}
	return st
}
