package codegen

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/durablegen/durable/internal/names"
)

// workflowOptions are the options of a //durable:workflow directive.
type workflowOptions struct {
	name    string // name=: the stored name of the workflow, "" for the function's own
	version int    // version=: the user's layout version, 1 when not given
	pos     token.Pos
}

// workflowDirective finds the //durable:workflow directive in doc and
// parses its options, reporting bad ones at their column.
func workflowDirective(fset *token.FileSet, doc *ast.CommentGroup, diags *diagnostics) (workflowOptions, bool) {
	opts := workflowOptions{version: 1}
	if doc == nil {
		return opts, false
	}
	dir := names.WorkflowDirective
	for _, c := range doc.List {
		if c.Text != dir && !strings.HasPrefix(c.Text, dir+" ") {
			continue
		}
		opts.pos = c.Pos()
		seen := map[string]bool{}
		rest := c.Text[len(dir):]
		for off := 0; off < len(rest); {
			if rest[off] == ' ' || rest[off] == '\t' {
				off++
				continue
			}
			end := off + strings.IndexAny(rest[off:]+" ", " \t")
			word, pos := rest[off:end], c.Pos()+token.Pos(len(dir)+off)
			off = end
			key, val, _ := strings.Cut(word, "=")
			if seen[key] && (key == "name" || key == "version") {
				diags.add(fset, pos, "%s= is given twice in %s", key, dir)
				continue
			}
			seen[key] = true
			switch key {
			case "version":
				n, err := strconv.Atoi(val)
				if err != nil || n < 1 || strings.Trim(val, "0123456789") != "" {
					diags.add(fset, pos, "%s %s: the version must be a positive integer, as in version=2", dir, word)
					continue
				}
				opts.version = n
			case "name":
				if !token.IsIdentifier(val) {
					diags.add(fset, pos, "%s %s: the name must be a Go identifier, as in name=Transfer (the function or method name the workflow was stored under)", dir, word)
					continue
				}
				opts.name = val
			default:
				diags.add(fset, pos, "unknown option %q in %s; the options are version=N (the layout version recorded in %s) and name=Name (the name the workflow is stored under)", word, dir, LockFile)
			}
		}
		return opts, true
	}
	return opts, false
}

// storedName is the last element of the workflow's name in the store: the
// name= option, or the function or method name.
func (wf *workflow) storedName() string {
	if wf.opts.name != "" {
		return wf.opts.name
	}
	return wf.decl.Name.Name
}

// layout describes the checkpoints and serialized frame fields of the
// workflow being lowered: what a stored frame depends on.
func (l *lowerer) layout() Layout {
	wf := l.wf
	lay := Layout{
		Workflow: strings.TrimPrefix(wf.qualifiedName(), wf.pkg.PkgPath+"."),
		Version:  wf.opts.version,
		Pos:      l.fset.Position(wf.opts.pos),
		Frame:    l.frameType,
		Package:  l.pkg.Name(),
		Sites:    make([]LayoutSite, 0, len(l.sites)),
		Fields:   make([]LayoutField, 0, len(l.fields)),
	}
	for _, s := range l.sites {
		lay.Sites = append(lay.Sites, LayoutSite{ID: s.id, Kind: s.kind, Name: s.name})
	}
	var stored []types.Type
	for _, f := range l.fields {
		if f.ser && f.helper == nil {
			lay.Fields = append(lay.Fields, LayoutField{Name: f.name, Type: typeString(f.typ, l.pkg)})
			stored = append(stored, f.typ)
		}
	}
	if l.upgradable() {
		l.siteStates(&lay)
	}
	lay.Types = storedTypes(stored, l.pkg)
	l.closureLayout(&lay)
	l.pointerLayout(&lay)
	l.aliasLayout(&lay)
	l.helperLayout(&lay)
	sortFields(lay.Fields)
	lay.Fingerprint = lay.fingerprint()
	return lay
}

// sortFields puts fields in name order: a frame is encoded by field
// name, so the order in which the workflow declares its variables is not
// part of its layout.
func sortFields(fs []LayoutField) {
	slices.SortStableFunc(fs, func(a, b LayoutField) int { return cmp.Compare(a.Name, b.Name) })
}

// fingerprint identifies the checkpoint layout: instances only resume on a
// build with the same one.
func (l *lowerer) fingerprint() string { return l.layout().Fingerprint }

// fingerprint hashes the stored name (the last element of Workflow),
// checkpoints, serialized fields and the shapes of the types they hold.
// It is the version under which instances are stored, so it must not
// change for an unchanged layout. The shapes come last, so a layout that
// stores no named type keeps the fingerprint it had before shapes were
// hashed (see Lock.Update for the others).
func (lay *Layout) fingerprint() string {
	h := sha256.New()
	h.Write([]byte(lay.Workflow[strings.LastIndex(lay.Workflow, ".")+1:]))
	for _, s := range lay.Sites {
		h.Write([]byte("|" + s.Kind + ":" + s.Name + ":" + strconv.Itoa(s.ID)))
		if s.Resume > 0 {
			h.Write([]byte(">" + strconv.Itoa(s.Resume)))
		}
	}
	for _, f := range lay.Fields {
		h.Write([]byte("|" + f.Name + " " + f.Type))
	}
	for _, t := range lay.Types {
		h.Write([]byte("|type " + t.Name + " " + t.Shape))
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// checkVersions reports two workflows of a package stored under the same
// name with the same version or the same layout: a worker could not tell
// their instances apart.
func checkVersions(fset *token.FileSet, wfs []*workflow, layouts []Layout, diags *diagnostics) {
	type decl struct {
		wf  *workflow
		lay Layout
	}
	var all []decl
	for i, lay := range layouts {
		all = append(all, decl{wfs[i], lay})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].wf.opts.pos < all[j].wf.opts.pos })
	maxVersion := map[string]int{}
	for _, d := range all {
		maxVersion[d.lay.Workflow] = max(maxVersion[d.lay.Workflow], d.lay.Version)
	}
	for i, b := range all {
		for _, a := range all[:i] {
			if a.lay.Workflow != b.lay.Workflow {
				continue
			}
			at := fset.Position(a.wf.opts.pos)
			switch {
			case a.lay.Version == b.lay.Version:
				diags.add(fset, b.wf.opts.pos, "%s and %s are both workflow %s version %d (the other at %s:%d); give the changed one version=%d", a.wf.decl.Name.Name, b.wf.decl.Name.Name, b.lay.Workflow, b.lay.Version, at.Filename, at.Line, maxVersion[b.lay.Workflow]+1)
			case a.lay.Fingerprint == b.lay.Fingerprint:
				diags.add(fset, b.wf.opts.pos, "%s and %s have the same checkpoint layout as workflow %s (the other at %s:%d): one descriptor already runs instances of both versions; remove the copy", a.wf.decl.Name.Name, b.wf.decl.Name.Name, b.lay.Workflow, at.Filename, at.Line)
			}
		}
	}
}
