package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"localcrm/internal/store"
)

// Sources keeps the uploaded files of imports, the sources they read. An
// upload is first written to a temporary file in the imports folder, where
// it is read and checked; Keep then makes it the import's.
type Sources interface {
	// Keep makes tmp, a whole upload on disk, the source of import id. tmp
	// may be gone afterwards.
	Keep(ctx context.Context, id int64, tmp string) error
	// Open opens the source of import id from its start; its error wraps
	// fs.ErrNotExist when there is none.
	Open(ctx context.Context, id int64) (io.ReadCloser, error)
	// Remove removes the source of import id, as Sweep does, remembering
	// when; it reports whether there was one.
	Remove(ctx context.Context, id int64, at time.Time) (bool, error)
	// Removed returns when Remove removed the source of import id, or the
	// zero time.
	Removed(ctx context.Context, id int64) (time.Time, error)
	// Delete removes all that is kept for import id, being deleted.
	Delete(ctx context.Context, id int64) error
	// Used returns how many bytes the kept sources take, for the quota.
	Used(ctx context.Context) (int64, error)
}

// diskSources keeps each import's source in a folder of its own under
// dir, on the one machine a SQLite database is on.
type diskSources struct{ dir string }

func (d diskSources) jobDir(id int64) string { return filepath.Join(d.dir, fmt.Sprint(id)) }
func (d diskSources) path(id int64) string   { return filepath.Join(d.jobDir(id), "source") }

func (d diskSources) Keep(_ context.Context, id int64, tmp string) error {
	err := os.MkdirAll(d.jobDir(id), 0o700)
	if err == nil {
		err = os.Rename(tmp, d.path(id))
	}
	if err == nil {
		// The rename and the job's new folder are durable only once the
		// folders that hold them are synced.
		err = errors.Join(syncDir(d.jobDir(id)), syncDir(d.dir))
	}
	return err
}

func (d diskSources) Open(_ context.Context, id int64) (io.ReadCloser, error) {
	return os.Open(d.path(id))
}

func (d diskSources) Remove(_ context.Context, id int64, at time.Time) (bool, error) {
	err := os.Remove(d.path(id))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil // removed before
	}
	if err == nil {
		// The marker is written after the removal: a crash between the
		// two leaves a missing file, which is told as lost.
		err = os.WriteFile(filepath.Join(d.jobDir(id), removedName), []byte(at.UTC().Format(time.RFC3339)), 0o600)
	}
	return err == nil, err
}

func (d diskSources) Removed(_ context.Context, id int64) (time.Time, error) {
	b, err := os.ReadFile(filepath.Join(d.jobDir(id), removedName))
	if errors.Is(err, fs.ErrNotExist) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	at, _ := time.Parse(time.RFC3339, strings.TrimSpace(string(b)))
	return at, nil
}

func (d diskSources) Delete(_ context.Context, id int64) error { return os.RemoveAll(d.jobDir(id)) }

func (d diskSources) Used(context.Context) (int64, error) { return folderSize(d.dir) }

// removedName is the file left in an import's folder when Sweep removed its
// upload, holding when that happened, so that the import can say so.
const removedName = "removed"

// dbSources keeps the sources in the database, where every server sharing
// it finds them: PostgreSQL's way, since an import begun on one server may
// be resumed on another.
type dbSources struct{ st *store.Store }

func (d dbSources) Keep(ctx context.Context, id int64, tmp string) error {
	f, err := os.Open(tmp)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := d.st.KeepSource(ctx, id, f); err != nil {
		return err
	}
	return os.Remove(tmp)
}

func (d dbSources) Open(ctx context.Context, id int64) (io.ReadCloser, error) {
	return d.st.OpenSource(ctx, id)
}

func (d dbSources) Remove(ctx context.Context, id int64, at time.Time) (bool, error) {
	return d.st.RemoveSource(ctx, id, at)
}

func (d dbSources) Removed(ctx context.Context, id int64) (time.Time, error) {
	return d.st.SourceRemoved(ctx, id)
}

func (d dbSources) Delete(context.Context, int64) error { return nil } // deleted with the import

func (d dbSources) Used(ctx context.Context) (int64, error) { return d.st.SourcesSize(ctx) }

// CopyTo copies the whole database, a SQLite one, with the file of each
// import, into to, an empty PostgreSQL database (store.CopyTo). Imports
// left running by a process that died are marked interrupted first, so
// that only a live one stops the copy; on PostgreSQL they are resumed
// like any other.
func (im *Importer) CopyTo(ctx context.Context, to *store.Store) (store.Copied, error) {
	if _, err := im.List(ctx); err != nil {
		return store.Copied{}, err
	}
	return im.store.CopyTo(ctx, to, func(ctx context.Context, id int64) (store.SourceFile, error) {
		removed, err := im.sources.Removed(ctx, id)
		if err != nil {
			return store.SourceFile{}, err
		}
		f, err := im.sources.Open(ctx, id)
		if errors.Is(err, fs.ErrNotExist) {
			return store.SourceFile{Removed: removed}, nil
		}
		if err != nil {
			return store.SourceFile{}, err
		}
		return store.SourceFile{File: f, Removed: removed}, nil
	})
}
