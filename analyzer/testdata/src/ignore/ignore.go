package ignore

import (
	"os"
	"time"

	"github.com/durablegen/durable"
)

//durable:workflow
func Ignored(ctx durable.Context, in string) (string, error) { // want Ignored:"workflow"
	start := time.Now() //durable:ignore DG001 only logged, never affects control flow
	//durable:ignore DG004 the region is baked into the image and equal on every worker
	region := os.Getenv("REGION")
	//durable:ignore every finding of the next statement is accepted
	now, pid := time.Now(), os.Getpid()
	// want +1 `DG000: //durable:ignore needs a reason`
	//durable:ignore DG001
	_ = time.Now()
	_ = os.Getenv("X") //durable:ignore DG001 wrong rule // want `DG004: os.Getenv` `DG000: this //durable:ignore silences nothing`
	_ = in             //durable:ignore DG999 no such rule // want `DG000: //durable:ignore names unknown rule DG999`
	var keys []string
	//durable:ignore DG009 the directive covers the loop header only
	for k := range map[string]int{} {
		keys = append(keys, k)
		_ = time.Now() // want `DG001: time.Now`
	}
	//durable:ignore DG014 a rule of the code generator, not reported here
	_, _, _, _ = start, now, pid, keys
	return region, nil
}

// Directives in plain code stop a finding from spreading to callers.
func Logged() time.Time {
	return time.Now() //durable:ignore DG001 only used in log lines
}

//durable:workflow
func UsesLogged(ctx durable.Context, in string) (string, error) { // want UsesLogged:"workflow"
	return Logged().String(), nil
}
