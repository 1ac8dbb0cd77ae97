package codegen

import (
	"bufio"
	"bytes"
	"fmt"
	"go/token"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/durablegen/durable/internal/names"
)

// LockFile is the name of the file, next to a package's sources, that
// records the checkpoint layout of every version of its workflows.
const LockFile = "durable.lock"

// Layout is the checkpoint layout of one version of a workflow: what a
// stored instance depends on to resume. Its fingerprint is the version an
// instance is stored under; a worker only claims instances whose
// fingerprint it registered.
type Layout struct {
	// Workflow is the workflow's name within its package: Transfer, or
	// (*Service).Transfer for a method.
	Workflow string
	// Version is the directive's version= option (1 by default).
	Version int
	// Fingerprint is the hash of the name, checkpoints, fields and stored
	// types.
	Fingerprint string
	// Sites are the checkpoints, in the order the compiler made them (the
	// order they are fingerprinted in).
	Sites []LayoutSite
	// Fields are the serialized frame fields, in frame order.
	Fields []LayoutField
	// Types are the shapes of the named types the fields hold, sorted by
	// name (see shape.go). An entry written before shapes were recorded
	// has none.
	Types []LayoutType
	// Pos is the workflow's directive; zero for an entry read from a lock.
	Pos token.Position
	// Resumed are the earlier layouts of this version whose instances
	// this one resumes (see upgrade.go), newest first; the lock records
	// them after the entry, marked "resumed".
	Resumed []Layout
	// Frame and Package are the generated frame type of the workflow and
	// its package's name; empty for an entry read from a lock.
	Frame, Package string
}

// LayoutSite is a checkpoint of a [Layout]: a state of the machine.
type LayoutSite struct {
	ID   int
	Kind string // step, do, sleep, now, effect, await
	Name string // the step, Do or signal name
	// Resume is the state a commit at the checkpoint resumes at; 0 when
	// the layout resumes only instances of an identical one (see
	// upgrade.go). Context identifies the loops and switches around the
	// checkpoint, Keeps the stored fields the machine may read from
	// Resume on, and Reads those it may read only from the checkpoint's
	// own state (its arguments, when a retry or a wait re-enters it).
	Resume  int
	Context string
	Keeps   []string
	Reads   []string
}

// same reports whether s and o are the same checkpoint at the same
// states (their Context, Keeps and Reads follow the code around them). A
// lock written before resume states were recorded has none (0): the
// states then compare as they were fingerprinted.
func (s LayoutSite) same(o LayoutSite) bool {
	return s.ID == o.ID && s.Kind == o.Kind && s.Name == o.Name && (s.Resume == o.Resume || s.Resume == 0 || o.Resume == 0)
}

// LayoutField is a serialized frame field of a [Layout].
type LayoutField struct {
	Name string
	Type string // as written in the workflow's package
}

// key orders layouts by workflow name, then version.
func (lay *Layout) less(o *Layout) bool {
	if lay.Workflow != o.Workflow {
		return lay.Workflow < o.Workflow
	}
	return lay.Version < o.Version
}

// Lock is the content of a [LockFile]: the recorded layouts, sorted by
// workflow and version. A nil *Lock is a missing file.
type Lock struct {
	Entries []Layout
}

// NewLock returns the lock recording exactly layouts.
func NewLock(layouts []Layout) *Lock {
	k := &Lock{Entries: append([]Layout(nil), layouts...)}
	k.sort()
	return k
}

func (k *Lock) sort() {
	sort.SliceStable(k.Entries, func(i, j int) bool { return k.Entries[i].less(&k.Entries[j]) })
}

// entry returns the recorded layout of a workflow version, or nil.
func (k *Lock) entry(workflow string, version int) *Layout {
	if k == nil {
		return nil
	}
	for i := range k.Entries {
		if e := &k.Entries[i]; e.Workflow == workflow && e.Version == version {
			return e
		}
	}
	return nil
}

const lockHeader = `# Checkpoint layouts of this package's workflows, one entry per version,
# written by durablegen: commit this file. A layout that changes under a
# recorded version would strand the instances started with it; see
# "Changing a workflow while instances run" in the durablegen README.
`

// Format returns the file's content: deterministic, one header line per
// workflow version ("<workflow> <version> <fingerprint>") followed by its
// checkpoints and fields, indented.
func (k *Lock) Format() []byte {
	var b bytes.Buffer
	b.WriteString(lockHeader)
	if k == nil {
		return b.Bytes()
	}
	for _, e := range k.Entries {
		fmt.Fprintf(&b, "\n%s %d %s\n", e.Workflow, e.Version, e.Fingerprint)
		formatLayout(&b, &e)
		for _, r := range e.Resumed {
			fmt.Fprintf(&b, "\n%s %d %s resumed\n", r.Workflow, r.Version, r.Fingerprint)
			formatLayout(&b, &r)
		}
	}
	return b.Bytes()
}

// formatLayout writes the checkpoints, fields and types of e.
func formatLayout(b *bytes.Buffer, e *Layout) {
	for _, s := range e.Sites {
		fmt.Fprintf(b, "\tcheckpoint %d %s %s", s.ID, s.Kind, strconv.Quote(s.Name))
		if s.Resume > 0 {
			fmt.Fprintf(b, " resume %d in %s keeps %s reads %s", s.Resume, s.Context, fieldList(s.Keeps), fieldList(s.Reads))
		}
		b.WriteByte('\n')
	}
	for _, f := range e.Fields {
		fmt.Fprintf(b, "\tfield %s %s\n", f.Name, f.Type)
	}
	for _, t := range e.Types {
		fmt.Fprintf(b, "\ttype %s %s\n", t.Name, t.Shape)
	}
}

// fieldList writes a list of field names: comma-separated, "-" when
// empty.
func fieldList(names []string) string {
	if len(names) == 0 {
		return "-"
	}
	return strings.Join(names, ",")
}

func parseFieldList(s string) []string {
	if s == "-" {
		return nil
	}
	return strings.Split(s, ",")
}

// ParseLock reads a lock file's content; filename is used in errors.
func ParseLock(filename string, data []byte) (*Lock, error) {
	k := &Lock{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, len(data)+1)
	line := 0
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%s:%d: %s", filename, line, fmt.Sprintf(format, args...))
	}
	var cur *Layout
	var resumed []*Layout
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), " \t\r")
		if strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if text[0] != ' ' && text[0] != '\t' {
			f := strings.Fields(text)
			if len(f) == 4 && f[3] == "resumed" {
				f = f[:3]
			} else if len(f) != 3 {
				return nil, bad("want <workflow> <version> <fingerprint> [resumed], got %q", text)
			}
			v, err := strconv.Atoi(f[1])
			if err != nil || v < 1 {
				return nil, bad("version %q of %s is not a positive integer", f[1], f[0])
			}
			if strings.Trim(f[2], "0123456789abcdef") != "" {
				return nil, bad("fingerprint %q of %s %d is not lowercase hex", f[2], f[0], v)
			}
			if len(strings.Fields(text)) == 4 {
				r := &Layout{Workflow: f[0], Version: v, Fingerprint: f[2]}
				resumed = append(resumed, r)
				cur = r
				continue
			}
			if k.entry(f[0], v) != nil {
				return nil, bad("%s %d is recorded twice", f[0], v)
			}
			k.Entries = append(k.Entries, Layout{Workflow: f[0], Version: v, Fingerprint: f[2]})
			cur = &k.Entries[len(k.Entries)-1]
			continue
		}
		if cur == nil {
			return nil, bad("indented line before the first <workflow> <version> <fingerprint> line")
		}
		kind, rest, _ := strings.Cut(strings.TrimSpace(text), " ")
		switch kind {
		case "checkpoint":
			const want = "want checkpoint <id> <kind> <quoted name> [resume <state> in <context> keeps <fields> reads <fields>], got %q"
			f := strings.SplitN(rest, " ", 3)
			if len(f) != 3 {
				return nil, bad(want, text)
			}
			id, err := strconv.Atoi(f[0])
			quoted, qerr := strconv.QuotedPrefix(f[2])
			if err != nil || qerr != nil {
				return nil, bad(want, text)
			}
			name, _ := strconv.Unquote(quoted)
			site := LayoutSite{ID: id, Kind: f[1], Name: name}
			if more := strings.Fields(f[2][len(quoted):]); len(more) > 0 {
				if len(more) != 8 || more[0] != "resume" || more[2] != "in" || more[4] != "keeps" || more[6] != "reads" {
					return nil, bad(want, text)
				}
				if site.Resume, err = strconv.Atoi(more[1]); err != nil || site.Resume < 1 {
					return nil, bad(want, text)
				}
				site.Context, site.Keeps, site.Reads = more[3], parseFieldList(more[5]), parseFieldList(more[7])
			}
			cur.Sites = append(cur.Sites, site)
		case "field":
			name, typ, ok := strings.Cut(rest, " ")
			if !ok || !dottedIdent(name) || typ == "" {
				return nil, bad("want field <name> <type>, got %q", text)
			}
			cur.Fields = append(cur.Fields, LayoutField{Name: name, Type: typ})
		case "type":
			f := splitTop(rest, " ")
			if len(f) < 2 || f[0] == "" {
				return nil, bad("want type <name> <shape>, got %q", text)
			}
			cur.Types = append(cur.Types, LayoutType{Name: f[0], Shape: strings.Join(f[1:], " ")})
		default:
			return nil, bad("want a checkpoint, field or type line, got %q", text)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", filename, err)
	}
	for _, r := range resumed {
		e := k.entry(r.Workflow, r.Version)
		if e == nil {
			return nil, fmt.Errorf("%s: %s %d %s is marked resumed, but no current layout of %s version %d is recorded", filename, r.Workflow, r.Version, r.Fingerprint, r.Workflow, r.Version)
		}
		e.Resumed = append(e.Resumed, *r)
	}
	k.sort()
	return k, nil
}

// Update checks layouts, the workflows of one package as generated now,
// against the lock. A workflow version the lock does not record yet is
// added; entries of versions no longer declared stay, as history. A
// recorded version whose layout changed is reported at its directive, and
// the returned lock is then nil.
//
// A recorded version whose layout is the same but whose fingerprint is
// not was fingerprinted by another durablegen: this one also hashes the
// shapes of stored types, which older locks do not record. Refusing would
// leave -accept, which drops the history, as the only way forward, so the
// entry is upgraded to the new fingerprint (and its shapes recorded from
// then on) with a note saying so: instances stored under the old
// fingerprint are claimed only by workers of a build that registers it,
// and wait, untouched, until one does.
func (k *Lock) Update(layouts []Layout) (*Lock, []string, []Diagnostic) {
	next := &Lock{}
	var diags []Diagnostic
	var notes []string
	declared := map[string]bool{}
	for _, lay := range layouts {
		declared[lay.Workflow+" "+strconv.Itoa(lay.Version)] = true
		old := k.entry(lay.Workflow, lay.Version)
		switch {
		case old == nil:
		case old.Fingerprint == lay.Fingerprint:
			lay.Resumed = old.Resumed
			keepCommon(old, &lay)
		case sameLayout(old, &lay):
			notes = append(notes, upgradeNote(old, &lay))
			lay.Resumed = old.Resumed
		default:
			var why []string
			for _, o := range append([]Layout{*old}, old.Resumed...) {
				if _, reasons := resumes(&o, &lay); len(reasons) > 0 {
					if o.Fingerprint != old.Fingerprint {
						for i, r := range reasons {
							reasons[i] = fmt.Sprintf("(for the instances of %s, which %s resumes) %s", o.Fingerprint, old.Fingerprint, r)
						}
					}
					why = append(why, reasons...)
				}
			}
			if len(why) > 0 {
				diags = append(diags, Diagnostic{Pos: lay.Pos, Message: changedMessage(k, layouts, old, &lay, why)})
				continue
			}
			prev := *old
			prev.Resumed = nil
			lay.Resumed = append([]Layout{prev}, old.Resumed...)
			notes = append(notes, fmt.Sprintf("%s version %d: new layout %s resumes the instances of %s (%s)", lay.Workflow, lay.Version, lay.Fingerprint,
				strings.Join(fingerprints(lay.Resumed), ", "), strings.Join(layoutChanges(old, &lay), "; ")))
		}
		next.Entries = append(next.Entries, lay)
	}
	if len(diags) > 0 {
		return nil, nil, diags
	}
	if k != nil {
		for _, e := range k.Entries {
			if !declared[e.Workflow+" "+strconv.Itoa(e.Version)] {
				next.Entries = append(next.Entries, e)
			}
		}
	}
	next.sort()
	return next, notes, nil
}

func fingerprints(lays []Layout) []string {
	out := make([]string, len(lays))
	for i, l := range lays {
		out[i] = l.Fingerprint
	}
	return out
}

// keepCommon narrows what lay records as read after each checkpoint to
// what old recorded too: instances stored under one fingerprint may have
// been run by any revision of the code that had it, and a later layout
// may read after a checkpoint only what all of them kept there.
func keepCommon(old, lay *Layout) {
	if len(old.Sites) != len(lay.Sites) {
		return
	}
	for i := range lay.Sites {
		o, n := &old.Sites[i], &lay.Sites[i]
		if !o.same(*n) || o.Resume == 0 || n.Resume == 0 {
			continue
		}
		if o.Context != n.Context {
			n.Context = "changed"
		}
		n.Keeps = intersect(o.Keeps, n.Keeps)
		n.Reads = intersect(append(slices.Clone(o.Reads), o.Keeps...), append(slices.Clone(n.Reads), n.Keeps...))
		n.Reads = slices.DeleteFunc(n.Reads, func(f string) bool { return slices.Contains(n.Keeps, f) })
	}
}

func intersect(a, b []string) []string {
	var out []string
	for _, x := range b {
		if slices.Contains(a, x) && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	slices.Sort(out)
	return out
}

// sameLayout reports whether the recorded layout old and lay have the same
// checkpoints, fields and (if old records them) stored types.
func sameLayout(old, lay *Layout) bool {
	if len(old.Sites) == 0 && len(old.Fields) == 0 {
		return false // nothing recorded to compare with
	}
	return slices.EqualFunc(old.Sites, lay.Sites, LayoutSite.same) && slices.Equal(sortedFields(old.Fields), sortedFields(lay.Fields)) &&
		(len(old.Types) == 0 || slices.Equal(old.Types, lay.Types))
}

// sortedFields returns a sorted copy of fs (a lock written before fields
// were sorted lists them in frame order).
func sortedFields(fs []LayoutField) []LayoutField {
	fs = slices.Clone(fs)
	sortFields(fs)
	return fs
}

// upgradeNote says what upgrading a recorded entry to a new fingerprint
// means for the instances stored under the old one.
func upgradeNote(old, lay *Layout) string {
	why := "this durablegen fingerprints layouts differently from the one that wrote the lock"
	if len(old.Types) == 0 && len(lay.Types) > 0 {
		why = "this durablegen also fingerprints the shapes of stored types, recorded from now on"
	}
	return fmt.Sprintf("%s version %d: same layout, new fingerprint %s (was %s): %s; instances started under %s resume only on workers of a build that registers it (let the previous build's workers finish them)",
		lay.Workflow, lay.Version, lay.Fingerprint, old.Fingerprint, why, old.Fingerprint)
}

// Accept returns the lock recording exactly layouts, for when no instance
// of a changed or removed layout is in flight, and says what it changes
// in k.
func (k *Lock) Accept(layouts []Layout) (*Lock, []string) {
	next := NewLock(layouts)
	var notes []string
	for i := range next.Entries {
		next.Entries[i].Resumed = nil
	}
	for _, lay := range next.Entries {
		if old := k.entry(lay.Workflow, lay.Version); old != nil && len(old.Resumed) > 0 {
			notes = append(notes, fmt.Sprintf("%s version %d: no longer resumes the instances of %s", lay.Workflow, lay.Version, strings.Join(fingerprints(old.Resumed), ", ")))
		}
		switch old := k.entry(lay.Workflow, lay.Version); {
		case old == nil:
			notes = append(notes, fmt.Sprintf("%s version %d: recorded", lay.Workflow, lay.Version))
		case old.Fingerprint != lay.Fingerprint:
			notes = append(notes, fmt.Sprintf("%s version %d: new layout accepted (%s, was %s)", lay.Workflow, lay.Version, lay.Fingerprint, old.Fingerprint))
		}
	}
	if k != nil {
		for _, e := range k.Entries {
			if next.entry(e.Workflow, e.Version) == nil {
				notes = append(notes, fmt.Sprintf("%s version %d: removed (no code declares it)", e.Workflow, e.Version))
			}
		}
	}
	return next, notes
}

// changedMessage explains a layout that changed under a recorded version
// and what to do about it.
func changedMessage(k *Lock, layouts []Layout, old, lay *Layout, why []string) string {
	next := lay.Version
	for _, e := range k.Entries {
		if e.Workflow == lay.Workflow {
			next = max(next, e.Version)
		}
	}
	for _, l := range layouts {
		if l.Workflow == lay.Workflow {
			next = max(next, l.Version)
		}
	}
	next++
	base := lay.Workflow[strings.LastIndex(lay.Workflow, ".")+1:]
	var b strings.Builder
	fmt.Fprintf(&b, "workflow %s: the checkpoint layout changed, but %s records version %d with the old one (fingerprint %s, now %s):\n", lay.Workflow, LockFile, lay.Version, old.Fingerprint, lay.Fingerprint)
	for _, c := range layoutChanges(old, lay) {
		fmt.Fprintf(&b, "\t%s\n", c)
	}
	if len(why) > maxChanges {
		why = append(why[:maxChanges], fmt.Sprintf("and %d more", len(why)-maxChanges))
	}
	if len(why) > 0 {
		fmt.Fprintf(&b, "\tThe new layout cannot resume them where they stopped:\n")
		for _, w := range why {
			fmt.Fprintf(&b, "\t- %s\n", w)
		}
	}
	dir := names.WorkflowDirective
	fmt.Fprintf(&b, "\tInstances started on version %d would never resume. Either\n", lay.Version)
	fmt.Fprintf(&b, "\t- mark this function %s version=%d and keep the version %d code for those instances: run the previous build's workers until they finish, or keep the old function as %sV%d marked %s name=%s version=%d and register its descriptor too; or\n", dir, next, lay.Version, base, lay.Version, dir, base, lay.Version)
	fmt.Fprintf(&b, "\t- if no version %d instance is in flight, record the new layout: go run %s/cmd/durablegen -accept", lay.Version, names.Module)
	return b.String()
}

// maxChanges bounds the changes listed in one message.
const maxChanges = 10

// layoutChanges describes how lay differs from old: checkpoints added or
// removed (matched by kind and name, in order), fields added, removed or
// retyped.
func layoutChanges(old, lay *Layout) []string {
	var out []string
	site := func(s LayoutSite) string { return fmt.Sprintf("checkpoint %d %s %q", s.ID, s.Kind, s.Name) }
	same := func(a, b LayoutSite) bool { return a.Kind == b.Kind && a.Name == b.Name }
	removed, added := diffSites(old.Sites, lay.Sites, same)
	for _, s := range removed {
		out = append(out, "removed "+site(s))
	}
	for _, s := range added {
		out = append(out, "added "+site(s))
	}
	if len(removed) == 0 && len(added) == 0 {
		for i := range lay.Sites {
			if lay.Sites[i].ID != old.Sites[i].ID {
				out = append(out, fmt.Sprintf("checkpoint %s %q moved from state %d to %d (the control flow around it changed)", lay.Sites[i].Kind, lay.Sites[i].Name, old.Sites[i].ID, lay.Sites[i].ID))
			}
		}
	}
	oldType := map[string]string{}
	for _, f := range old.Fields {
		oldType[f.Name] = f.Type
	}
	newType := map[string]string{}
	for _, f := range lay.Fields {
		newType[f.Name] = f.Type
		switch t, ok := oldType[f.Name]; {
		case !ok:
			out = append(out, fmt.Sprintf("added field %s %s", f.Name, f.Type))
		case t != f.Type:
			out = append(out, fmt.Sprintf("retyped field %s from %s to %s", f.Name, t, f.Type))
		}
	}
	for _, f := range old.Fields {
		if _, ok := newType[f.Name]; !ok {
			out = append(out, fmt.Sprintf("removed field %s %s", f.Name, f.Type))
		}
	}
	out = append(out, typeChanges(old, lay)...)
	if len(out) == 0 {
		if len(old.Sites) == 0 && len(old.Fields) == 0 {
			out = append(out, "the lock records no checkpoints or fields for the old version to compare with")
		} else if fieldOrder(old) != fieldOrder(lay) {
			out = append(out, "same checkpoints and fields, with the fields in a different order")
		} else {
			out = append(out, "same checkpoints and fields: this durablegen computes fingerprints differently from the one that wrote the lock")
		}
	}
	if len(out) > maxChanges {
		out = append(out[:maxChanges], fmt.Sprintf("and %d more changes", len(out)-maxChanges))
	}
	return out
}

func fieldOrder(lay *Layout) string {
	var b strings.Builder
	for _, f := range lay.Fields {
		b.WriteString(f.Name + " ")
	}
	return b.String()
}

// diffSites returns the checkpoints of a missing from b and of b missing
// from a, by a longest common subsequence under same.
func diffSites(a, b []LayoutSite, same func(x, y LayoutSite) bool) (removed, added []LayoutSite) {
	// lcs[i][j] is the LCS length of a[i:] and b[j:].
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if same(a[i], b[j]) {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case same(a[i], b[j]):
			i, j = i+1, j+1
		case lcs[i+1][j] >= lcs[i][j+1]:
			removed = append(removed, a[i])
			i++
		default:
			added = append(added, b[j])
			j++
		}
	}
	return append(removed, a[i:]...), append(added, b[j:]...)
}

// dottedIdent reports whether name is an identifier, or identifiers
// joined by dots (a field of a helper's frame nested in a caller's).
func dottedIdent(name string) bool {
	for _, part := range strings.Split(name, ".") {
		if !token.IsIdentifier(part) {
			return false
		}
	}
	return true
}
