package crashdemo

import (
	"bytes"
	"regexp"
	"strings"
	"sync"
)

// Output is an io.Writer that keeps what is written, safe for the
// concurrent writes of a demo and the copier of its workers' stderr: for
// tests that run a demo and read what it printed.
type Output struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (o *Output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}

func (o *Output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

var instanceRE = regexp.MustCompile(`instance (\S+)`)

// Verdicts returns the number of PASS and FAIL lines of a demo's output
// and the instance ID it printed ("instance <id>"), or "".
func Verdicts(out string) (pass, fail int, id string) {
	if m := instanceRE.FindStringSubmatch(out); m != nil {
		id = m[1]
	}
	return strings.Count(out, "\n  PASS  "), strings.Count(out, "\n  FAIL  "), id
}
