package store

import (
	"context"
	"fmt"

	"localcrm/internal/crm"
)

// importCustomersWhere selects the customers an import created, and those
// it updated: import_changes keeps each one's values from before it.
const importCustomersWhere = ` FROM customers
	WHERE created_import = ? OR account_number IN (SELECT account_number FROM import_changes WHERE import_id = ?)`

var (
	importCustomersSQL      = `SELECT ` + selectCustomerColumns + importCustomersWhere + ` ORDER BY account_number LIMIT ? OFFSET ?`
	countImportCustomersSQL = `SELECT count(*)` + importCustomersWhere
)

// importCustomers is ListCustomers for CustomerFilter.Import: a page of
// the customers that import created or updated, and how many there are.
func (s *Store) importCustomers(ctx context.Context, f CustomerFilter) ([]*crm.Customer, int, error) {
	var total int
	if err := s.read.QueryRowContext(ctx, countImportCustomersSQL, f.Import, f.Import).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count customers of import %d: %w", f.Import, err)
	}
	rows, err := s.read.QueryContext(ctx, importCustomersSQL, f.Import, f.Import, f.Limit, f.Offset)
	if err != nil {
		return nil, 0, fmt.Errorf("list customers of import %d: %w", f.Import, err)
	}
	return collectCustomers(rows, total)
}
