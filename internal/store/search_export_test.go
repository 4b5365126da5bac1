package store

import (
	"context"
	"fmt"
)

// IndexAll puts every customer into the search index, as enough new
// customers would (catchUp), so that a test can search the index as well
// as the tail it leaves.
func (s *Store) IndexAll(ctx context.Context) error {
	tx, end, err := s.beginDurable(ctx)
	if err != nil {
		return err
	}
	defer end()
	var last int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(account_number), 0) FROM customers`).Scan(&last); err != nil {
		return err
	}
	if err := s.catchUp(ctx, tx, last, true); err != nil {
		return fmt.Errorf("index all: %w", err)
	}
	return tx.Commit()
}
