package importer

import (
	"cmp"
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"regexp"
	"slices"
	"strings"

	"localcrm/internal/crm"
)

// ProblemGroup is one kind of problem a dry run found, with how many
// records have it: "1,812 × Email is not a valid email address" reads
// better than 1,812 lines, and the group's rows download on their own
// (WriteDryRunRejects), to be fixed together.
type ProblemGroup struct {
	Kind    string `json:"kind"`    // names the group for WriteDryRunRejects
	Field   string `json:"field"`   // the field's key; empty for rows that could not be read
	Message string `json:"message"` // the first record's message, as an example
	Count   int    `json:"count"`   // records with a problem of this kind
	Lines   []int  `json:"lines"`   // the first few of them
}

// problemLines is how many lines a group names.
const problemLines = 5

// problemGroups gathers a dry run's problems by kind, in the order first met.
type problemGroups struct {
	groups []*ProblemGroup
	byKind map[string]*ProblemGroup
}

// add counts a rejected record's problems, each kind once.
func (g *problemGroups) add(errs []crm.RowError) {
	if g.byKind == nil {
		g.byKind = map[string]*ProblemGroup{}
	}
	seen := map[string]bool{}
	for _, e := range errs {
		kind := problemKind(e)
		if seen[kind] {
			continue
		}
		seen[kind] = true
		pg := g.byKind[kind]
		if pg == nil {
			pg = &ProblemGroup{Kind: kind, Field: e.Field, Message: e.Message}
			g.byKind[kind] = pg
			g.groups = append(g.groups, pg)
		}
		pg.Count++
		if len(pg.Lines) < problemLines {
			pg.Lines = append(pg.Lines, e.Line)
		}
	}
}

// list is the groups, the most frequent first.
func (g *problemGroups) list() []ProblemGroup {
	out := make([]ProblemGroup, len(g.groups))
	for i, pg := range g.groups {
		out[i] = *pg
	}
	slices.SortStableFunc(out, func(a, b ProblemGroup) int { return cmp.Compare(b.Count, a.Count) })
	return out
}

var digits = regexp.MustCompile(`[0-9]+`)

// problemKind names the kind of a problem: its field and its message with
// the value and any numbers taken out, so that "Email ann@ is not valid"
// and "Email bob@ is not valid" are one kind, and "on line 3" and "on line
// 9" too. The name is a short hash, to travel in an address.
func problemKind(e crm.RowError) string {
	msg := e.Message
	if v := strings.TrimSpace(e.Value); v != "" {
		msg = strings.ReplaceAll(msg, v, "…")
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "%s\x00%s", e.Field, digits.ReplaceAllString(msg, "N"))
	return fmt.Sprintf("%016x", h.Sum64())
}

// WriteDryRunRejects checks a pending import's whole file as DryRun does
// and writes, as a rejects file, the rows with a problem of kind (a
// ProblemGroup's), or every rejected row when kind is empty: a group's
// rows to fix before the import starts.
func (im *Importer) WriteDryRunRejects(ctx context.Context, id int64, kind string, w io.Writer) error {
	imp, err := im.store.GetImport(ctx, id)
	if err != nil {
		return err
	}
	return writeRejects(imp, w, func(row func(cells []string, msg string) error) error {
		var werr error
		_, _, err := im.dryPass(ctx, id, func(records []*record, _ bool) {
			for _, r := range records {
				if werr != nil || r.outcome != "rejected" || kind != "" && !hasKind(r.errs, kind) {
					continue
				}
				werr = row(r.rejectCells(), r.message())
			}
		})
		return cmp.Or(err, werr)
	})
}

func hasKind(errs []crm.RowError, kind string) bool {
	return slices.ContainsFunc(errs, func(e crm.RowError) bool { return problemKind(e) == kind })
}
