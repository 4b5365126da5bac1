package importer

import (
	"context"
	"fmt"

	"localcrm/internal/crm"
)

// startable checks that imp can start: it is pending (or queued by this
// process), its file is within its record limit, and its mapping still
// fits the fields. It returns the schema the import runs with.
func (im *Importer) startable(ctx context.Context, imp *crm.Import) (*crm.Schema, error) {
	if imp.Status != crm.ImportPending && !im.queuedHere(imp) {
		return nil, crm.Invalid("status", string(imp.Status), fmt.Sprintf("Import %d is %s, so it cannot be started; %s", imp.ID, imp.Status, nextStep(imp)))
	}
	if imp.Total > imp.Options.MaxRecords {
		return nil, fmt.Errorf("the file holds %s records; one import may load at most %s: %w",
			thousands(imp.Total), thousands(imp.Options.MaxRecords), crm.ErrTooLarge)
	}
	return im.mappable(ctx, imp)
}

// resumable checks that imp can resume: it is interrupted, failed or
// cancelled after it started (or queued by this process), and its mapping
// still fits the fields.
func (im *Importer) resumable(ctx context.Context, imp *crm.Import) (*crm.Schema, error) {
	if imp.Revert != nil {
		return nil, crm.Invalid("status", string(imp.Status), fmt.Sprintf("Import %d was reverted, so it cannot be resumed; import the file again instead.", imp.ID))
	}
	if !imp.Resumable() && !im.queuedHere(imp) {
		return nil, crm.Invalid("status", string(imp.Status), fmt.Sprintf("Import %d is %s, so there is nothing to resume; %s", imp.ID, imp.Status, nextStep(imp)))
	}
	return im.mappable(ctx, imp)
}

// mappable checks the import's mapping against today's fields: a mapped
// field may have been deleted since it was chosen, and running would then
// reject every record.
func (im *Importer) mappable(ctx context.Context, imp *crm.Import) (*crm.Schema, error) {
	sc, err := im.store.Schema(ctx)
	if err != nil {
		return nil, err
	}
	if err := CheckMapping(imp.Columns, imp.Options.Mapping, sc, imp.Options.OnDuplicate); err != nil {
		return nil, err
	}
	return sc, nil
}

// Queue marks an import as waiting for this process to have a free slot,
// after the checks Start (or, with resume, Resume) makes, so that a refusal
// is told at once rather than when the slot comes. The process then starts
// or resumes it from crm.ImportQueued.
func (im *Importer) Queue(ctx context.Context, id int64, resume bool) (*crm.Import, error) {
	imp, err := im.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	check := im.startable
	if resume {
		check = im.resumable
	}
	if _, err := check(ctx, imp); err != nil {
		return nil, err
	}
	if err := im.store.QueueImport(ctx, id, imp.Status, im.worker); err != nil {
		return nil, err
	}
	imp.Status, imp.Worker, imp.Error = crm.ImportQueued, im.worker, ""
	return imp, nil
}

// queuedHere reports whether imp waits for a slot of this process.
func (im *Importer) queuedHere(imp *crm.Import) bool {
	return imp.Status == crm.ImportQueued && imp.Worker == im.worker
}
