package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestUIRefusesPublicAddress(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:8080", ":8080", "192.0.2.7:80", "[::]:80", "example.com:80"} {
		t.Run(addr, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run([]string{"-store", filepath.Join(t.TempDir(), "none.db"), "ui", "-addr", addr}, strings.NewReader(""), &stdout, &stderr)
			if code != exitUsage || !strings.Contains(stderr.String(), "-public") {
				t.Errorf("durable ui -addr %s = exit %d, want %d naming -public:\n%s", addr, code, exitUsage, stderr.String())
			}
		})
	}
	for _, tc := range []struct {
		addr   string
		public bool
	}{{"127.0.0.1:0", false}, {"[::1]:0", false}, {"localhost:0", false}, {"0.0.0.0:0", true}} {
		if err := checkLoopback(tc.addr, tc.public); err != nil {
			t.Errorf("checkLoopback(%q, %v) = %v, want nil", tc.addr, tc.public, err)
		}
	}
}

// TestUI serves the inspector of a seeded store on a free loopback port
// and reads its pages, then stops it.
func TestUI(t *testing.T) {
	path := filepath.Join(t.TempDir(), "durable.db")
	if err := seed(context.Background(), path); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, outW := io.Pipe()
	var stderr bytes.Buffer
	e := &env{ctx: ctx, stdin: strings.NewReader(""), stdout: outW, stderr: &stderr, cmd: findCommand("ui"), spec: path}
	done := make(chan error, 1)
	go func() {
		done <- runUI(e, []string{"-addr", "127.0.0.1:0", "-src", "../../internal/equiv", "-disable", "retry"})
		e.close()
		outW.Close()
	}()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("no address printed: %v (stderr: %s)", err, stderr.String())
	}
	go io.Copy(io.Discard, out)
	m := regexp.MustCompile(`at (http://127\.0\.0\.1:\d+/)`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("printed %q, want the inspector's address", line)
	}
	fetch := func(path string) string {
		t.Helper()
		resp, err := http.Get(m[1] + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s = %d:\n%s", path, resp.StatusCode, b)
		}
		return string(b)
	}
	if body := fetch("?status=waiting"); !strings.Contains(body, `data-id="approve-big"`) || strings.Contains(body, `data-id="seq-1"`) {
		t.Errorf("waiting instances listed by durable ui:\n%s", body)
	}
	body := fetch("instance?id=approve-big")
	if !strings.Contains(body, `<span class="here">waits here</span>`) || !strings.Contains(body, `id="signal-form"`) {
		t.Errorf("page of approve-big has no marked await or no signal form:\n%s", body)
	}
	if body := fetch("instance?id=buggy-1"); strings.Contains(body, `id="retry-form"`) {
		t.Errorf("page of a failed instance offers a retry with -disable retry")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("durable ui stopped with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("durable ui did not stop")
	}
}
