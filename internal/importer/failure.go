package importer

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"localcrm/internal/crm"
	"localcrm/internal/store"
)

// This file turns the cause of an import that stopped into what its users
// are shown. An import's Error is on its page, in the API and in the CLI,
// for everyone who may see imports: it says what happened in their terms
// and what to do. A cause that is not theirs to fix (a broken database, a
// file the server cannot write) goes to the log in full, under a short ref
// that the message quotes, so that an administrator can find it.

// userError is an error whose text is written for people, wrapping the cause
// it stands for so that errors.Is still sees the cause's kind.
type userError struct {
	msg   string
	cause error
}

func (e *userError) Error() string { return e.msg }
func (e *userError) Unwrap() error { return e.cause }

// newRef returns a short random id that ties a message to a log entry.
func newRef() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b) // never fails (crypto/rand's documentation)
	return hex.EncodeToString(b)
}

// fail records why an import stopped so that a person can see it and
// resume, logs what people are not shown, and returns an error that says
// the same for the caller, wrapping cause.
func (im *Importer) fail(imp *crm.Import, cause error) (*crm.Import, error) {
	if errors.Is(cause, store.ErrTakenOver) {
		// Another process runs it now: nothing here is this process's to
		// record, nor an error to explain.
		im.log().Warn("import taken over by another process", "import", imp.ID, "err", cause)
		return nil, &userError{msg: fmt.Sprintf("import %d stopped here: another process took it over and runs it now.", imp.ID), cause: cause}
	}
	status, msg := im.explain(imp, cause)
	imp.Status, imp.Worker, imp.Error = status, "", msg
	if err := im.finish(imp); err != nil {
		// Most often the cause itself (the lock still held, the disk still
		// full). The import keeps this process as its worker, and counts
		// as gone, so interrupted and resumable, once this run has ended
		// (alive).
		im.log().Error("import stopped, and its state could not be saved", "import", imp.ID, "err", err, "cause", cause)
		return nil, &userError{msg: fmt.Sprintf("import %d stopped: %s Its state could not be saved just now either; "+
			"it shows as interrupted once this program has ended, and can then be resumed.", imp.ID, msg), cause: errors.Join(cause, err)}
	}
	return imp, &userError{msg: fmt.Sprintf("import %d %s: %s", imp.ID, status, msg), cause: cause}
}

// finish saves the state of an import that stopped. When the database was
// out of reach, the save is tried again for up to a lease: a PostgreSQL
// restart leaves every pooled connection dead, and each try uses up one,
// so the first tries fail too; left unsaved, the import would show as
// running, this process's, and no server would resume it.
func (im *Importer) finish(imp *crm.Import) error {
	deadline := im.now().Add(im.lease())
	for {
		err := im.store.StopImport(context.Background(), imp.ID, imp.Status, imp.Error, im.worker)
		if err == nil || !errors.Is(err, store.ErrDatabaseDown) || im.now().After(deadline) {
			return err
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// explain decides the status an import that stopped on cause is left in, and
// the message its users see.
func (im *Importer) explain(imp *crm.Import, cause error) (crm.ImportStatus, string) {
	progress := fmt.Sprintf("after %s of %s records", thousands(imp.Counts.Records), thousands(imp.Total))
	resume := fmt.Sprintf("resume it (Resume on the Imports page, or `localcrm imports resume %d`)", imp.ID)
	switch {
	case errors.Is(cause, store.ErrDatabaseDown):
		// PostgreSQL restarting, or out of reach: a fault of the moment.
		// On PostgreSQL the servers resume interrupted imports by
		// themselves (Runner.TakeOver) once it is back.
		im.log().Warn("import interrupted: database unreachable", "import", imp.ID, "err", cause)
		return crm.ImportInterrupted, fmt.Sprintf("The database could not be reached, so the import paused %s; "+
			"every record before was saved. It goes on once the database is back; if it does not, %s.", progress, resume)
	case errors.Is(cause, store.ErrImportsCrossed):
		// PostgreSQL: two imports side by side each held customers the
		// other wanted, and this one's batch was stopped.
		im.log().Warn("import interrupted: crossed another import", "import", imp.ID, "err", cause)
		return crm.ImportInterrupted, fmt.Sprintf("Another import was loading some of the same customers at the same moment, so this import paused %s; "+
			"every record before was saved. A server goes on with it by itself; otherwise %s.", progress, resume)
	case errors.Is(cause, crm.ErrUnavailable):
		// Locked past every retry by another program: a fault of the
		// moment, so the import waits to be resumed, as after a restart.
		im.log().Warn("import interrupted: database unavailable", "import", imp.ID, "err", cause)
		return crm.ImportInterrupted, fmt.Sprintf("The database was busy (another program kept it locked), so the import paused %s; "+
			"every record before was saved. Try again in a minute: %s.", progress, resume)
	case diskFull(cause):
		ref := newRef()
		im.log().Error("import stopped: disk full", "import", imp.ID, "ref", ref, "err", cause)
		return crm.ImportFailed, fmt.Sprintf("The server's disk is full (ref %s), so the import stopped %s; every record before was saved. "+
			"Delete imports you no longer need, or ask your administrator to free space on the server, then %s.", ref, progress, resume)
	case errors.Is(cause, crm.ErrInvalid), errors.Is(cause, crm.ErrTooLarge):
		// Written for people by whoever found it: the user can act on it.
		im.log().Info("import stopped", "import", imp.ID, "err", cause)
		return crm.ImportFailed, cause.Error()
	}
	ref := newRef()
	im.log().LogAttrs(context.Background(), slog.LevelError, "import stopped on an unexpected error",
		slog.Int64("import", imp.ID), slog.String("ref", ref), slog.Any("err", cause))
	return crm.ImportFailed, fmt.Sprintf("The import stopped on an unexpected error (ref %s) %s; every record before was saved. "+
		"Try to %s; if it happens again, tell your administrator and quote the ref.", ref, progress, resume)
}
