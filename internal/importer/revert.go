package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"localcrm/internal/crm"
	"localcrm/internal/csvin"
	"localcrm/internal/store"
)

// Revert reverts import id (see crm.Revert), or goes on with its revert
// where it stopped, calling progress once it is claimed and after every
// batch. A revert that ends on an error is recorded as failed with the
// reason; what it did so far stays, and reverting again goes on from there.
// One stopped by ctx stays running, for the next claim to take over.
func (im *Importer) Revert(ctx context.Context, id int64, force bool, progress func(*crm.Revert)) (*crm.Revert, error) {
	if _, err := im.Get(ctx, id); err != nil { // an import whose worker died is interrupted first
		return nil, err
	}
	// This process holds its reverts under the import's id negated, apart
	// from the import's own runs: a revert recorded as this process's and
	// not held is one whose run here has ended.
	release, ok := im.holdOnce(-id)
	if !ok {
		return nil, crm.Conflict(fmt.Sprintf("Import %d is being reverted already; wait for that to end.", id))
	}
	defer release()
	alive := func(worker string, heartbeat time.Time) bool {
		return worker != im.worker && im.workerAlive(worker, heartbeat)
	}
	rv, err := im.store.ClaimRevert(ctx, id, im.worker, force, alive)
	if err != nil {
		return nil, err
	}
	for {
		if progress != nil {
			progress(rv)
		}
		if rv.Status == crm.RevertCompleted {
			im.log().Info("import reverted", "import", id, "deleted", rv.Counts.Deleted, "restored", rv.Counts.Restored, "kept", rv.Counts.Kept)
			return rv, nil
		}
		if _, err := im.store.RevertStep(ctx, id, im.worker); err != nil {
			if ctx.Err() != nil || errors.Is(err, store.ErrTakenOver) {
				return nil, err
			}
			ref := newRef()
			im.log().Error("revert failed", "import", id, "ref", ref, "err", err)
			msg := fmt.Sprintf("The revert stopped on an unexpected error (ref %s); what it did so far stays. Revert the import again to go on.", ref)
			if ferr := im.store.FailRevert(context.WithoutCancel(ctx), id, im.worker, msg); ferr != nil {
				im.log().Error("record failed revert", "import", id, "err", ferr)
			}
			return nil, &userError{msg: msg, cause: err}
		}
		if rv, err = im.store.GetRevert(ctx, id); err != nil {
			return nil, err
		}
	}
}

// RevertPreview is what reverting an import would do.
type RevertPreview struct {
	Force  bool             `json:"force"`
	Counts crm.RevertCounts `json:"counts"`
	// Kept lists the first of the customers it would keep, with why: those
	// changed since the import. KeptMore says there are more.
	Kept     []crm.RevertItem `json:"kept"`
	KeptMore bool             `json:"kept_more,omitempty"`
}

// PreviewRevert tells what reverting import id would do now, with up to
// limit of the customers it would keep, changing nothing. It refuses, as
// Revert does, an import that cannot be reverted.
func (im *Importer) PreviewRevert(ctx context.Context, id int64, force bool, limit int) (*RevertPreview, error) {
	imp, err := im.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if why := crm.RevertRefusal(imp); why != "" {
		return nil, crm.Conflict(why)
	}
	p := &RevertPreview{Force: force, Kept: []crm.RevertItem{}}
	p.Counts, err = im.store.PreviewRevert(ctx, id, force, func(item crm.RevertItem) error {
		if item.Action == crm.RevertKept {
			if len(p.Kept) < limit {
				p.Kept = append(p.Kept, item)
			} else {
				p.KeptMore = true
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// RevertItems returns the first limit lines of import id's revert report
// whose action is action, and whether there are more.
func (im *Importer) RevertItems(ctx context.Context, id int64, action crm.RevertAction, limit int) (items []crm.RevertItem, more bool, err error) {
	items = []crm.RevertItem{}
	err = im.store.EachRevertItem(ctx, id, func(item crm.RevertItem) error {
		if item.Action == action {
			if len(items) == limit {
				more = true
				return errEnough
			}
			items = append(items, item)
		}
		return nil
	})
	if errors.Is(err, errEnough) {
		err = nil
	}
	return items, more, err
}

// errEnough stops a walk that has what it needs.
var errEnough = errors.New("enough")

// revertReportHeader is the first row of a revert's report.
var revertReportHeader = []string{"line", "account_number", "action", "reason"}

// WriteRevertReport writes import id's revert report as CSV: one row per
// customer the import created or updated, with what the revert did to it
// and why, in the order of the import's lines.
func (im *Importer) WriteRevertReport(ctx context.Context, id int64, w io.Writer) error {
	imp, err := im.store.GetImport(ctx, id)
	if err != nil {
		return err
	}
	if imp.Revert == nil {
		return fmt.Errorf("import %d has not been reverted: %w", id, crm.ErrNotFound)
	}
	cw := csvin.NewWriter(w, ',')
	if err := cw.Write(revertReportHeader); err != nil {
		return err
	}
	err = im.store.EachRevertItem(ctx, id, func(item crm.RevertItem) error {
		line := ""
		if item.Line != 0 {
			line = strconv.Itoa(item.Line)
		}
		return cw.Write([]string{line, strconv.FormatInt(item.AccountNumber, 10), string(item.Action), item.Reason})
	})
	if err != nil {
		return err
	}
	return cw.Flush()
}

// Revert reverts an import in the background, so that it goes on when the
// browser that asked closes. It returns once the revert is claimed, or
// with the reason it cannot be. Reverts take no slot: they are short, and
// a queue would keep someone waiting to take back a mistake.
func (r *Runner) Revert(ctx context.Context, id int64, force bool) (*crm.Revert, error) {
	runCtx := crm.WithActor(r.ctx, crm.ActorFrom(ctx))
	return inBackground(r, "revert", id, func(started func(*crm.Revert)) error {
		_, err := r.im.Revert(runCtx, id, force, started)
		return err
	})
}
