package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"time"
)

// On PostgreSQL the uploaded files of imports are kept in the database
// (import_sources), so that any server sharing it can run any import. On
// SQLite, one machine has them in its imports folder, and these methods are
// not used.

// sourceChunk is the size of a stored file's chunks: a file is written and
// read a chunk at a time.
const sourceChunk = 1 << 20

const insertChunkSQL = `INSERT INTO import_sources (import_id, seq, data) VALUES (?, ?, ?)`

// writeChunks hands what r holds to insert a chunk of len(buf) bytes at a
// time, numbered from 0.
func writeChunks(r io.Reader, buf []byte, insert func(seq int, data []byte) error) error {
	for seq := 0; ; seq++ {
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			if err := insert(seq, buf[:n]); err != nil {
				return err
			}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// KeepSource stores what r holds as the uploaded file of import id,
// replacing any it had, in one transaction.
func (s *Store) KeepSource(ctx context.Context, id int64, r io.Reader) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("keep the file of import %d: %w", id, err)
	}
	defer rollback(tx)
	if _, err := tx.ExecContext(ctx, `DELETE FROM import_sources WHERE import_id = ?`, id); err != nil {
		return fmt.Errorf("keep the file of import %d: %w", id, err)
	}
	err = writeChunks(r, make([]byte, sourceChunk), func(seq int, data []byte) error {
		_, err := tx.ExecContext(ctx, insertChunkSQL, id, seq, data)
		return err
	})
	if err != nil {
		return fmt.Errorf("keep the file of import %d: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE imports SET source_removed_at = '' WHERE id = ?`, id); err != nil {
		return fmt.Errorf("keep the file of import %d: %w", id, err)
	}
	return tx.Commit()
}

// OpenSource opens the uploaded file of import id for reading from its
// start, a chunk at a time. It returns an error wrapping fs.ErrNotExist
// when the import has no file.
func (s *Store) OpenSource(ctx context.Context, id int64) (io.ReadCloser, error) {
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM import_sources WHERE import_id = ?`, id).Scan(&n); err != nil {
		return nil, fmt.Errorf("open the file of import %d: %w", id, err)
	}
	if n == 0 {
		return nil, fmt.Errorf("the file of import %d: %w", id, fs.ErrNotExist)
	}
	return &sourceReader{ctx: ctx, s: s, id: id, chunks: n}, nil
}

// sourceReader reads a stored file chunk by chunk, each with a query of
// its own, so that no query stays open for the length of an import.
type sourceReader struct {
	ctx    context.Context
	s      *Store
	id     int64
	chunks int
	next   int
	buf    []byte
}

func (r *sourceReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.next == r.chunks {
			return 0, io.EOF
		}
		err := r.s.read.QueryRowContext(r.ctx, `SELECT data FROM import_sources WHERE import_id = ? AND seq = ?`, r.id, r.next).Scan(&r.buf)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("the file of import %d lost its part %d while being read: %w", r.id, r.next, fs.ErrNotExist)
		}
		if err != nil {
			return 0, fmt.Errorf("read the file of import %d: %w", r.id, err)
		}
		r.next++
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

func (r *sourceReader) Close() error { return nil }

// RemoveSource removes the uploaded file of import id, recording when, and
// reports whether there was one.
func (s *Store) RemoveSource(ctx context.Context, id int64, at time.Time) (bool, error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("remove the file of import %d: %w", id, err)
	}
	defer rollback(tx)
	res, err := tx.ExecContext(ctx, `DELETE FROM import_sources WHERE import_id = ?`, id)
	if err != nil {
		return false, fmt.Errorf("remove the file of import %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE imports SET source_removed_at = ? WHERE id = ?`, formatTime(at), id); err != nil {
		return false, fmt.Errorf("remove the file of import %d: %w", id, err)
	}
	return true, tx.Commit()
}

// SourceRemoved returns when RemoveSource removed the file of import id,
// or the zero time.
func (s *Store) SourceRemoved(ctx context.Context, id int64) (time.Time, error) {
	var at string
	if err := s.read.QueryRowContext(ctx, `SELECT source_removed_at FROM imports WHERE id = ?`, id).Scan(&at); err != nil {
		return time.Time{}, fmt.Errorf("import %d: %w", id, err)
	}
	return parseTime(at), nil
}

// SourcesSize returns how many bytes the stored files of all imports take.
func (s *Store) SourcesSize(ctx context.Context) (int64, error) {
	var n int64
	if err := s.read.QueryRowContext(ctx, `SELECT coalesce(sum(length(data)), 0) FROM import_sources`).Scan(&n); err != nil {
		return 0, fmt.Errorf("measure the imports' files: %w", err)
	}
	return n, nil
}
