package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"localcrm/internal/crm"
)

const listFieldsSQL = `
	SELECT name, label, type, max_length, required, default_value, picklist
	FROM fields
	ORDER BY position, name`

const customerTypesSQL = `SELECT value FROM settings WHERE key = 'customer_types'`

// Schema returns every field, standard and custom, with the admin's
// customer types and default country.
func (s *Store) Schema(ctx context.Context) (*crm.Schema, error) {
	return schema(ctx, s.read)
}

// queryer is what both *sql.DB and *sql.Tx offer, so that a read can run
// inside a write transaction when it must see that transaction's state.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func schema(ctx context.Context, q queryer) (*crm.Schema, error) {
	rows, err := q.QueryContext(ctx, listFieldsSQL)
	if err != nil {
		return nil, fmt.Errorf("list fields: %w", err)
	}
	defer rows.Close()
	var custom []crm.Field
	for rows.Next() {
		var f crm.Field
		var values string
		if err := rows.Scan(&f.Key, &f.Label, &f.Type, &f.MaxLength, &f.Required, &f.Default, &values); err != nil {
			return nil, fmt.Errorf("list fields: %w", err)
		}
		if err := json.Unmarshal([]byte(values), &f.Values); err != nil {
			return nil, fmt.Errorf("field %s: picklist: %w", f.Key, err)
		}
		custom = append(custom, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list fields: %w", err)
	}
	var types []string
	var raw string
	if err := q.QueryRowContext(ctx, customerTypesSQL).Scan(&raw); err != nil {
		return nil, fmt.Errorf("customer types: %w", err)
	}
	if err := json.Unmarshal([]byte(raw), &types); err != nil {
		return nil, fmt.Errorf("customer types: %w", err)
	}
	sc := crm.NewSchema(custom, types)
	if sc.Country, err = defaultCountry(ctx, q); err != nil {
		return nil, err
	}
	return sc, nil
}

const insertFieldSQL = `
	INSERT INTO fields (name, label, type, max_length, required, default_value, picklist, position, created_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT coalesce(max(position), 0) + 1 FROM fields), ?)`

// CreateField adds a custom field after checking its definition.
func (s *Store) CreateField(ctx context.Context, f *crm.Field) error {
	if err := f.ValidateDefinition(); err != nil {
		return err
	}
	values, _ := json.Marshal(nonNil(f.Values))
	return s.inTx(ctx, "create field", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, insertFieldSQL, f.Key, f.Label, f.Type, f.MaxLength, f.Required, f.Default, string(values), formatTime(s.now()))
		if isUnique(err) {
			return fmt.Errorf("a custom field named %q already exists: %w", f.Key, crm.ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("create field %s: %w", f.Key, err)
		}
		return s.audit(ctx, tx, crm.AuditFieldCreated, "field "+f.Key, "type: "+string(f.Type))
	})
}

const updateFieldSQL = `
	UPDATE fields
	SET label = ?, max_length = ?, required = ?, default_value = ?, picklist = ?
	WHERE name = ?`

// UpdateField changes a custom field's label, length, default, required flag
// or picklist values. Its type is fixed once saved. The customer types are
// edited here too, as the values of the standard field customer_type.
func (s *Store) UpdateField(ctx context.Context, f *crm.Field) error {
	tx, end, err := s.beginDurable(ctx)
	if err != nil {
		return fmt.Errorf("update field %s: %w", f.Key, err)
	}
	defer end()
	sc, err := schema(ctx, tx)
	if err != nil {
		return err
	}
	old, ok := sc.Field(f.Key)
	if !ok {
		return fmt.Errorf("field %q: %w", f.Key, crm.ErrNotFound)
	}
	if old.Key == crm.KeyCustomerType {
		values, err := crm.ValidatePicklistValues(old, f.Values)
		if err != nil {
			return err
		}
		raw, _ := json.Marshal(values)
		if _, err := tx.ExecContext(ctx, `UPDATE settings SET value = ? WHERE key = 'customer_types'`, string(raw)); err != nil {
			return fmt.Errorf("update customer types: %w", err)
		}
		if err := s.audit(ctx, tx, crm.AuditFieldChanged, "field "+old.Key, "values"); err != nil {
			return err
		}
		return tx.Commit()
	}
	if old.Standard {
		return crm.Invalid("name", f.Key, fmt.Sprintf("%s is a standard field and cannot be changed.", old.Label))
	}
	if f.Type == "" {
		f.Type = old.Type
	}
	if err := crm.ValidateChange(old, *f); err != nil {
		return err
	}
	if err := f.ValidateDefinition(); err != nil {
		return err
	}
	values, _ := json.Marshal(nonNil(f.Values))
	if _, err := tx.ExecContext(ctx, updateFieldSQL, f.Label, f.MaxLength, f.Required, f.Default, string(values), f.Key); err != nil {
		return fmt.Errorf("update field %s: %w", f.Key, err)
	}
	if err := s.audit(ctx, tx, crm.AuditFieldChanged, "field "+f.Key, fieldChanges(old, *f)); err != nil {
		return err
	}
	return tx.Commit()
}

const removeFieldValuesSQL = `UPDATE customers SET custom = json_remove(custom, '$.' || ?1) WHERE json_type(custom, '$.' || ?1) IS NOT NULL`

// DeleteField deletes a custom field and every customer's value for it.
func (s *Store) DeleteField(ctx context.Context, name string) error {
	if crm.IsStandardKey(name) {
		return crm.Invalid("name", name, fmt.Sprintf("%q is a standard field and cannot be deleted.", name))
	}
	tx, end, err := s.beginDurable(ctx)
	if err != nil {
		return fmt.Errorf("delete field %s: %w", name, err)
	}
	defer end()
	res, err := tx.ExecContext(ctx, `DELETE FROM fields WHERE name = ?`, name)
	if err != nil {
		return fmt.Errorf("delete field %s: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("custom field %q: %w", name, crm.ErrNotFound)
	}
	if _, err := tx.ExecContext(ctx, s.dialect(removeFieldValuesSQL), name); err != nil {
		return fmt.Errorf("delete values of field %s: %w", name, err)
	}
	if err := s.audit(ctx, tx, crm.AuditFieldDeleted, "field "+name, ""); err != nil {
		return err
	}
	return tx.Commit()
}

// fieldChanges names what an edit changed in a field's definition.
func fieldChanges(old, f crm.Field) string {
	var parts []string
	if old.Label != f.Label {
		parts = append(parts, "label")
	}
	if old.MaxLength != f.MaxLength {
		parts = append(parts, "max length")
	}
	if old.Required != f.Required {
		parts = append(parts, "required")
	}
	if old.Default != f.Default {
		parts = append(parts, "default")
	}
	if !slices.Equal(old.Values, f.Values) {
		parts = append(parts, "values")
	}
	if len(parts) == 0 {
		return "nothing changed"
	}
	return "changed: " + strings.Join(parts, ", ")
}

func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}
