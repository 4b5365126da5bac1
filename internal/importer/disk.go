package importer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"localcrm/internal/crm"
)

// This file keeps the imports folder within bounds: uploads are refused when
// the folder is over its quota or the disk is nearly full, and the files of
// imports nobody will run are removed after a while.

// checkRoom refuses an upload, before any of it is kept, when the kept
// uploads take more than the quota or the imports folder's file system
// (where every upload arrives) has less free space than MinFree.
func (im *Importer) checkRoom(ctx context.Context) error {
	if im.Quota > 0 {
		used, err := im.sources.Used(ctx)
		if err != nil {
			return fmt.Errorf("measure the imports folder: %w", err)
		}
		if used > im.Quota {
			return crm.Invalid("file", "", fmt.Sprintf(
				"The uploads kept on the server use %s, more than the %s allowed, so no new file can be uploaded. "+
					"Delete imports you no longer need on the Imports page (or with `localcrm imports delete`) and upload again, "+
					"or ask your administrator to raise the quota (--imports-quota).", megabytes(used), megabytes(im.Quota)))
		}
	}
	free, err := im.freeSpace(im.dir)
	if err != nil {
		return fmt.Errorf("measure free disk space: %w", err)
	}
	if need := cmp.Or(im.MinFree, DefaultMinFree); free < uint64(need) {
		return crm.Invalid("file", "", fmt.Sprintf(
			"The server's disk is nearly full: %s free, and an upload needs at least %s. "+
				"Delete imports you no longer need on the Imports page (or with `localcrm imports delete`) and upload again, "+
				"or ask your administrator to free space on the server.", megabytes(int64(free)), megabytes(need)))
	}
	return nil
}

// noRoom is the error for an upload the disk had no room for.
func (im *Importer) noRoom(cause error) error {
	ref := newRef()
	im.log().Error("upload: disk full", "ref", ref, "err", cause)
	return &userError{msg: fmt.Sprintf("The server's disk filled up while the file was being uploaded (ref %s), so it was not kept. "+
		"Delete imports you no longer need on the Imports page and upload again, or ask your administrator to free space on the server.", ref), cause: cause}
}

// diskFull reports whether err says a disk is full: the system's ENOSPC, or
// SQLite's SQLITE_FULL, which its driver gives as an error with a Code
// method (extended result codes keep the primary code in their low byte).
// The interface keeps the driver's package out of the importer.
func diskFull(err error) bool {
	if errors.Is(err, syscall.ENOSPC) {
		return true
	}
	var coded interface{ Code() int }
	const sqliteFull = 13
	return errors.As(err, &coded) && coded.Code()&0xff == sqliteFull
}

// freeSpace returns the bytes an unprivileged user may still write on the
// file system of dir.
func freeSpace(dir string) (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return st.Bavail * uint64(st.Bsize), nil
}

// folderSize adds up the sizes of the files under dir.
func folderSize(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil // removed while walking
		}
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n, err
}

// megabytes writes a size as people read it.
func megabytes(n int64) string {
	if n < 10<<20 {
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	}
	return thousands(int(n>>20)) + " MB"
}

// syncDir makes the entries of a folder (a file renamed or created in it)
// durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) { // some file systems cannot sync a folder
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// Sweep removes the uploaded files of imports that were never started,
// were cancelled or completed, more than KeepUploads ago (by their upload,
// or their end), and returns how many it removed. The imports stay, with
// their reports and errors; starting one then says that its file must be
// uploaded again. A completed import never reads its file again, which
// holds every customer it loaded: kept for ever, such files filled the
// quota of a team that imports every month. Failed and interrupted imports
// keep theirs, to resume. A server runs it at start and every hour.
func (im *Importer) Sweep(ctx context.Context, now time.Time) (int, error) {
	imps, err := im.store.ListImports(ctx)
	if err != nil {
		return 0, err
	}
	keep := cmp.Or(im.KeepUploads, DefaultKeepUploads)
	n := 0
	var errs []error
	for _, imp := range imps {
		since := imp.CreatedAt
		switch imp.Status {
		case crm.ImportPending:
		case crm.ImportCancelled, crm.ImportCompleted, crm.ImportCompletedWithErrors:
			since = later(imp.CreatedAt, imp.FinishedAt)
		default:
			continue
		}
		if now.Sub(since) < keep {
			continue
		}
		removed, err := im.sources.Remove(ctx, imp.ID, now)
		if err != nil {
			errs = append(errs, fmt.Errorf("remove the file of import %d: %w", imp.ID, err))
			continue
		}
		if !removed {
			continue // removed before
		}
		n++
		im.log().Info("removed an unused upload", "import", imp.ID, "status", imp.Status, "since", since)
	}
	return n, errors.Join(errs...)
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// checkSource returns an error for people when the import's uploaded file
// is no longer there: removed by Sweep, or lost.
func (im *Importer) checkSource(ctx context.Context, imp *crm.Import) error {
	rc, err := im.sources.Open(ctx, imp.ID)
	if err == nil {
		return rc.Close()
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil // another error shows when the file is read
	}
	return im.sourceGone(ctx, imp)
}

// sourceGone is the error for an import whose uploaded file is gone.
func (im *Importer) sourceGone(ctx context.Context, imp *crm.Import) error {
	if when, err := im.sources.Removed(ctx, imp.ID); err == nil && !when.IsZero() {
		keep := cmp.Or(im.KeepUploads, DefaultKeepUploads)
		return crm.Invalid("file", imp.FileName, fmt.Sprintf(
			"The file of import %d (%s) was removed from the server on %s: uploads of imports not started, cancelled or completed are kept for %s. "+
				"Upload the file again to import it.", imp.ID, imp.FileName, when.Format("2 January 2006"), days(keep)))
	}
	return crm.Invalid("file", imp.FileName, fmt.Sprintf(
		"The file of import %d (%s) is missing from the server: it was deleted or lost. "+
			"Upload the file again to import it.", imp.ID, imp.FileName))
}

// days writes a retention period as people read it.
func days(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		if n := int(d / (24 * time.Hour)); n != 1 {
			return fmt.Sprintf("%d days", n)
		}
		return "1 day"
	}
	return d.String()
}

// checkReport refuses to resume an import begun by a version that kept its
// report in a file, when that file is shorter than its last checkpoint says
// (removed, or cut by a crash of the machine): the report would lack lines
// of records that were loaded. The report is not rebuilt, since the outcome
// of a skipped record is recorded nowhere else; nor padded, which would put
// zero bytes in it. Reports are now kept in the database, in the batches'
// own transactions, so this cannot happen to an import begun since.
func (im *Importer) checkReport(imp *crm.Import) error {
	info, err := os.Stat(im.reportPath(imp.ID))
	var size int64
	switch {
	case err == nil:
		size = info.Size()
	case !errors.Is(err, fs.ErrNotExist):
		return nil // another error shows when the report is opened
	}
	if size >= imp.ReportSize {
		return nil
	}
	return crm.Invalid("report", "", fmt.Sprintf("Import %d cannot be resumed: its report on the server was lost or damaged "+
		"(it holds %s bytes, where its last checkpoint counted %s), so the report of the %s records already loaded would have lines missing. "+
		"Those records are safe in the customer file. To load the rest, cancel this import and import the file again "+
		"with the duplicate policy \"skip\", so that the records already loaded are skipped by their email; "+
		"or ask your administrator to restore the folder of import %d from a backup.",
		imp.ID, thousands(int(size)), thousands(int(imp.ReportSize)), thousands(imp.Counts.Records), imp.ID))
}
