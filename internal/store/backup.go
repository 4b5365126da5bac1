package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"localcrm/internal/crm"
)

// Backup writes the SQLite database, as it stands at one moment, to path,
// a new file only its owner can read, while the database stays in use:
// a server goes on reading and writing meanwhile (VACUUM INTO reads one
// snapshot). Copying the file itself could catch it halfway through a
// write, or without what its WAL holds. It holds the store's writer
// connection while it runs; the CLI's is its own. PostgreSQL has its own
// tools.
func (s *Store) Backup(ctx context.Context, path string) error {
	if s.pg {
		return crm.Invalid("db", s.path, "On PostgreSQL, back up with its own tools: pg_dump --format=custom --file FILE 'URL' (and restore with pg_restore).")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("back up to %s: %w", path, err)
	}
	if _, err := os.Lstat(abs); !errors.Is(err, fs.ErrNotExist) {
		return crm.Invalid("file", path, fmt.Sprintf("%s exists already: a backup goes to a new file, so that it never overwrites one. Give another name.", path))
	}
	// VACUUM INTO writes into an empty file, made here so that only the
	// owner can read it (it holds password hashes), and named only once
	// it is whole.
	tmp, err := os.CreateTemp(filepath.Dir(abs), "."+filepath.Base(abs)+".*.tmp")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) { // it names the file to be, which nobody asked for
			err = pe.Err
		}
		return fmt.Errorf("back up to %s: cannot write a file in %s: %w", path, filepath.Dir(abs), err)
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	if _, err := s.write.ExecContext(ctx, `VACUUM INTO ?`, tmp.Name()); err != nil {
		return fmt.Errorf("back up to %s: %w", path, err)
	}
	if err := syncFile(tmp.Name()); err != nil {
		return fmt.Errorf("back up to %s: %w", path, err)
	}
	// A link, unlike a rename, never replaces a file made meanwhile.
	if err := os.Link(tmp.Name(), abs); err != nil {
		return fmt.Errorf("back up to %s: %w", path, err)
	}
	if err := syncFile(filepath.Dir(abs)); err != nil {
		return fmt.Errorf("back up to %s: %w", path, err)
	}
	return nil
}

// syncFile makes a file, or a folder's entries, durable.
func syncFile(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) { // some file systems cannot sync a folder
		return err
	}
	return nil
}
