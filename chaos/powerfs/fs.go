package main

import (
	"context"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// root is the directory of one mount of a disk.
type root struct {
	fs.Inode
	d *disk
}

var (
	_ fs.NodeOnAdder   = (*root)(nil)
	_ fs.NodeCreater   = (*root)(nil)
	_ fs.NodeUnlinker  = (*root)(nil)
	_ fs.NodeFsyncer   = (*node)(nil)
	_ fs.NodeOpener    = (*node)(nil)
	_ fs.NodeReader    = (*node)(nil)
	_ fs.NodeWriter    = (*node)(nil)
	_ fs.NodeSetattrer = (*node)(nil)
	_ fs.NodeGetattrer = (*node)(nil)
	_ fs.NodeAllocater = (*node)(nil)
	_ fs.NodeFlusher   = (*node)(nil)
)

// mount mounts d on dir. Nothing is cached by the kernel beyond an open
// file's pages: attributes and entries are asked for every time.
func mount(dir string, d *disk) (*fuse.Server, error) {
	var zero time.Duration
	return fs.Mount(dir, &root{d: d}, &fs.Options{
		EntryTimeout: &zero, AttrTimeout: &zero, NegativeTimeout: &zero,
		MountOptions: fuse.MountOptions{DirectMount: true, DirectMountStrict: true, FsName: "powerfs", Name: "powerfs", MaxBackground: 64},
	})
}

// OnAdd lists the disk's files in the new mount.
func (r *root) OnAdd(ctx context.Context) {
	for _, name := range r.d.names() {
		f := r.d.get(name)
		r.AddChild(name, r.NewPersistentInode(ctx, &node{f: f}, fs.StableAttr{Mode: fuse.S_IFREG, Ino: f.ino}), false)
	}
}

func (r *root) Create(ctx context.Context, name string, flags, mode uint32, out *fuse.EntryOut) (*fs.Inode, fs.FileHandle, uint32, syscall.Errno) {
	f := r.d.create(name, mode)
	n := &node{f: f}
	n.fill(&out.Attr)
	return r.NewPersistentInode(ctx, n, fs.StableAttr{Mode: fuse.S_IFREG, Ino: f.ino}), nil, 0, 0
}

func (r *root) Unlink(ctx context.Context, name string) syscall.Errno {
	if !r.d.remove(name) {
		return syscall.ENOENT
	}
	return 0
}

// node is a file of a mount.
type node struct {
	fs.Inode
	f *file
}

func (n *node) fill(a *fuse.Attr) {
	a.Ino = n.f.ino
	a.Mode = fuse.S_IFREG | (n.f.mode & 0o7777)
	a.Nlink = 1
	a.Size = uint64(n.f.size())
	a.Blocks = (a.Size + 511) / 512
	a.Blksize = 4096
}

func (n *node) Open(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	return nil, 0, 0
}

func (n *node) Getattr(ctx context.Context, fh fs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	n.fill(&out.Attr)
	return 0
}

func (n *node) Setattr(ctx context.Context, fh fs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	if sz, ok := in.GetSize(); ok {
		n.f.truncate(int64(sz))
	}
	n.fill(&out.Attr)
	return 0
}

func (n *node) Read(ctx context.Context, fh fs.FileHandle, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	return fuse.ReadResultData(dest[:n.f.read(dest, off)]), 0
}

func (n *node) Write(ctx context.Context, fh fs.FileHandle, data []byte, off int64) (uint32, syscall.Errno) {
	n.f.write(off, data)
	return uint32(len(data)), 0
}

// Allocate grows the file (fallocate without KEEP_SIZE); it is a change
// like a write, lost if unsynced.
func (n *node) Allocate(ctx context.Context, fh fs.FileHandle, off, size uint64, mode uint32) syscall.Errno {
	const keepSize = 1 // FALLOC_FL_KEEP_SIZE
	if mode&keepSize == 0 && int64(off+size) > n.f.size() {
		n.f.truncate(int64(off + size))
	}
	return 0
}

// Flush is a close: it makes nothing durable.
func (n *node) Flush(ctx context.Context, fh fs.FileHandle) syscall.Errno { return 0 }

func (n *node) Fsync(ctx context.Context, fh fs.FileHandle, flags uint32) syscall.Errno {
	n.f.sync()
	return 0
}
