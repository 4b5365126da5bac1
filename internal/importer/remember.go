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
// field.
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
	remembered := map[string]string{} // the new file's column → field key, "" for left out
	for _, c := range best.Columns {
		col := keys[headerKey(c)]
		if col == "" {
			continue
		}
		key := best.Options.Mapping[c]
		if _, ok := sc.Field(key); key != "" && !ok {
			continue // a field deleted since: the automatic suggestion stands
		}
		remembered[col] = key
	}
	taken := map[string]bool{}
	for _, key := range remembered {
		taken[key] = true
	}
	for col, key := range s.Mapping {
		if _, ok := remembered[col]; ok || taken[key] {
			delete(s.Mapping, col)
			delete(s.Reasons, col)
		}
	}
	for col, key := range remembered {
		delete(s.Choices, col)
		if key == "" {
			s.Reasons[col] = "left out " + reason
			continue
		}
		s.Mapping[col] = key
		s.Reasons[col] = reason
	}
	return best, nil
}
