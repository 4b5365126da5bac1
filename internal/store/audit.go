package store

import (
	"context"
	"fmt"
	"strings"

	"localcrm/internal/crm"
)

const insertAuditSQL = `
	INSERT INTO audit_log (at, actor, actor_kind, addr, action, target, detail)
	VALUES (?, ?, ?, ?, ?, ?, ?)`

// audit records in q, the transaction of the change it describes, that the
// actor of ctx did action to target. A change and its record commit or roll
// back together, so the log never tells of a change that did not happen,
// nor misses one that did.
func (s *Store) audit(ctx context.Context, q queryer, action crm.AuditAction, target, detail string) error {
	a := crm.ActorFrom(ctx)
	_, err := q.ExecContext(ctx, insertAuditSQL, formatTime(s.now()), a.Name, a.Kind, a.Addr, string(action), target, detail)
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// Audit records what changed nothing in the database but must be on
// record all the same: a failed sign-in, an export.
func (s *Store) Audit(ctx context.Context, action crm.AuditAction, target, detail string) error {
	return s.audit(ctx, s.write, action, target, detail)
}

const auditWhere = `
	WHERE (?1 = '' OR at >= ?1) AND (?2 = '' OR actor = ?2) AND (?3 = '' OR action = ?3)`

const listAuditSQL = `
	SELECT id, at, actor, actor_kind, addr, action, target, detail
	FROM audit_log` + auditWhere + `
	ORDER BY id DESC LIMIT ?4 OFFSET ?5`

const countAuditSQL = `SELECT count(*) FROM audit_log` + auditWhere

// ListAudit returns a page of the audit log, newest first, and how many
// entries match f in all.
func (s *Store) ListAudit(ctx context.Context, f crm.AuditFilter) ([]crm.AuditEntry, int, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	args := []any{formatTime(f.Since), f.Actor, string(f.Action)}
	var total int
	if err := s.read.QueryRowContext(ctx, countAuditSQL, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count audit log: %w", err)
	}
	rows, err := s.read.QueryContext(ctx, listAuditSQL, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list audit log: %w", err)
	}
	defer rows.Close()
	var out []crm.AuditEntry
	for rows.Next() {
		var e crm.AuditEntry
		var at, action string
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.ActorKind, &e.Addr, &action, &e.Target, &e.Detail); err != nil {
			return nil, 0, fmt.Errorf("list audit log: %w", err)
		}
		e.At, e.Action = parseTime(at), crm.AuditAction(action)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("list audit log: %w", err)
	}
	return out, total, nil
}

// fieldList names changed fields for an audit entry's detail.
func fieldList(keys []string) string {
	if len(keys) == 0 {
		return "nothing changed"
	}
	return "fields: " + strings.Join(keys, ", ")
}
