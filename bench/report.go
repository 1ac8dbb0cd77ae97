package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// Systems measured.
const (
	sysLimit = "limit"
	sysOurs  = "durablegen"
	sysGoWF  = "go-workflows"
	sysDBOS  = "DBOS"
)

// Row is one measurement.
type Row struct {
	Section string  `json:"section"`
	Name    string  `json:"name"`
	System  string  `json:"system"`
	Value   float64 `json:"value,omitempty"`
	Unit    string  `json:"unit,omitempty"`
	P99     float64 `json:"p99,omitempty"`
	// Ratio is Value divided by the value named by RatioTo.
	Ratio   float64 `json:"ratio,omitempty"`
	RatioTo string  `json:"ratio_to,omitempty"`
	Note    string  `json:"note,omitempty"`
	// Extra holds secondary numbers (rows read, allocations...).
	Extra map[string]float64 `json:"extra,omitempty"`
	// Skipped says why the measurement could not be made; Value is then
	// meaningless.
	Skipped string `json:"skipped,omitempty"`
}

// Machine describes where the run happened.
type Machine struct {
	CPU      string `json:"cpu"`
	NProc    int    `json:"nproc"`
	Go       string `json:"go"`
	OS       string `json:"os"`
	Postgres string `json:"postgres,omitempty"`
	// Load is the 1-minute load average at the start and the end of the
	// run: other processes compete for the CPUs.
	Load [2]float64 `json:"load"`
}

// Results is what results.json holds.
type Results struct {
	Date     string   `json:"date"`
	Quick    bool     `json:"quick"`
	Machine  Machine  `json:"machine"`
	Versions []string `json:"versions"` // peer modules
	Seconds  float64  `json:"seconds"`  // duration of the run
	// Stale says why the generated workflows measured are not what the
	// generator emits today, if they are not.
	Stale string `json:"stale,omitempty"`
	// Sections holds the duration of each section, in seconds.
	Sections map[string]float64 `json:"sections"`
	Rows     []Row              `json:"rows"`
}

// section is a part of the results, printed as one table.
type section struct{ key, title string }

// sections lists the sections in print order with their headings.
var sections = []section{
	{"limits", "Limits of this machine"},
	{"checkpoint", "Per-checkpoint cost: one 200-step sequential workflow"},
	{"parts", "Checkpoint parts: its statements alone and together, round-robin with a bare commit"},
	{"machine", "Machine overhead: generated machine and engine, no I/O"},
	{"resume", "Resume cost after k committed checkpoints"},
	{"throughput", "Throughput: workflows of 5 steps"},
	{"scale", "Scale-out: more instances at once, more worker processes, and batching off"},
	{"tools", "Generator and analyzer: a package of 200 workflows"},
	{"memory", "Memory: a worker holding 10,000 sleeping instances"},
}

// writeMarkdown prints the results as one Markdown table per section.
func writeMarkdown(w io.Writer, r *Results) {
	fmt.Fprintf(w, "Run of %s, quick=%v, %.0f s; %d × %s, %s, %s", r.Date, r.Quick, r.Seconds, r.Machine.NProc, r.Machine.CPU, r.Machine.Go, r.Machine.OS)
	if r.Machine.Postgres != "" {
		fmt.Fprintf(w, ", PostgreSQL %s", r.Machine.Postgres)
	}
	fmt.Fprintf(w, "; load average %.1f at the start, %.1f at the end", r.Machine.Load[0], r.Machine.Load[1])
	fmt.Fprintf(w, "; peers: %s.\n", strings.Join(r.Versions, ", "))
	if r.Stale != "" {
		fmt.Fprintf(w, "\n**Warning: the measured machines are stale: %s.**\n", r.Stale)
	}
	for _, sec := range sections {
		var rows []Row
		for _, row := range r.Rows {
			if row.Section == sec.key {
				rows = append(rows, row)
			}
		}
		if len(rows) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n#### %s (%.0f s)\n\n", sec.title, r.Sections[sec.key])
		fmt.Fprintln(w, "| Measurement | System | Value | p99 | Ratio | Note |")
		fmt.Fprintln(w, "|---|---|--:|--:|--:|---|")
		for _, row := range rows {
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", row.Name, row.System, row.value(), row.p99(), row.ratio(), row.note())
		}
	}
}

func (r Row) value() string {
	if r.Skipped != "" {
		return "—"
	}
	return number(r.Value) + " " + r.Unit
}

func (r Row) p99() string {
	if r.Skipped != "" || r.P99 == 0 {
		return ""
	}
	return number(r.P99) + " " + r.Unit
}

func (r Row) ratio() string {
	if r.Skipped != "" || r.RatioTo == "" {
		return ""
	}
	return fmt.Sprintf("%.2f (%s)", r.Ratio, r.RatioTo)
}

func (r Row) note() string {
	if r.Skipped != "" {
		if r.Note != "" {
			return "not run: " + r.Skipped + "; " + r.Note
		}
		return "not run: " + r.Skipped
	}
	return r.Note
}

// number formats v with about three significant digits.
func number(v float64) string {
	switch a := max(v, -v); {
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	case a >= 1:
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.3f", v)
	}
}

// writeJSON writes the results to path.
func writeJSON(path string, r *Results) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encode results: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	return nil
}
