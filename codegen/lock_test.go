package codegen_test

import (
	"bytes"
	"fmt"
	"go/token"
	"reflect"
	"strings"
	"testing"

	"github.com/durablegen/durable/codegen"
)

// transferV1 and transferV2 are two layouts of one workflow: version 2
// adds an audit step, stores the amount as int64 and drops a field.
var (
	transferV1 = codegen.Layout{
		Workflow: "Transfer", Version: 1, Fingerprint: "00000000000000a1",
		Sites: []codegen.LayoutSite{
			{ID: 1, Kind: "step", Name: "Charge"},
			{ID: 4, Kind: "await", Name: "manager approval"},
			{ID: 6, Kind: "step", Name: "Credit"},
		},
		Fields: []codegen.LayoutField{{Name: "in", Type: "Request"}, {Name: "amount", Type: "int"}, {Name: "note", Type: "map[string]struct{A int}"}},
	}
	transferV2 = codegen.Layout{
		Workflow: "Transfer", Version: 1, Fingerprint: "00000000000000a2",
		Sites: []codegen.LayoutSite{
			{ID: 1, Kind: "step", Name: "Charge"},
			{ID: 3, Kind: "step", Name: "Audit"},
			{ID: 6, Kind: "await", Name: "manager approval"},
			{ID: 8, Kind: "step", Name: "Credit"},
		},
		Fields: []codegen.LayoutField{{Name: "in", Type: "Request"}, {Name: "amount", Type: "int64"}},
		Pos:    token.Position{Filename: "pay/transfer.go", Line: 12, Column: 1},
	}
	refund = codegen.Layout{
		Workflow: "(*Service).Refund", Version: 3, Fingerprint: "00000000000000b3",
		Sites: []codegen.LayoutSite{{ID: 1, Kind: "do", Name: "refund"}},
	}
)

const wantLock = `# Checkpoint layouts of this package's workflows, one entry per version,
# written by durablegen: commit this file. A layout that changes under a
# recorded version would strand the instances started with it; see
# "Changing a workflow while instances run" in the durablegen README.

(*Service).Refund 3 00000000000000b3
	checkpoint 1 do "refund"

Transfer 1 00000000000000a1
	checkpoint 1 step "Charge"
	checkpoint 4 await "manager approval"
	checkpoint 6 step "Credit"
	field in Request
	field amount int
	field note map[string]struct{A int}

Transfer 2 00000000000000a2
	checkpoint 1 step "Charge"
	checkpoint 3 step "Audit"
	checkpoint 6 await "manager approval"
	checkpoint 8 step "Credit"
	field in Request
	field amount int64
`

func version(l codegen.Layout, v int) codegen.Layout {
	l.Version = v
	return l
}

// TestLockFormat checks that the file is sorted and deterministic
// whatever the order of the layouts, and reads back as written.
func TestLockFormat(t *testing.T) {
	orders := [][]codegen.Layout{
		{transferV1, version(transferV2, 2), refund},
		{version(transferV2, 2), refund, transferV1},
	}
	for i, layouts := range orders {
		got := codegen.NewLock(layouts).Format()
		if d := lineDiff(wantLock, string(got)); d != "" {
			t.Errorf("order %d: Format mismatch (-want +got):\n%s", i, d)
		}
		k, err := codegen.ParseLock("durable.lock", got)
		if err != nil {
			t.Fatalf("ParseLock(Format()) = %v", err)
		}
		if again := k.Format(); !bytes.Equal(again, got) {
			t.Errorf("Format(ParseLock(Format())) differs (-want +got):\n%s", lineDiff(string(got), string(again)))
		}
		// Positions are not stored.
		want := codegen.NewLock([]codegen.Layout{transferV1, version(transferV2, 2), refund})
		want.Entries[2].Pos = token.Position{}
		if !reflect.DeepEqual(k, want) {
			t.Errorf("ParseLock(Format()) = %+v, want %+v", k, want)
		}
	}
	if got := (*codegen.Lock)(nil).Format(); !strings.HasPrefix(string(got), "# Checkpoint layouts") {
		t.Errorf("nil lock Format() = %q, want the header", got)
	}
}

func TestParseLockErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"short header", "Transfer 1\n", "durable.lock:1: want <workflow> <version> <fingerprint> [resumed], got \"Transfer 1\""},
		{"zero version", "# c\nTransfer 0 ab\n", "durable.lock:2: version \"0\" of Transfer is not a positive integer"},
		{"word version", "Transfer v1 ab\n", "durable.lock:1: version \"v1\" of Transfer is not a positive integer"},
		{"bad fingerprint", "Transfer 1 XYZ\n", "durable.lock:1: fingerprint \"XYZ\" of Transfer 1 is not lowercase hex"},
		{"twice", "Transfer 1 ab\n\nTransfer 1 cd\n", "durable.lock:3: Transfer 1 is recorded twice"},
		{"detail first", "\tcheckpoint 1 step \"A\"\n", "durable.lock:1: indented line before the first <workflow> <version> <fingerprint> line"},
		{"unquoted name", "T 1 ab\n\tcheckpoint 1 step A\n", "durable.lock:2: want checkpoint <id> <kind> <quoted name>"},
		{"bad id", "T 1 ab\n\tcheckpoint x step \"A\"\n", "durable.lock:2: want checkpoint <id> <kind> <quoted name>"},
		{"field without type", "T 1 ab\n\tfield x\n", "durable.lock:2: want field <name> <type>"},
		{"unknown detail", "T 1 ab\n\tstate 3\n", "durable.lock:2: want a checkpoint, field or type line, got \"\\tstate 3\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := codegen.ParseLock("durable.lock", []byte(tt.in))
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("ParseLock(%q) = %v, want an error starting %q", tt.in, err, tt.want)
			}
		})
	}
}

// TestLockUpdate checks what generating does to the lock.
func TestLockUpdate(t *testing.T) {
	v2 := version(transferV2, 2)
	tests := []struct {
		name    string
		lock    *codegen.Lock
		layouts []codegen.Layout
		want    *codegen.Lock // nil: the change is reported
		message []string      // lines the report contains
	}{
		{name: "missing lock", layouts: []codegen.Layout{transferV1},
			want: codegen.NewLock([]codegen.Layout{transferV1})},
		{name: "unchanged", lock: codegen.NewLock([]codegen.Layout{transferV1, refund}), layouts: []codegen.Layout{refund, transferV1},
			want: codegen.NewLock([]codegen.Layout{transferV1, refund})},
		{name: "new version added, old kept", lock: codegen.NewLock([]codegen.Layout{transferV1}), layouts: []codegen.Layout{v2},
			want: codegen.NewLock([]codegen.Layout{transferV1, v2})},
		{name: "new workflow added", lock: codegen.NewLock([]codegen.Layout{transferV1}), layouts: []codegen.Layout{transferV1, refund},
			want: codegen.NewLock([]codegen.Layout{transferV1, refund})},
		{name: "no workflow left", lock: codegen.NewLock([]codegen.Layout{transferV1}),
			want: codegen.NewLock([]codegen.Layout{transferV1})},
		{name: "changed under its version", lock: codegen.NewLock([]codegen.Layout{transferV1, refund}), layouts: []codegen.Layout{transferV2, refund},
			message: []string{
				"pay/transfer.go:12:1: workflow Transfer: the checkpoint layout changed, but durable.lock records version 1 with the old one (fingerprint 00000000000000a1, now 00000000000000a2):",
				"\tadded checkpoint 3 step \"Audit\"",
				"\tretyped field amount from int to int64",
				"\tremoved field note map[string]struct{A int}",
				"\tInstances started on version 1 would never resume. Either",
				"\t- mark this function //durable:workflow version=2 and keep the version 1 code for those instances: run the previous build's workers until they finish, or keep the old function as TransferV1 marked //durable:workflow name=Transfer version=1 and register its descriptor too; or",
				"\t- if no version 1 instance is in flight, record the new layout: go run github.com/durablegen/durable/cmd/durablegen -accept",
			}},
		{name: "next version after the highest recorded", lock: codegen.NewLock([]codegen.Layout{transferV1, version(transferV1, 4)}), layouts: []codegen.Layout{transferV2},
			message: []string{"\t- mark this function //durable:workflow version=5 "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, diags := tt.lock.Update(tt.layouts)
			if tt.want != nil {
				if len(diags) > 0 {
					t.Fatalf("Update() reported %v", diags)
				}
				if d := lineDiff(string(tt.want.Format()), string(got.Format())); d != "" {
					t.Errorf("Update() mismatch (-want +got):\n%s", d)
				}
				return
			}
			if got != nil || len(diags) != 1 {
				t.Fatalf("Update() = %v, %v; want one finding", got, diags)
			}
			msg := diags[0].String()
			for _, line := range tt.message {
				if !strings.Contains(msg, line) {
					t.Errorf("Update() finding\n%s\ndoes not contain\n%s", msg, line)
				}
			}
		})
	}
}

// TestReorderedFields: a frame is encoded by field name, so a lock that
// lists the same fields in another order (one written before fields were
// sorted) records the same layout: Update upgrades the entry with a note.
func TestReorderedFields(t *testing.T) {
	old := codegen.Layout{Workflow: "W", Version: 1, Fingerprint: "01",
		Sites:  []codegen.LayoutSite{{ID: 1, Kind: "step", Name: "A"}},
		Fields: []codegen.LayoutField{{Name: "y", Type: "string"}, {Name: "x", Type: "int"}}}
	lay := old
	lay.Fingerprint = "02"
	lay.Fields = []codegen.LayoutField{{Name: "x", Type: "int"}, {Name: "y", Type: "string"}}
	got, notes, diags := codegen.NewLock([]codegen.Layout{old}).Update([]codegen.Layout{lay})
	if len(diags) != 0 || got == nil {
		t.Fatalf("Update() reported %v, want the entry upgraded", diags)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "same layout, new fingerprint 02") {
		t.Errorf("Update() notes = %q, want one saying the layout is the same", notes)
	}
}

// TestLayoutChanges checks how a changed layout is described.
func TestLayoutChanges(t *testing.T) {
	base := codegen.Layout{Workflow: "W", Version: 1, Fingerprint: "01",
		Sites:  []codegen.LayoutSite{{ID: 1, Kind: "step", Name: "A"}, {ID: 3, Kind: "sleep", Name: "sleep"}},
		Fields: []codegen.LayoutField{{Name: "x", Type: "int"}, {Name: "y", Type: "string"}}}
	change := func(f func(l *codegen.Layout)) codegen.Layout {
		l := base
		l.Sites = append([]codegen.LayoutSite(nil), base.Sites...)
		l.Fields = append([]codegen.LayoutField(nil), base.Fields...)
		l.Fingerprint = "02"
		f(&l)
		return l
	}
	many := change(func(l *codegen.Layout) {
		for i := range 12 {
			l.Fields = append(l.Fields, codegen.LayoutField{Name: fmt.Sprintf("t%d", i), Type: "int"})
		}
	})
	tests := []struct {
		name string
		lay  codegen.Layout
		want []string
	}{
		{"removed checkpoint", change(func(l *codegen.Layout) { l.Sites = l.Sites[1:] }), []string{`removed checkpoint 1 step "A"`}},
		{"moved checkpoint", change(func(l *codegen.Layout) { l.Sites[1].ID = 5 }), []string{`checkpoint sleep "sleep" moved from state 3 to 5 (the control flow around it changed)`}},
		{"renamed step", change(func(l *codegen.Layout) { l.Sites[0].Name = "B" }), []string{`removed checkpoint 1 step "A"`, `added checkpoint 1 step "B"`}},
		{"added field", change(func(l *codegen.Layout) { l.Fields = append(l.Fields, codegen.LayoutField{Name: "z", Type: "[]byte"}) }), []string{"added field z []byte"}},
		{"many changes", many, []string{"added field t9 int", "and 2 more changes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, diags := codegen.NewLock([]codegen.Layout{base}).Update([]codegen.Layout{tt.lay})
			if len(diags) != 1 {
				t.Fatalf("Update() = %v, want one finding", diags)
			}
			msg := diags[0].Message
			for _, w := range tt.want {
				if !strings.Contains(msg, "\n\t"+w+"\n") {
					t.Errorf("Update() finding\n%s\ndoes not list %q", msg, w)
				}
			}
			if strings.Contains(msg, "t10 int") {
				t.Errorf("Update() finding lists more than 10 changes:\n%s", msg)
			}
		})
	}
}

// TestLockUpgrade checks that a recorded entry whose layout is unchanged
// but whose fingerprint is not (another durablegen computed it, such as
// one that did not hash the shapes of stored types) is upgraded with a
// note instead of refused, and that a changed layout is still refused.
func TestLockUpgrade(t *testing.T) {
	req := []codegen.LayoutType{{Name: "Request", Shape: `struct{From string "json:\"from\""}`}}
	shaped := func(l codegen.Layout, fp string, types []codegen.LayoutType) codegen.Layout {
		l.Fingerprint, l.Types = fp, types
		return l
	}
	retyped := transferV1
	retyped.Fields = []codegen.LayoutField{{Name: "in", Type: "Request"}, {Name: "amount", Type: "int64"}}
	tests := []struct {
		name string
		old  codegen.Layout // as recorded
		cur  codegen.Layout // as generated now
		note string         // "" when the change is refused
	}{
		{"shapes not recorded yet", transferV1, shaped(transferV1, "00000000000000c1", req),
			"Transfer version 1: same layout, new fingerprint 00000000000000c1 (was 00000000000000a1): this durablegen also fingerprints the shapes of stored types, recorded from now on; instances started under 00000000000000a1 resume only on workers of a build that registers it"},
		{"other fingerprint algorithm", shaped(transferV1, "00000000000000a1", req), shaped(transferV1, "00000000000000c1", req),
			"Transfer version 1: same layout, new fingerprint 00000000000000c1 (was 00000000000000a1): this durablegen fingerprints layouts differently from the one that wrote the lock"},
		{"changed layout, shapes not recorded", transferV1, shaped(retyped, "00000000000000c1", req), ""},
		{"changed shape", shaped(transferV1, "00000000000000a1", req), shaped(transferV1, "00000000000000c1", []codegen.LayoutType{{Name: "Request", Shape: "struct{From string}"}}), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lock, err := codegen.ParseLock("durable.lock", codegen.NewLock([]codegen.Layout{tt.old, refund}).Format())
			if err != nil {
				t.Fatalf("ParseLock(Format()) = %v", err)
			}
			got, notes, diags := lock.Update([]codegen.Layout{tt.cur})
			if tt.note == "" {
				if got != nil || len(diags) != 1 {
					t.Fatalf("Update() = %v, %q, %v; want one finding", got, notes, diags)
				}
				return
			}
			if len(diags) > 0 {
				t.Fatalf("Update() reported %v", diags)
			}
			if len(notes) != 1 || !strings.HasPrefix(notes[0], tt.note) {
				t.Errorf("Update() notes = %q, want one starting %q", notes, tt.note)
			}
			want := codegen.NewLock([]codegen.Layout{tt.cur, refund})
			if d := lineDiff(string(want.Format()), string(got.Format())); d != "" {
				t.Errorf("Update() mismatch (-want +got):\n%s", d)
			}
		})
	}
}

// TestLockAccept checks that -accept records exactly the current layouts
// and says what it replaced and dropped.
func TestLockAccept(t *testing.T) {
	old := codegen.NewLock([]codegen.Layout{transferV1, version(transferV1, 2), refund})
	got, notes := old.Accept([]codegen.Layout{transferV2, version(transferV2, 3)})
	want := codegen.NewLock([]codegen.Layout{transferV2, version(transferV2, 3)})
	if d := lineDiff(string(want.Format()), string(got.Format())); d != "" {
		t.Errorf("Accept() mismatch (-want +got):\n%s", d)
	}
	wantNotes := []string{
		"Transfer version 1: new layout accepted (00000000000000a2, was 00000000000000a1)",
		"Transfer version 3: recorded",
		"(*Service).Refund version 3: removed (no code declares it)",
		"Transfer version 2: removed (no code declares it)",
	}
	if !reflect.DeepEqual(notes, wantNotes) {
		t.Errorf("Accept() notes = %q, want %q", notes, wantNotes)
	}
	if _, notes := got.Accept([]codegen.Layout{transferV2, version(transferV2, 3)}); len(notes) != 0 {
		t.Errorf("Accept() of the same layouts notes %q, want none", notes)
	}
}

// TestGeneratedLayouts checks that the layouts Generate reports carry the
// fingerprints and names of the generated descriptors.
func TestGeneratedLayouts(t *testing.T) {
	for _, dir := range []string{"testdata/golden/transfer", "testdata/golden/method"} {
		for _, f := range generate(t, dir) {
			if len(f.Workflows) == 0 {
				t.Errorf("Generate(%s): %s reports no workflow", dir, f.Path)
			}
			for _, lay := range f.Workflows {
				quoted := fmt.Sprintf("%s\", %q", lay.Workflow, lay.Fingerprint)
				if !bytes.Contains(f.Content, []byte(quoted)) {
					t.Errorf("Generate(%s): %s has no descriptor with name ...%s", dir, f.Path, quoted)
				}
				if lay.Version != 1 || lay.Pos.Line == 0 || len(lay.Sites) == 0 {
					t.Errorf("Generate(%s): layout %+v, want version 1, a position and checkpoints", dir, lay)
				}
			}
		}
	}
}
