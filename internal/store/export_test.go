package store

import "database/sql"

// DB is the store's own pool, for tests that reach under the store as a SQL
// shell would: on PostgreSQL its statements are rebound like the store's.
func (s *Store) DB() *sql.DB { return s.write }
