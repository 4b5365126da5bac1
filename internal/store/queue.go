package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"localcrm/internal/crm"
)

// QueueImport marks an import that is to start or resume, and still has the
// status from, as waiting for worker to have a free slot. The worker then
// claims it from crm.ImportQueued. If the worker dies first, the import
// goes back to where it was (see MarkInterrupted).
func (s *Store) QueueImport(ctx context.Context, id int64, from crm.ImportStatus, worker string) error {
	return s.inTx(ctx, "queue import", func(tx *sql.Tx) error {
		var got int64
		err := tx.QueryRowContext(ctx, `UPDATE imports SET status = 'queued', worker = ?, heartbeat_at = ?, error = ''
			WHERE id = ? AND status = ? RETURNING id`, worker, formatTime(s.now()), id, from).Scan(&got)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("import %d is no longer %s: %w", id, from, crm.ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("queue import %d: %w", id, err)
		}
		return nil
	})
}
