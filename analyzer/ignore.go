package analyzer

import (
	"go/ast"
	"go/token"
	"regexp"
	"strings"

	"golang.org/x/tools/go/analysis"

	"github.com/durablegen/durable/internal/names"
)

// ignoreDirective is one //durable:ignore [DGxxx...] reason comment.
type ignoreDirective struct {
	comment  *ast.Comment
	file     *token.File
	from, to int             // the lines it covers
	rules    map[string]bool // nil: every rule
	reason   string
	unknown  []string // rule IDs that do not exist
	used     bool
	external bool // names only rules reported by other tools
}

// ignores holds the directives of the package's files.
type ignores struct {
	c    *checker
	list []*ignoreDirective
}

var ruleID = regexp.MustCompile(`^DG[0-9]{3}$`)

// parse records the directives of file.
func (ig *ignores) parse(file *ast.File) {
	var spans map[int]int
	for _, cg := range file.Comments {
		for _, cm := range cg.List {
			rest, ok := strings.CutPrefix(cm.Text, names.IgnoreDirective)
			if !ok || (rest != "" && rest[0] != ' ' && rest[0] != '\t') {
				continue
			}
			if spans == nil {
				spans = statementSpans(ig.c.pass.Fset, file)
			}
			ig.list = append(ig.list, ig.directive(cm, rest, spans))
		}
	}
}

func (ig *ignores) directive(cm *ast.Comment, rest string, spans map[int]int) *ignoreDirective {
	fset := ig.c.pass.Fset
	tf := fset.File(cm.Pos())
	d := &ignoreDirective{comment: cm, file: tf}
	fields := strings.Fields(rest)
	external := true
	for len(fields) > 0 {
		ids := strings.Split(strings.TrimSuffix(fields[0], ","), ",")
		if !ruleID.MatchString(ids[0]) {
			break
		}
		for _, id := range ids {
			if d.rules == nil {
				d.rules = make(map[string]bool)
			}
			switch {
			case !knownRules[id]:
				d.unknown = append(d.unknown, id)
			case !foreignRules[id]:
				external = false
			}
			d.rules[id] = true
		}
		fields = fields[1:]
	}
	d.external = d.rules != nil && external
	d.reason = strings.Join(fields, " ")
	line := tf.Line(cm.Pos())
	target := line
	if ig.standalone(cm) {
		target = line + 1
	}
	d.from, d.to = target, target
	if end, ok := spans[target]; ok {
		d.to = end
	}
	return d
}

// standalone reports whether only white space precedes cm on its line.
func (ig *ignores) standalone(cm *ast.Comment) bool {
	src := ig.c.source(cm.Pos())
	tf := ig.c.pass.Fset.File(cm.Pos())
	off := tf.Offset(cm.Pos())
	if src == nil || off > len(src) {
		return tf.Position(cm.Pos()).Column == 1
	}
	start := tf.Offset(tf.LineStart(tf.Line(cm.Pos())))
	return strings.TrimSpace(string(src[start:off])) == ""
}

// statementSpans maps the first line of each outermost statement or
// declaration starting on a line to the last line a directive above it
// covers: the whole of a simple statement, the header of a compound one.
func statementSpans(fset *token.FileSet, file *ast.File) map[int]int {
	spans := make(map[int]int)
	line := func(p token.Pos) int { return fset.Position(p).Line }
	ast.Inspect(file, func(n ast.Node) bool {
		var end token.Pos
		switch n := n.(type) {
		case *ast.FuncDecl:
			end = n.Name.End()
			if n.Body != nil {
				end = n.Body.Lbrace
			}
		case *ast.IfStmt:
			end = n.Body.Lbrace
		case *ast.ForStmt:
			end = n.Body.Lbrace
		case *ast.RangeStmt:
			end = n.Body.Lbrace
		case *ast.SwitchStmt:
			end = n.Body.Lbrace
		case *ast.TypeSwitchStmt:
			end = n.Body.Lbrace
		case *ast.SelectStmt:
			end = n.Body.Lbrace
		case *ast.BlockStmt, *ast.LabeledStmt:
			return true
		case *ast.CaseClause:
			end = n.Colon
		case *ast.CommClause:
			end = n.Colon
		case ast.Stmt, *ast.GenDecl:
			end = n.End()
		default:
			return true
		}
		if _, seen := spans[line(n.Pos())]; !seen {
			spans[line(n.Pos())] = line(end)
		}
		return true
	})
	return spans
}

// suppress reports whether a directive silences a finding of rule at
// pos, and marks that directive used.
func (ig *ignores) suppress(fset *token.FileSet, pos token.Pos, rule string) bool {
	if len(ig.list) == 0 || !pos.IsValid() {
		return false
	}
	tf := fset.File(pos)
	line := tf.Line(pos)
	hit := false
	for _, d := range ig.list {
		if d.file == tf && d.from <= line && line <= d.to && (d.rules == nil || d.rules[rule]) {
			d.used = true
			hit = true
		}
	}
	return hit
}

// reportProblems reports directives without a reason, with unknown rule
// IDs, or that silence nothing.
func (ig *ignores) reportProblems(pass *analysis.Pass) {
	for _, d := range ig.list {
		var msg string
		switch {
		case len(d.unknown) > 0:
			msg = "//durable:ignore names unknown rule " + strings.Join(d.unknown, ", ") + "; rule IDs are DG001 to DG017"
		case d.reason == "":
			msg = "//durable:ignore needs a reason: //durable:ignore DGxxx <why this is safe>"
		case !d.used && !d.external:
			msg = "this //durable:ignore silences nothing; remove it"
		default:
			continue
		}
		pass.Report(analysis.Diagnostic{
			Pos: d.comment.Pos(), End: d.comment.End(), Category: ruleIgnore, Message: ruleIgnore + ": " + msg,
		})
	}
}
