package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"localcrm/internal/crm"
	"localcrm/internal/importer"
	"localcrm/internal/web"
)

const serveUsage = `Usage: localcrm serve [--addr HOST:PORT] [--max-upload MB] [--max-records N]

Serves the web UI and the JSON API (under /api/v1) on the same database as
the command line. It listens on loopback unless told otherwise. On SIGINT or
SIGTERM it stops gracefully: an import in flight finishes its batch and is
left interrupted, to be resumed.

Flags:
  --addr HOST:PORT   where to listen (default 127.0.0.1:8080)
  --max-upload MB    the largest file an upload may bring (default 100)
  --max-records N    the record limit of new imports (default 50000)
`

func runServe(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet("serve")
	addr := fs.String("addr", "127.0.0.1:8080", "")
	maxUpload := fs.Int64("max-upload", web.DefaultMaxUpload>>20, "")
	maxRecords := fs.Int("max-records", crm.DefaultMaxRecords, "")
	if _, err := a.parse(fs, args, serveUsage); err != nil {
		return err
	}
	if *maxUpload < 1 || *maxRecords < 1 {
		return &usageError{msg: "--max-upload and --max-records must be at least 1", usage: serveUsage}
	}
	log := slog.New(slog.NewTextHandler(a.stderr, nil))
	st, err := a.db(ctx)
	if err != nil {
		return err
	}
	im := importer.New(st, filepath.Dir(st.Path()))
	im.MaxRecords = *maxRecords
	// Imports left running by a process that died are shown as interrupted.
	if _, err := im.List(ctx); err != nil {
		return err
	}
	runner := importer.NewRunner(im, log)
	handler := web.New(web.Deps{Store: st, Importer: im, Runner: runner, Log: log, MaxUpload: *maxUpload << 20})

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return &messageError{msg: fmt.Sprintf("cannot listen on %s: %v", *addr, err), err: crm.ErrInvalid}
	}
	// Requests get a context that ends at shutdown, so that event streams,
	// which never go idle, let the server stop.
	base, stopRequests := context.WithCancel(context.Background())
	defer stopRequests()
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return base },
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("localcrm is serving", "url", "http://"+ln.Addr().String(), "db", st.Path())

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: imports in flight finish their batch")
	stopRequests()
	shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = errors.Join(srv.Shutdown(shutdown), runner.Shutdown(shutdown))
	if err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	log.Info("stopped")
	return nil
}
