package pos

import (
	"io"
	"net/http"
	"os"

	"github.com/durablegen/durable"
)

// Fetch calls an API from workflow code.
//
//durable:workflow
func Fetch(ctx durable.Context, url string) (string, error) {
	resp, err := http.Get(url) // finding: DG005
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body) // finding: DG005
	return string(b), err
}

// Template reads a file.
//
//durable:workflow
func Template(ctx durable.Context, name string) (string, error) {
	b, err := os.ReadFile(name) // finding: DG005
	return string(b), err
}
