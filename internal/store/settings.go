package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"localcrm/internal/crm"
	"localcrm/internal/phone"
)

// Settings that an admin changes are rows of the settings table, each a
// JSON value under its key (the customer types are one, edited as the
// values of the field customer_type).

const defaultCountrySQL = `SELECT value FROM settings WHERE key = 'default_country'`

// defaultCountry reads the default country: a region code, or "" for none.
func defaultCountry(ctx context.Context, q queryer) (string, error) {
	var raw, country string
	err := q.QueryRowContext(ctx, defaultCountrySQL).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("default country: %w", err)
	}
	if err := json.Unmarshal([]byte(raw), &country); err != nil {
		return "", fmt.Errorf("default country: %w", err)
	}
	return country, nil
}

// Settings returns the admin's settings.
func (s *Store) Settings(ctx context.Context) (crm.Settings, error) {
	country, err := defaultCountry(ctx, s.read)
	return crm.Settings{DefaultCountry: country}, err
}

const setDefaultCountrySQL = `UPDATE settings SET value = ? WHERE key = 'default_country'`

// SetDefaultCountry sets the default country: a two-letter ISO code in any
// case, or a country's common English name ("United Kingdom"), stored as
// its code; "" for none. Phone numbers written from then on without a
// country code are read as that country's; those already saved keep the
// international forms they were given (and a value that had none is still
// found by its digits).
func (s *Store) SetDefaultCountry(ctx context.Context, country string) (string, error) {
	code, err := phone.ParseCountry(country)
	var pe *phone.Error
	if errors.As(err, &pe) {
		return "", crm.Invalid("default_country", country, fmt.Sprintf("The default country %q %s.", country, pe.Reason))
	}
	raw, _ := json.Marshal(code)
	err = s.inTx(ctx, "set the default country", func(tx *sql.Tx) error {
		old, err := defaultCountry(ctx, tx)
		if err != nil {
			return err
		}
		if old == code {
			return nil
		}
		if _, err := tx.ExecContext(ctx, setDefaultCountrySQL, string(raw)); err != nil {
			return fmt.Errorf("set the default country: %w", err)
		}
		return s.audit(ctx, tx, crm.AuditSettingsChanged, "settings", fmt.Sprintf("default country: %s → %s", orNone(old), orNone(code)))
	})
	return code, err
}

func orNone(code string) string {
	if code == "" {
		return "none"
	}
	return code
}
