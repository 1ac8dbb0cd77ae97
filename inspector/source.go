package inspector

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// sourceView is the part of a workflow's source file shown on an
// instance's page: its function, with the current checkpoint's line
// marked and the other checkpoints' lines flagged.
type sourceView struct {
	File  string // as in the site's position: "transfer.go"
	Path  string // on disk
	Func  string
	Lines []sourceLine
	Err   string // why the source cannot be shown, if it cannot
}

type sourceLine struct {
	N          int
	Text       string
	Current    bool   // the line of the current checkpoint
	Checkpoint string // the kind and name of a checkpoint on this line
}

// maxSourceLines bounds the lines shown of one function.
const maxSourceLines = 400

// parsePos splits "file.go:line:col".
func parsePos(pos string) (file string, line int, ok bool) {
	rest, _, ok1 := cutLast(pos, ":") // column
	file, ln, ok2 := cutLast(rest, ":")
	n, err := strconv.Atoi(ln)
	if !ok1 || !ok2 || err != nil || n < 1 || file == "" {
		return "", 0, false
	}
	return file, n, true
}

func cutLast(s, sep string) (before, after string, found bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// readSource returns the function around the current site of c, read
// from the workflow's package directory. A position whose file is not a
// plain name next to the generated file is not read.
func readSource(c *code, cur *site) sourceView {
	file, line, ok := parsePos(cur.Pos)
	v := sourceView{File: file}
	if !ok {
		v.Err = fmt.Sprintf("position %q names no file and line", cur.Pos)
		return v
	}
	if file != filepath.Base(file) || strings.ContainsAny(file, `/\`) || !strings.HasSuffix(file, ".go") {
		v.Err = fmt.Sprintf("file %q is not a Go file of the workflow's package", file)
		return v
	}
	v.Path = filepath.Join(c.dir, file)
	src, err := os.ReadFile(v.Path)
	if err != nil {
		v.Err = fmt.Sprintf("source not readable here (%v)", unwrapPath(err))
		return v
	}
	lines := strings.Split(strings.TrimRight(string(bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n"))), "\n"), "\n")
	if line > len(lines) {
		v.Err = fmt.Sprintf("%s has %d lines, the checkpoint is at line %d: the source changed since this build", file, len(lines), line)
		return v
	}
	from, to := enclosingFunc(v.Path, src, line, &v.Func)
	if from == 0 {
		from, to = max(1, line-15), min(len(lines), line+15)
	}
	if to-from+1 > maxSourceLines { // a long function: the part around the line
		from, to = max(from, line-maxSourceLines/2), min(to, line+maxSourceLines/2)
	}
	marks := map[int]string{}
	for _, s := range c.allSites() {
		if f, n, ok := parsePos(s.Pos); ok && f == file {
			if marks[n] != "" {
				marks[n] += ", "
			}
			marks[n] += s.Kind + " " + s.Name
		}
	}
	for n := from; n <= to; n++ {
		v.Lines = append(v.Lines, sourceLine{N: n, Text: strings.ReplaceAll(lines[n-1], "\t", "    "), Current: n == line, Checkpoint: marks[n]})
	}
	return v
}

// enclosingFunc returns the first and last lines of the declaration of
// the function holding line (with its doc comment), or 0, 0.
func enclosingFunc(path string, src []byte, line int, name *string) (from, to int) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return 0, 0
	}
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok {
			continue
		}
		start, end := fset.Position(fd.Pos()).Line, fset.Position(fd.End()).Line
		if line < start || line > end {
			continue
		}
		if fd.Doc != nil {
			start = fset.Position(fd.Doc.Pos()).Line
		}
		*name = fd.Name.Name
		return start, end
	}
	return 0, 0
}

// unwrapPath drops the path from a file error: the page names the file.
func unwrapPath(err error) error {
	if pe := (*os.PathError)(nil); errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
