package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/durablegen/durable/inspector"
)

func runUI(e *env, args []string) error {
	fs := e.newFlags("ui")
	addr := fs.String("addr", "127.0.0.1:8080", "listen on this address (host:port; port 0 picks a free one)")
	public := fs.Bool("public", false, "allow an address other than loopback: the inspector has no login, so put it behind an authenticating proxy")
	src := fs.String("src", "", "comma-separated directories to find the workflows' generated code and source in (default: the current directory, if it holds a go.mod)")
	readOnly := fs.Bool("read-only", false, "serve the pages without any action")
	disable := fs.String("disable", "", "switch off these actions, comma-separated: signal, cancel, retry")
	prefix := fs.String("prefix", "", "serve under this path (/durable), as behind a proxy that forwards it")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(rest, 0, "no arguments"); err != nil {
		return err
	}
	opts := inspector.Options{ReadOnly: *readOnly, Prefix: *prefix, Logger: slog.New(slog.NewTextHandler(e.stderr, nil))}
	for _, a := range splitList(*disable) {
		switch a {
		case "signal":
			opts.DisableSignal = true
		case "cancel":
			opts.DisableCancel = true
		case "retry":
			opts.DisableRetry = true
		default:
			return usagef("-disable %q: unknown action %q; want signal, cancel or retry", *disable, a)
		}
	}
	if *prefix != "" && (!strings.HasPrefix(*prefix, "/") || strings.ContainsAny(*prefix, "?#{} ")) {
		return usagef("-prefix %q: want a path starting with /", *prefix)
	}
	opts.SourceDirs = splitList(*src)
	for _, d := range opts.SourceDirs {
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			return usagef("-src %s: not a directory", d)
		}
	}
	if *src == "" {
		if _, err := os.Stat("go.mod"); err == nil {
			opts.SourceDirs = []string{"."}
		}
	}
	if err := checkLoopback(*addr, *public); err != nil {
		return err
	}
	if err := e.open(); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	srv := &http.Server{
		Handler:           inspector.Handler(e.store, opts),
		ReadHeaderTimeout: 10 * time.Second,
	}
	fmt.Fprintf(e.stdout, "inspector of %s at http://%s%s/ (interrupt to stop)\n", e.where, ln.Addr(), strings.TrimRight(*prefix, "/"))
	if len(opts.SourceDirs) == 0 {
		fmt.Fprintln(e.stderr, "durable ui: no -src directory: instance pages show checkpoints without their source; run it in the module's directory or pass -src DIR")
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-e.ctx.Done():
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("stop the server: %w", err)
	}
	return nil
}

// checkLoopback refuses to listen beyond this machine unless public: the
// inspector reads every instance's data and acts on it, with no login.
func checkLoopback(addr string, public bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return usagef("-addr %q: %v; want host:port, such as 127.0.0.1:8080", addr, err)
	}
	if public {
		return nil
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	what := "host " + host
	if host == "" {
		what = "every interface"
	}
	return usagef("-addr %s listens on %s, beyond this machine: the inspector has no login and its pages act on instances; use a loopback address (127.0.0.1:8080), or pass -public behind an authenticating proxy", addr, what)
}

// splitList splits a comma-separated flag, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}
