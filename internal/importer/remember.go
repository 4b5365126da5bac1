package importer

import (
	"context"
	"fmt"

	"localcrm/internal/crm"
)

// headerKey is a column's name as remembered mappings compare it: read as
// AutoMap reads headers, so that "E-mail", "Email" and "\ufeffemail" are
// one column.
func headerKey(col string) string { return joined(readHeader(col).words) }

// remember pre-maps a new file's columns as the newest completed import
// sharing most of them mapped them (a team importing the same export every
// month maps it once), and returns that import, whose options the new one
// starts from; nil when no completed import shares a column. The columns
// it does not share keep the automatic suggestion, unless it takes their
// field (overlay).
func (im *Importer) remember(ctx context.Context, columns []string, sc *crm.Schema, s *Suggestion) (*crm.Import, error) {
	imps, err := im.store.ListImports(ctx) // newest first
	if err != nil {
		return nil, err
	}
	keys := map[string]string{} // header key → the new file's column
	for _, c := range columns {
		keys[headerKey(c)] = c
	}
	var best *crm.Import
	bestShared := 0
	for _, imp := range imps {
		if imp.Status != crm.ImportCompleted && imp.Status != crm.ImportCompletedWithErrors || imp.Revert != nil {
			continue // a reverted import was a mistake, perhaps its mapping
		}
		shared := 0
		for _, c := range imp.Columns {
			if keys[headerKey(c)] != "" {
				shared++
			}
		}
		if shared > bestShared {
			best, bestShared = imp, shared
		}
	}
	if best == nil {
		return nil, nil
	}
	reason := fmt.Sprintf("as in import %d of %s", best.ID, best.CreatedAt.Format("2006-01-02"))
	mapping, reasons := overlay(columns, s.Mapping, headerMapping(best), sc, reason, "left out "+reason)
	for col := range s.Mapping {
		if _, ok := mapping[col]; !ok {
			delete(s.Reasons, col) // its field went to a column the import mapped
		}
	}
	for col, why := range reasons {
		delete(s.Choices, col)
		s.Reasons[col] = why
	}
	s.Mapping = mapping
	return best, nil
}

// headerMapping is imp's mapping keyed by header key: what a template
// keeps, and what a remembered import gives a file with its header. A
// column whose name has no letters or digits cannot be known again, and a
// rejects file's error column is never data; of two columns that read
// alike ("E-mail" and "Email") the first mapped one speaks for both.
func headerMapping(imp *crm.Import) map[string]string {
	known := map[string]string{}
	for i, col := range imp.Columns {
		key := headerKey(col)
		if key == "" || i == len(imp.Columns)-1 && col == errorColumn {
			continue
		}
		if field, seen := known[key]; seen && (field != "" || imp.Options.Mapping[col] == "") {
			continue
		}
		known[key] = imp.Options.Mapping[col]
	}
	return known
}

// overlay maps columns as known (header key → field key, "" for left
// out) says, over current: each column whose header key known has is
// mapped as it says, or left out; any other column keeps its mapping,
// unless known gives its field to another column. A field deleted since
// is skipped, and the column keeps its mapping. reasons says why for each
// column known decided: reason, or leftOut.
func overlay(columns []string, current, known map[string]string, sc *crm.Schema, reason, leftOut string) (mapping, reasons map[string]string) {
	decided := map[string]string{} // column → field key, "" for left out
	seen := map[string]bool{}      // header keys already given to a column
	taken := map[string]bool{}     // fields known gives
	for i, col := range columns {
		if i == len(columns)-1 && col == errorColumn {
			continue
		}
		key := headerKey(col)
		field, ok := known[key]
		if !ok || seen[key] {
			continue // unknown, or a second column that reads as the first
		}
		if _, exists := sc.Field(field); field != "" && (!exists || taken[field]) {
			continue
		}
		seen[key] = true
		decided[col] = field
		if field != "" {
			taken[field] = true
		}
	}
	mapping, reasons = map[string]string{}, map[string]string{}
	for col, field := range current {
		if _, ok := decided[col]; !ok && field != "" && !taken[field] {
			mapping[col] = field
		}
	}
	for col, field := range decided {
		if field == "" {
			reasons[col] = leftOut
			continue
		}
		mapping[col] = field
		reasons[col] = reason
	}
	return mapping, reasons
}
