package importer

import (
	"context"
	"log/slog"
	"sync"

	"localcrm/internal/crm"
)

// Runner runs imports in the background for a server, so that an import
// goes on when the browser that started it closes. It keeps no import state
// of its own: progress, cancel requests and outcomes are all in the
// database, where any process can see them.
type Runner struct {
	im   *Importer
	log  *slog.Logger
	ctx  context.Context // ends at Shutdown
	stop context.CancelFunc
	wg   sync.WaitGroup
}

// NewRunner returns a Runner for im's imports.
func NewRunner(im *Importer, log *slog.Logger) *Runner {
	ctx, stop := context.WithCancel(context.Background())
	return &Runner{im: im, log: log, ctx: ctx, stop: stop}
}

// Start starts a pending import in the background. It returns once the
// import runs, or with the reason it cannot (a refused mapping, a file over
// the record limit), so that the caller can show that reason.
// The import runs with the runner's context, not ctx, which usually ends
// with the request; only ctx's actor, who is on record as starting it, goes
// along.
func (r *Runner) Start(ctx context.Context, id int64) (*crm.Import, error) {
	return r.launch(ctx, id, r.im.Start)
}

// Resume resumes an interrupted or failed import in the background.
func (r *Runner) Resume(ctx context.Context, id int64) (*crm.Import, error) {
	return r.launch(ctx, id, r.im.Resume)
}

func (r *Runner) launch(ctx context.Context, id int64, run func(context.Context, int64, func(Progress)) (*crm.Import, error)) (*crm.Import, error) {
	runCtx := crm.WithActor(r.ctx, crm.ActorFrom(ctx))
	type start struct {
		imp *crm.Import
		err error
	}
	started := make(chan start, 1)
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		first := true
		// The first progress is published as soon as the job is claimed.
		imp, err := run(runCtx, id, func(p Progress) {
			if first {
				first = false
				started <- start{imp: &p.Import}
			}
		})
		if first {
			started <- start{err: err}
			return
		}
		if err != nil {
			r.log.Error("import failed", "import", id, "err", err)
			return
		}
		r.log.Info("import ended", "import", id, "status", imp.Status, "records", imp.Counts.Records, "rejected", imp.Counts.Rejected)
	}()
	s := <-started
	return s.imp, s.err
}

// Shutdown stops every import this runner runs after its batch in flight,
// leaving it interrupted so that it can be resumed, and waits for them, or
// for ctx to end.
func (r *Runner) Shutdown(ctx context.Context) error {
	r.stop()
	done := make(chan struct{})
	go func() {
		r.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
