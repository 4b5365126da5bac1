package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"localcrm/internal/crm"
)

const tokenColumns = `id, name, role, created_by, created_at, expires_at, last_used_at, revoked_at`

func scanToken(r rowScanner) (*crm.Token, error) {
	var t crm.Token
	var role, created, expires, used, revoked string
	if err := r.Scan(&t.ID, &t.Name, &role, &t.CreatedBy, &created, &expires, &used, &revoked); err != nil {
		return nil, err
	}
	t.Role = crm.Role(role)
	t.CreatedAt, t.ExpiresAt, t.LastUsedAt, t.RevokedAt = parseTime(created), parseTime(expires), parseTime(used), parseTime(revoked)
	return &t, nil
}

const insertTokenSQL = `
	INSERT INTO tokens (secret_hash, name, role, created_by, created_at, expires_at)
	VALUES (?, ?, ?, ?, ?, ?)
	RETURNING id`

// CreateToken records an API token by the hash of its secret; the secret
// itself is shown once, by the caller, and never stored.
func (s *Store) CreateToken(ctx context.Context, t *crm.Token, secretHash []byte) error {
	if _, err := crm.ParseRole(string(t.Role)); err != nil {
		return err
	}
	if n := len([]rune(t.Name)); n > crm.MaxTokenNameLength {
		return crm.Invalid("name", t.Name, fmt.Sprintf("A token's name has at most %d characters; this one has %d.", crm.MaxTokenNameLength, n))
	}
	return s.inTx(ctx, "create token", func(tx *sql.Tx) error {
		now := s.now()
		t.CreatedBy = crm.ActorFrom(ctx).Name
		err := tx.QueryRowContext(ctx, insertTokenSQL, secretHash, t.Name, t.Role, t.CreatedBy, formatTime(now), formatTime(t.ExpiresAt)).Scan(&t.ID)
		if err != nil {
			return fmt.Errorf("create token: %w", err)
		}
		t.CreatedAt = now.Truncate(1e6)
		detail := "role: " + string(t.Role)
		if !t.ExpiresAt.IsZero() {
			detail += "; expires " + formatTime(t.ExpiresAt)
		}
		return s.audit(ctx, tx, crm.AuditTokenCreated, tokenTarget(t.ID, t.Name), detail)
	})
}

var tokenBySecretSQL = `SELECT ` + tokenColumns + ` FROM tokens WHERE secret_hash = ?`

// TokenBySecret returns the active token whose secret has the hash, or an
// error of the kind crm.ErrUnauthenticated when there is none, or it is
// revoked or expired.
func (s *Store) TokenBySecret(ctx context.Context, secretHash []byte) (*crm.Token, error) {
	t, err := scanToken(s.read.QueryRowContext(ctx, tokenBySecretSQL, secretHash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("token: %w", crm.ErrUnauthenticated)
	}
	if err != nil {
		return nil, fmt.Errorf("get token: %w", err)
	}
	now := s.now()
	if !t.Active(now) {
		return nil, fmt.Errorf("token %d is revoked or expired: %w", t.ID, crm.ErrUnauthenticated)
	}
	if now.Sub(t.LastUsedAt) >= touchEvery {
		if _, err := s.write.ExecContext(ctx, `UPDATE tokens SET last_used_at = ? WHERE id = ?`, formatTime(now), t.ID); err != nil {
			return nil, fmt.Errorf("touch token: %w", err)
		}
		t.LastUsedAt = now
	}
	return t, nil
}

var listTokensSQL = `SELECT ` + tokenColumns + ` FROM tokens ORDER BY id`

// ListTokens returns every token, revoked ones included, oldest first.
func (s *Store) ListTokens(ctx context.Context) ([]*crm.Token, error) {
	rows, err := s.read.QueryContext(ctx, listTokensSQL)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []*crm.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return out, nil
}

// RevokeToken stops a token from working, at once and for good.
func (s *Store) RevokeToken(ctx context.Context, id int64) error {
	return s.inTx(ctx, "revoke token", func(tx *sql.Tx) error {
		var name string
		err := tx.QueryRowContext(ctx, `UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at = '' RETURNING name`,
			formatTime(s.now()), id).Scan(&name)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("token %d (or it is already revoked): %w", id, crm.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("revoke token %d: %w", id, err)
		}
		return s.audit(ctx, tx, crm.AuditTokenRevoked, tokenTarget(id, name), "")
	})
}

// tokenTarget names a token in the audit log.
func tokenTarget(id int64, name string) string {
	if name == "" {
		return fmt.Sprintf("token %d", id)
	}
	return fmt.Sprintf("token %d (%s)", id, name)
}
