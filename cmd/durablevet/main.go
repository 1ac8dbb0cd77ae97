// Command durablevet reports workflow code that behaves differently when a
// durable workflow resumes than on its first run.
//
// Run it through go vet, which caches its results per package:
//
//	go install github.com/durablegen/durable/cmd/durablevet@latest
//	go vet -vettool=$(which durablevet) ./...
//
// or on its own, which can also apply the suggested fixes:
//
//	durablevet ./...
//	durablevet -fix ./...
//
// See package [github.com/durablegen/durable/analyzer] for the rules.
package main

import (
	"os"
	"strings"

	"golang.org/x/tools/go/analysis/singlechecker"
	"golang.org/x/tools/go/analysis/unitchecker"

	"github.com/durablegen/durable/analyzer"
)

func main() {
	if invokedByVet(os.Args[1:]) {
		unitchecker.Main(analyzer.Analyzer)
	}
	singlechecker.Main(analyzer.Analyzer)
}

// invokedByVet reports whether go vet runs the tool: it asks for the
// tool's version (-V=full) and flags (-flags), then passes one .cfg file
// per package.
func invokedByVet(args []string) bool {
	if len(args) == 0 {
		return false
	}
	last := args[len(args)-1]
	return strings.HasSuffix(last, ".cfg") || last == "-V=full" || last == "-flags"
}
