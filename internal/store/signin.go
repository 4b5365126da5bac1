package store

import (
	"context"
	"fmt"
	"time"
)

// This file keeps the failed sign-ins that internal/auth's throttle counts
// (auth.FailureLog), by the hash of what failed: an account or an address.

// SignInFailures returns when key's latest failures after since happened,
// at most limit of them, oldest first.
func (s *Store) SignInFailures(ctx context.Context, key []byte, since time.Time, limit int) ([]time.Time, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT at FROM (
		SELECT at FROM sign_in_failures WHERE key = ? AND at > ? ORDER BY at DESC LIMIT ?
	) AS latest ORDER BY at`, key, formatTime(since), limit)
	if err != nil {
		return nil, fmt.Errorf("read sign-in failures: %w", err)
	}
	defer rows.Close()
	var times []time.Time
	for rows.Next() {
		var at string
		if err := rows.Scan(&at); err != nil {
			return nil, fmt.Errorf("read sign-in failures: %w", err)
		}
		times = append(times, parseTime(at))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read sign-in failures: %w", err)
	}
	return times, nil
}

// AddSignInFailure records a failure of each key at at, and forgets every
// failure from before forget, so that the table holds a window's worth
// whatever names an attacker makes up. Nothing here needs a transaction:
// a failure half recorded counts half.
func (s *Store) AddSignInFailure(ctx context.Context, at, forget time.Time, keys ...[]byte) error {
	if _, err := s.write.ExecContext(ctx, `DELETE FROM sign_in_failures WHERE at < ?`, formatTime(forget)); err != nil {
		return fmt.Errorf("forget old sign-in failures: %w", err)
	}
	for _, key := range keys {
		if _, err := s.write.ExecContext(ctx, `INSERT INTO sign_in_failures (key, at) VALUES (?, ?)`, key, formatTime(at)); err != nil {
			return fmt.Errorf("record a failed sign-in: %w", err)
		}
	}
	return nil
}

// ForgetSignInFailures forgets key's failures.
func (s *Store) ForgetSignInFailures(ctx context.Context, key []byte) error {
	if _, err := s.write.ExecContext(ctx, `DELETE FROM sign_in_failures WHERE key = ?`, key); err != nil {
		return fmt.Errorf("forget sign-in failures: %w", err)
	}
	return nil
}
