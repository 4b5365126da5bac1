package importer

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"time"

	"localcrm/internal/crm"
)

// Runner runs imports in the background for a server, so that an import
// goes on when the browser that started it closes. It runs at most Limit
// imports and dry runs at once: each takes a core and a few tens of MB, and
// without a bound a burst of uploads would starve the requests of the
// people using the CRM. An import that must wait is recorded as queued, and
// its place in line is known (Place). Progress, cancel requests and
// outcomes are all in the database, where any process can see them.
type Runner struct {
	im   *Importer
	log  *slog.Logger
	ctx  context.Context // ends at Shutdown
	stop context.CancelFunc
	wg   sync.WaitGroup

	mu      sync.Mutex
	limit   int
	busy    int       // slots in use
	waiting []*waiter // in order of arrival
}

// waiter is one import or dry run waiting for a slot; ready is closed when
// it has one.
type waiter struct {
	id    int64 // the import; 0 for a dry run
	ready chan struct{}
}

// DefaultJobs is how many imports and dry runs a runner runs at once
// unless told otherwise: one for every two cores, since an import keeps two
// busy (one reads and validates, one writes), and the people using the CRM
// meanwhile need a core too.
func DefaultJobs() int { return max(1, runtime.NumCPU()/2) }

// NewRunner returns a Runner for im's imports that runs DefaultJobs at
// once; SetLimit changes that.
func NewRunner(im *Importer, log *slog.Logger) *Runner {
	ctx, stop := context.WithCancel(context.Background())
	return &Runner{im: im, log: log, ctx: ctx, stop: stop, limit: DefaultJobs()}
}

// SetLimit sets how many imports and dry runs run at once (at least 1).
func (r *Runner) SetLimit(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.limit = max(n, 1)
	r.grant()
}

// Start starts a pending import in the background, or queues it when every
// slot is taken. It returns once the import runs or is queued, or with the
// reason it cannot (a refused mapping, a file over the record limit), so
// that the caller can show that reason.
//
// The import runs with the runner's context, not ctx, which usually ends
// with the request; only ctx's actor, who is on record as starting it, goes
// along.
func (r *Runner) Start(ctx context.Context, id int64) (*crm.Import, error) {
	return r.launch(ctx, id, false)
}

// Resume resumes an interrupted or failed import in the background, or
// queues it when every slot is taken.
func (r *Runner) Resume(ctx context.Context, id int64) (*crm.Import, error) {
	return r.launch(ctx, id, true)
}

// DryRun checks a pending import's whole file in one of the runner's
// slots, waiting for one as long as ctx lasts.
func (r *Runner) DryRun(ctx context.Context, id int64, maxErrors int) (s *Summary, err error) {
	err = r.inSlot(ctx, func() error {
		s, err = r.im.DryRun(ctx, id, maxErrors)
		return err
	})
	return s, err
}

// DryRunRejects writes, as WriteDryRunRejects, the rows of a pending
// import with a problem of kind, in one of the runner's slots: it checks
// the whole file, as a dry run does.
func (r *Runner) DryRunRejects(ctx context.Context, id int64, kind string, w io.Writer) error {
	return r.inSlot(ctx, func() error { return r.im.WriteDryRunRejects(ctx, id, kind, w) })
}

// inSlot runs fn in one of the runner's slots, waiting for one as long as
// ctx lasts.
func (r *Runner) inSlot(ctx context.Context, fn func() error) error {
	w, ok := r.take(0)
	if !ok {
		select {
		case <-w.ready:
		case <-ctx.Done():
			r.leave(w)
			return ctx.Err()
		}
	}
	defer r.release()
	return fn()
}

// Place returns an import's place in this runner's line (1 is next), or 0
// when it is not waiting here.
func (r *Runner) Place(id int64) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	place := 0
	for _, w := range r.waiting {
		if w.id != 0 {
			place++
		}
		if w.id == id && id != 0 {
			return place
		}
	}
	return 0
}

func (r *Runner) launch(ctx context.Context, id int64, resume bool) (*crm.Import, error) {
	runCtx := crm.WithActor(r.ctx, crm.ActorFrom(ctx))
	run := r.im.Start
	if resume {
		run = r.im.Resume
	}
	w, ok := r.take(id)
	if ok {
		return r.runNow(runCtx, id, run)
	}
	imp, err := r.im.Queue(ctx, id, resume)
	if err != nil {
		r.leave(w)
		return nil, err
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		select {
		case <-w.ready:
		case <-r.ctx.Done():
			// Shut down while waiting: the import goes back to where it
			// was, for the next process to start or resume.
			r.leave(w)
			if err := r.im.store.MarkInterrupted(context.WithoutCancel(runCtx), id, r.im.worker); err != nil {
				r.log.Error("give up queued import", "import", id, "err", err)
			}
			return
		}
		if _, err := r.runNow(runCtx, id, run); err != nil && !errors.Is(err, crm.ErrInvalid) {
			r.log.Error("queued import could not start", "import", id, "err", err)
		}
	}()
	return imp, nil
}

// runNow runs an import in a slot it holds, returning once it runs (its
// first progress, published when it is claimed) or with why it cannot.
func (r *Runner) runNow(ctx context.Context, id int64, run func(context.Context, int64, func(Progress)) (*crm.Import, error)) (*crm.Import, error) {
	return inBackground(r, "import", id, func(started func(*crm.Import)) error {
		defer r.release()
		imp, err := run(ctx, id, func(p Progress) { started(&p.Import) })
		if err == nil {
			r.log.Info("import ended", "import", id, "status", imp.Status, "records", imp.Counts.Records, "rejected", imp.Counts.Rejected)
		}
		return err
	})
}

// inBackground runs job of import id in the background, tracked by the
// runner so that Shutdown waits for it, and returns what job reports first
// through started (once it is under way), or job's error when it ends
// before that. An error after that is the log's: no one waits for it.
func inBackground[T any](r *Runner, what string, id int64, job func(started func(T)) error) (T, error) {
	type first struct {
		v   T
		err error
	}
	firsts := make(chan first, 1)
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		sent := false
		err := job(func(v T) {
			if !sent {
				sent = true
				firsts <- first{v: v}
			}
		})
		switch {
		case !sent:
			firsts <- first{err: err}
		case err != nil:
			r.log.Error(what+" failed", "import", id, "err", err)
		}
	}()
	f := <-firsts
	return f.v, f.err
}

// take takes a free slot for id at once (ok), or puts id in line and
// returns its waiter, whose ready closes when a slot is its.
func (r *Runner) take(id int64) (w *waiter, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.busy < r.limit && len(r.waiting) == 0 {
		r.busy++
		return nil, true
	}
	w = &waiter{id: id, ready: make(chan struct{})}
	r.waiting = append(r.waiting, w)
	return w, false
}

// leave takes w out of line; if a slot was already its, the slot is given
// back.
func (r *Runner) leave(w *waiter) {
	if w == nil {
		r.release()
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if i := slices.Index(r.waiting, w); i >= 0 {
		r.waiting = slices.Delete(r.waiting, i, i+1)
		return
	}
	r.busy-- // ready was closed: the slot was granted
	r.grant()
}

// release gives a slot back and hands it to the first in line.
func (r *Runner) release() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.busy--
	r.grant()
}

// grant hands free slots to those in line, first come first served. r.mu
// is held.
func (r *Runner) grant() {
	for r.busy < r.limit && len(r.waiting) > 0 {
		w := r.waiting[0]
		r.waiting = r.waiting[1:]
		r.busy++
		close(w.ready)
	}
}

// TakeOver resumes every import that was left interrupted, or whose worker
// is gone (a server that died, whose lease ran out), looking once now and
// then every interval until ctx ends. With several servers sharing one
// database, an import whose server stopped goes on elsewhere without
// anyone clicking Resume: each server tries, and ClaimImport lets exactly
// one of them have it. It is on record as resumed by the system.
func (r *Runner) TakeOver(ctx context.Context, interval time.Duration) {
	ctx = crm.WithActor(ctx, crm.Actor{Name: "localcrm", Kind: crm.ActorSystem})
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		imps, err := r.im.List(ctx) // marks the imports of gone workers interrupted
		if err != nil && ctx.Err() == nil {
			r.log.Error("look for imports to take over", "err", err)
		}
		for _, imp := range imps {
			if imp.Status != crm.ImportInterrupted || ctx.Err() != nil {
				continue
			}
			_, err := r.Resume(ctx, imp.ID)
			switch {
			case err == nil:
				r.log.Info("took over an interrupted import", "import", imp.ID)
			case !errors.Is(err, crm.ErrConflict) && !errors.Is(err, crm.ErrInvalid):
				r.log.Error("take over import", "import", imp.ID, "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Shutdown stops every import this runner runs after its batch in flight,
// leaving it interrupted so that it can be resumed, and waits for them, or
// for ctx to end. Queued imports go back to where they were.
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
