package importer

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"

	"localcrm/internal/crm"
	"localcrm/internal/csvin"
)

// ColumnValues reads a pending import's whole file and returns the
// distinct values of its column col (trimmed, ignoring case, in the order
// first met), at most limit of them, and whether there are more: a new
// picklist field takes its values from the file, not only from the rows of
// the preview.
func (im *Importer) ColumnValues(ctx context.Context, id int64, col string, limit int) (values []string, more bool, err error) {
	imp, err := im.store.GetImport(ctx, id)
	if err != nil {
		return nil, false, err
	}
	i := slices.Index(imp.Columns, col)
	if i < 0 {
		return nil, false, crm.Invalid("column", col, fmt.Sprintf("The file of import %d has no column %q; its columns are %s.", id, col, strings.Join(imp.Columns, ", ")))
	}
	f, err := im.sources.Open(ctx, id)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, im.sourceGone(ctx, imp)
	}
	if err != nil {
		return nil, false, fmt.Errorf("open the import's file: %w", err)
	}
	defer f.Close()
	delim, err := delimiter(imp)
	if err != nil {
		return nil, false, err
	}
	cr, err := csvin.NewReader(bufio.NewReaderSize(f, 256<<10), csvin.Format{
		Encoding: csvin.Encoding(imp.Encoding), Delimiter: delim, HeaderLine: imp.HeaderLine,
	})
	if err != nil {
		return nil, false, fmt.Errorf("read the import's file: %w", err)
	}
	seen := map[string]bool{}
	values = []string{}
	for n := 0; ; n++ {
		if n%1024 == 0 && ctx.Err() != nil {
			return nil, false, ctx.Err()
		}
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return values, false, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("read the import's file: %w", err)
		}
		if rec.Err != nil || i >= len(rec.Fields) {
			continue // a row that cannot be read is the dry run's to report
		}
		v := strings.TrimSpace(rec.Fields[i])
		if key := strings.ToLower(v); v != "" && !seen[key] {
			if len(values) == limit {
				return values, true, nil
			}
			seen[key] = true
			values = append(values, v)
		}
	}
}
