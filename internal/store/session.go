package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"localcrm/internal/crm"
)

// SessionLimits are how long a session lasts: Idle after its last use,
// and Max after sign-in whatever the use.
type SessionLimits struct {
	Idle time.Duration
	Max  time.Duration
}

// CreateSession records a signed-in browser for the user, known by the
// hash of its random id, and the sign-in in the audit log. It also clears
// out sessions past their absolute lifetime, so the table stays small.
func (s *Store) CreateSession(ctx context.Context, idHash []byte, u *crm.User, lim SessionLimits) error {
	return s.inTx(ctx, "sign in", func(tx *sql.Tx) error {
		now := s.now()
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE created_at < ? OR seen_at < ?`,
			formatTime(now.Add(-lim.Max)), formatTime(now.Add(-lim.Idle))); err != nil {
			return fmt.Errorf("clear old sessions: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (id_hash, user_id, created_at, seen_at) VALUES (?, ?, ?, ?)`,
			idHash, u.ID, formatTime(now), formatTime(now)); err != nil {
			return fmt.Errorf("create session: %w", err)
		}
		return s.audit(ctx, tx, crm.AuditSignIn, "user "+u.Name, "")
	})
}

var sessionSQL = `
	SELECT u.id, u.name, u.role, u.disabled, u.created_at, u.updated_at, s.created_at, s.seen_at
	FROM sessions s JOIN users u ON u.id = s.user_id
	WHERE s.id_hash = ?`

// touchEvery is how stale a session's last use may be before a request
// writes it again: writing on every request would queue page views behind
// imports on SQLite's one writer, for a timeout counted in hours.
const touchEvery = time.Minute

// Session returns the user signed in with the session, or an error of the
// kind crm.ErrUnauthenticated when there is no such session, it has been
// idle or alive too long, or its user is disabled.
func (s *Store) Session(ctx context.Context, idHash []byte, lim SessionLimits) (*crm.User, error) {
	var created, seen string
	u, err := scanUser(s.read.QueryRowContext(ctx, sessionSQL, idHash), &created, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("session: %w", crm.ErrUnauthenticated)
	}
	if err != nil {
		return nil, fmt.Errorf("get session: %w", err)
	}
	now := s.now()
	if u.Disabled || now.Sub(parseTime(created)) >= lim.Max || now.Sub(parseTime(seen)) >= lim.Idle {
		if _, err := s.write.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = ?`, idHash); err != nil {
			return nil, fmt.Errorf("end session: %w", err)
		}
		return nil, fmt.Errorf("session expired: %w", crm.ErrUnauthenticated)
	}
	if now.Sub(parseTime(seen)) >= touchEvery {
		if _, err := s.write.ExecContext(ctx, `UPDATE sessions SET seen_at = ? WHERE id_hash = ?`, formatTime(now), idHash); err != nil {
			return nil, fmt.Errorf("touch session: %w", err)
		}
	}
	return u, nil
}

// DeleteSession signs a browser out, on the record.
func (s *Store) DeleteSession(ctx context.Context, idHash []byte) error {
	return s.inTx(ctx, "sign out", func(tx *sql.Tx) error {
		var name string
		err := tx.QueryRowContext(ctx, `DELETE FROM sessions WHERE id_hash = ? RETURNING (SELECT name FROM users WHERE id = user_id)`, idHash).Scan(&name)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // already gone: signing out again changes nothing
		}
		if err != nil {
			return fmt.Errorf("sign out: %w", err)
		}
		return s.audit(ctx, tx, crm.AuditSignOut, "user "+name, "")
	})
}
