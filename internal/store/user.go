package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"localcrm/internal/crm"
)

const userColumns = `id, name, role, disabled, created_at, updated_at`

func scanUser(r rowScanner, extra ...any) (*crm.User, error) {
	var u crm.User
	var role, created, updated string
	if err := r.Scan(append([]any{&u.ID, &u.Name, &role, &u.Disabled, &created, &updated}, extra...)...); err != nil {
		return nil, err
	}
	u.Role, u.CreatedAt, u.UpdatedAt = crm.Role(role), parseTime(created), parseTime(updated)
	return &u, nil
}

const insertUserSQL = `
	INSERT INTO users (name, name_key, role, password, created_at, updated_at)
	VALUES (?, ?, ?, ?, ?, ?)
	RETURNING id`

// CreateUser adds a person who signs in with the password whose hash is
// given; the password itself never reaches the store.
func (s *Store) CreateUser(ctx context.Context, u *crm.User, passwordHash string) error {
	return s.inTx(ctx, "create user", func(tx *sql.Tx) error {
		return s.createUser(ctx, tx, u, passwordHash)
	})
}

func (s *Store) createUser(ctx context.Context, tx *sql.Tx, u *crm.User, passwordHash string) error {
	if err := crm.ValidateUserName(u.Name); err != nil {
		return err
	}
	if _, err := crm.ParseRole(string(u.Role)); err != nil {
		return err
	}
	now := s.now()
	err := tx.QueryRowContext(ctx, insertUserSQL, u.Name, crm.UserKey(u.Name), u.Role, passwordHash, formatTime(now), formatTime(now)).Scan(&u.ID)
	if isUnique(err) {
		return fmt.Errorf("there is already a user named %q: %w", u.Name, crm.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("create user %s: %w", u.Name, err)
	}
	u.CreatedAt, u.UpdatedAt = now.Truncate(1e6), now.Truncate(1e6)
	return s.audit(ctx, tx, crm.AuditUserCreated, "user "+u.Name, "role: "+string(u.Role))
}

// CountUsers returns how many users there are, disabled ones included.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

var listUsersSQL = `SELECT ` + userColumns + ` FROM users ORDER BY name_key`

// ListUsers returns every user by name.
func (s *Store) ListUsers(ctx context.Context) ([]*crm.User, error) {
	rows, err := s.read.QueryContext(ctx, listUsersSQL)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var users []*crm.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return users, nil
}

var userByNameSQL = `SELECT ` + userColumns + `, password FROM users WHERE name_key = ?`

// UserByName returns the user with the name, in any case, and their
// password hash, for signing in.
func (s *Store) UserByName(ctx context.Context, name string) (*crm.User, string, error) {
	return userByName(ctx, s.read, name)
}

func userByName(ctx context.Context, q queryer, name string) (*crm.User, string, error) {
	var hash string
	u, err := scanUser(q.QueryRowContext(ctx, userByNameSQL, crm.UserKey(name)), &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", fmt.Errorf("user %q: %w", name, crm.ErrNotFound)
	}
	if err != nil {
		return nil, "", fmt.Errorf("get user %s: %w", name, err)
	}
	return u, hash, nil
}

// UserChange is one change to a user; nil fields stay as they are.
type UserChange struct {
	Role         *crm.Role
	Disabled     *bool
	PasswordHash *string
}

// ChangeUser changes a user's role, enabled state or password, and ends
// their sessions in the same transaction: whoever had them signed in must
// sign in again under the new rules. It refuses to take away the last
// enabled admin, since nobody could then manage users from the web; other
// changes go through even where there is no admin (a team made with the
// command line alone).
func (s *Store) ChangeUser(ctx context.Context, name string, c UserChange) (*crm.User, error) {
	var u *crm.User
	err := s.inTx(ctx, "change user", func(tx *sql.Tx) error {
		var err error
		if u, _, err = userByName(ctx, tx, name); err != nil {
			return err
		}
		wasAdmin := u.Role == crm.RoleAdmin && !u.Disabled
		var detail []string
		if c.Role != nil {
			r, err := crm.ParseRole(string(*c.Role))
			if err != nil {
				return err
			}
			detail = append(detail, fmt.Sprintf("role: %s → %s", u.Role, r))
			u.Role = r
		}
		if c.Disabled != nil {
			detail = append(detail, map[bool]string{true: "disabled", false: "enabled"}[*c.Disabled])
			u.Disabled = *c.Disabled
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE users SET role = ?, disabled = ?, updated_at = ? WHERE id = ?`,
			u.Role, u.Disabled, formatTime(now), u.ID); err != nil {
			return fmt.Errorf("change user %s: %w", name, err)
		}
		if c.PasswordHash != nil {
			if crm.ActorFrom(ctx).UserID == u.ID {
				detail = append(detail, "password changed by its owner")
			} else {
				detail = append(detail, "password reset")
			}
			if _, err := tx.ExecContext(ctx, `UPDATE users SET password = ? WHERE id = ?`, *c.PasswordHash, u.ID); err != nil {
				return fmt.Errorf("change user %s: %w", name, err)
			}
		}
		if wasAdmin && (u.Role != crm.RoleAdmin || u.Disabled) {
			var admins int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE role = 'admin' AND disabled = 0`).Scan(&admins); err != nil {
				return fmt.Errorf("change user %s: %w", name, err)
			}
			if admins == 0 {
				return crm.Invalid("role", name, fmt.Sprintf("%s is the last enabled admin; make another user an admin first, so that someone can still manage users.", u.Name))
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, u.ID); err != nil {
			return fmt.Errorf("end sessions of %s: %w", name, err)
		}
		u.UpdatedAt = now.Truncate(1e6)
		return s.audit(ctx, tx, crm.AuditUserChanged, "user "+u.Name, strings.Join(detail, "; "))
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// CreateSetupLink keeps the hash of a one-time setup link's secret until
// expires. Links are only made while there is no user.
func (s *Store) CreateSetupLink(ctx context.Context, secretHash []byte, expires time.Time) error {
	_, err := s.write.ExecContext(ctx, `INSERT INTO setup_links (secret_hash, expires_at) VALUES (?, ?)`, secretHash, formatTime(expires))
	if err != nil {
		return fmt.Errorf("create setup link: %w", err)
	}
	return nil
}

// CheckSetupLink reports whether a setup link is still good: known, not
// expired, and no user made yet.
func (s *Store) CheckSetupLink(ctx context.Context, secretHash []byte) error {
	return checkSetupLink(ctx, s.read, secretHash, s.now())
}

func checkSetupLink(ctx context.Context, q queryer, secretHash []byte, now time.Time) error {
	var users, links int
	err := q.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM setup_links WHERE secret_hash = ? AND expires_at > ?)`,
		secretHash, formatTime(now)).Scan(&users, &links)
	if err != nil {
		return fmt.Errorf("check setup link: %w", err)
	}
	if users > 0 || links == 0 {
		return fmt.Errorf("setup link: %w", crm.ErrNotFound)
	}
	return nil
}

// CreateFirstAdmin uses a setup link to make the first admin. The link
// works once: in the same transaction every link is removed, and a second
// try, or any try once a user exists, finds nothing.
func (s *Store) CreateFirstAdmin(ctx context.Context, secretHash []byte, u *crm.User, passwordHash string) error {
	return s.inTx(ctx, "create first admin", func(tx *sql.Tx) error {
		if err := checkSetupLink(ctx, tx, secretHash, s.now()); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM setup_links`); err != nil {
			return fmt.Errorf("use setup link: %w", err)
		}
		u.Role = crm.RoleAdmin
		return s.createUser(ctx, tx, u, passwordHash)
	})
}
