package wf

import (
	"bufio"
	"bytes"
	"context"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/dave/jennifer/jen"

	"github.com/durablegen/durable"
)

// Doc is the user's own type, holding a standard-library one.
type Doc struct {
	Title string
	Body  strings.Builder
}

//durable:step
func Step(ctx context.Context, s string) error { return nil }

// Standard-library values live across a checkpoint: the user cannot
// export their fields, so the fix is to recompute them after it (or, for
// a handle, to open it again).
//
//durable:workflow
func W(ctx durable.Context, path string) (string, error) {
	var b strings.Builder
	b.WriteString(path)
	var buf bytes.Buffer
	buf.WriteString(path)
	var mu sync.Mutex
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	r := bufio.NewReader(f)
	client := &http.Client{}
	gen := jen.NewFile("x")
	doc := &Doc{Title: path}
	if err := Step(ctx, path); err != nil {
		return "", err
	}
	mu.Lock()
	line, _ := r.ReadString('\n')
	mu.Unlock()
	_, _ = client.Get(line)
	gen.Comment(doc.Title)
	return b.String() + buf.String(), f.Close()
}
