package codegen

import (
	"fmt"
	"go/types"
	"strings"
)

// Types the user does not own — declared in the standard library or in
// another module — cannot be given exported fields or marshal methods, so
// a refusal of one says what it is, and the fix is to recompute it after
// the checkpoint; a handle (an open file, a connection, a lock) cannot
// survive a crash at all.

// handles maps library types that are handles to what they hold.
var handles = map[string]string{
	"os.File":            "an open file",
	"os.Process":         "a running process",
	"os/exec.Cmd":        "a running command",
	"net.Conn":           "a network connection",
	"net.TCPConn":        "a network connection",
	"net.UDPConn":        "a network connection",
	"net.UnixConn":       "a network connection",
	"net.IPConn":         "a network connection",
	"net.Listener":       "a listening socket",
	"net.TCPListener":    "a listening socket",
	"net.UnixListener":   "a listening socket",
	"net/http.Client":    "an HTTP client with its open connections",
	"net/http.Transport": "an HTTP transport with its open connections",
	"net/http.Server":    "a running HTTP server",
	"net/http.Response":  "an HTTP response with its open body",
	"database/sql.DB":    "a database connection pool",
	"database/sql.Conn":  "a database connection",
	"database/sql.Tx":    "a database transaction",
	"database/sql.Rows":  "an open database cursor",
	"database/sql.Row":   "an open database cursor",
	"database/sql.Stmt":  "a prepared database statement",
	"bufio.Reader":       "a buffered reader over an open reader",
	"bufio.Writer":       "a buffered writer over an open writer",
	"bufio.ReadWriter":   "a buffered reader and writer over open ones",
	"bufio.Scanner":      "a scanner over an open reader",
	"io.PipeReader":      "one end of a pipe",
	"io.PipeWriter":      "one end of a pipe",
	"time.Timer":         "a timer of this process",
	"time.Ticker":        "a ticker of this process",
	"context.Context":    "the context of this process's call",
}

// handleType returns what n holds if it is a handle, or "".
func handleType(n *types.Named) string {
	obj := n.Obj()
	if obj.Pkg() == nil {
		return ""
	}
	what, ok := handles[obj.Pkg().Path()+"."+obj.Name()]
	if !ok && (obj.Pkg().Path() == "sync" || obj.Pkg().Path() == "sync/atomic") {
		what, ok = "a lock or other synchronization state of this process", true
	}
	if !ok {
		return ""
	}
	return fmt.Sprintf("%s.%s is %s, a handle that cannot survive a crash", obj.Pkg().Name(), obj.Name(), what)
}

// foreign reports whether the user cannot change named type n: it is
// declared in the standard library, or outside the workflow's module.
func (c *storable) foreign(n *types.Named) bool {
	pkg := n.Obj().Pkg()
	if pkg == nil {
		return false
	}
	path := pkg.Path()
	if first, _, _ := strings.Cut(path, "/"); !strings.Contains(first, ".") {
		return true // the standard library
	}
	return c.module != "" && path != c.module && !strings.HasPrefix(path, c.module+"/")
}

// foreignType returns why a value of foreign type n cannot be stored,
// without advice to change the type.
func (c *storable) foreignType(n *types.Named, inFuture bool) string {
	why := c.structure(n, inFuture)
	if why == "" {
		return ""
	}
	name := n.Obj().Pkg().Name() + "." + n.Obj().Name()
	if c.handle {
		return fmt.Sprintf("%s holds a handle: %s", name, why)
	}
	return fmt.Sprintf("%s (package %s) keeps state that the frame cannot store", name, n.Obj().Pkg().Path())
}
