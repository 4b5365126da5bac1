package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"localcrm/internal/crm"
)

// templateColumns must match scanTemplate.
const templateColumns = `name, mapping, on_duplicate, date_format, batch_size, update_rules, keep_record, country, country_column, check_phones,
	from_import, saved_by, saved_at`

func scanTemplate(r rowScanner) (*crm.Template, error) {
	var (
		t                      crm.Template
		mapping, update, saved string
	)
	if err := r.Scan(&t.Name, &mapping, &t.OnDuplicate, &t.DateFormat, &t.BatchSize, &update, &t.KeepRecord, &t.Country, &t.CountryColumn,
		&t.CheckPhones, &t.FromImport, &t.SavedBy, &saved); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(mapping), &t.Mapping); err != nil {
		return nil, fmt.Errorf("template %q: mapping: %w", t.Name, err)
	}
	if err := json.Unmarshal([]byte(update), &t.Update); err != nil {
		return nil, fmt.Errorf("template %q: update rules: %w", t.Name, err)
	}
	t.SavedAt = parseTime(saved)
	return &t, nil
}

const templateNameSQL = `SELECT name FROM templates WHERE name_key = ?`

const insertTemplateSQL = `
	INSERT INTO templates (name_key, name, mapping, on_duplicate, date_format, batch_size, update_rules,
		keep_record, country, country_column, check_phones, from_import, saved_by, saved_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

const replaceTemplateSQL = `
	UPDATE templates
	SET name = ?, mapping = ?, on_duplicate = ?, date_format = ?, batch_size = ?, update_rules = ?,
		keep_record = ?, country = ?, country_column = ?, check_phones = ?, from_import = ?, saved_by = ?, saved_at = ?
	WHERE name_key = ?`

// SaveTemplate checks t and saves it under its name, setting when. A name
// already saved (in any case) is replaced only when replace says so:
// otherwise saving would silently throw away another person's template,
// and the error is crm.ErrConflict. replaced reports that a template was
// replaced.
func (s *Store) SaveTemplate(ctx context.Context, t *crm.Template, replace bool) (replaced bool, err error) {
	if err := t.Check(); err != nil {
		return false, err
	}
	mapping, _ := json.Marshal(t.Mapping)
	update, _ := json.Marshal(t.Update)
	now := s.now()
	key := crm.TemplateKey(t.Name)
	err = s.inTx(ctx, "save template", func(tx *sql.Tx) error {
		var old string
		err := tx.QueryRowContext(ctx, templateNameSQL, key).Scan(&old)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.ExecContext(ctx, insertTemplateSQL, key, t.Name, string(mapping), t.OnDuplicate, t.DateFormat, t.BatchSize,
				string(update), flag(t.KeepRecord), t.Country, t.CountryColumn, flag(t.CheckPhones), t.FromImport, t.SavedBy, formatTime(now))
			if isUnique(err) { // saved meanwhile by a writer that took no lock
				return fmt.Errorf("a template named %q exists; choose another name or replace it: %w", t.Name, crm.ErrConflict)
			}
		case err != nil:
		case !replace:
			return fmt.Errorf("a template named %q exists; choose another name or replace it: %w", old, crm.ErrConflict)
		default:
			replaced = true
			_, err = tx.ExecContext(ctx, replaceTemplateSQL, t.Name, string(mapping), t.OnDuplicate, t.DateFormat, t.BatchSize,
				string(update), flag(t.KeepRecord), t.Country, t.CountryColumn, flag(t.CheckPhones), t.FromImport, t.SavedBy, formatTime(now), key)
		}
		if err != nil {
			return fmt.Errorf("save template %q: %w", t.Name, err)
		}
		mapped := 0
		for _, field := range t.Mapping {
			if field != "" {
				mapped++
			}
		}
		detail := fmt.Sprintf("%d columns mapped, from import %d", mapped, t.FromImport)
		if replaced {
			detail += "; replaced the template of that name"
		}
		return s.audit(ctx, tx, crm.AuditTemplateSaved, "template "+t.Name, detail)
	})
	if err != nil {
		return false, err
	}
	t.SavedAt = now.Truncate(1e6)
	return replaced, nil
}

var listTemplatesSQL = `SELECT ` + templateColumns + ` FROM templates ORDER BY name_key`

// ListTemplates returns every template, by name.
func (s *Store) ListTemplates(ctx context.Context) ([]*crm.Template, error) {
	rows, err := s.read.QueryContext(ctx, listTemplatesSQL)
	if err != nil {
		return nil, fmt.Errorf("list templates: %w", err)
	}
	defer rows.Close()
	var out []*crm.Template
	for rows.Next() {
		t, err := scanTemplate(rows)
		if err != nil {
			return nil, fmt.Errorf("list templates: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list templates: %w", err)
	}
	return out, nil
}

var getTemplateSQL = `SELECT ` + templateColumns + ` FROM templates WHERE name_key = ?`

// GetTemplate returns the template with the name, in any case.
func (s *Store) GetTemplate(ctx context.Context, name string) (*crm.Template, error) {
	t, err := scanTemplate(s.read.QueryRowContext(ctx, getTemplateSQL, crm.TemplateKey(name)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("template %q: %w", name, crm.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get template %q: %w", name, err)
	}
	return t, nil
}

const deleteTemplateSQL = `DELETE FROM templates WHERE name_key = ? RETURNING name`

// DeleteTemplate deletes the template with the name, in any case. The
// imports it was applied to keep their mapping.
func (s *Store) DeleteTemplate(ctx context.Context, name string) error {
	return s.inTx(ctx, "delete template", func(tx *sql.Tx) error {
		var saved string
		err := tx.QueryRowContext(ctx, deleteTemplateSQL, crm.TemplateKey(name)).Scan(&saved)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("template %q: %w", name, crm.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("delete template %q: %w", name, err)
		}
		return s.audit(ctx, tx, crm.AuditTemplateDeleted, "template "+saved, "")
	})
}

// flag is a yes-or-no column's value: 0 or 1 in an integer column, the
// same on both databases (PostgreSQL takes no Go bool for a BIGINT).
func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}
