package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"localcrm/internal/crm"
	"localcrm/internal/importer"
	"localcrm/internal/store"
	"localcrm/internal/web"
)

const serveUsage = `Usage: localcrm serve [--addr HOST:PORT] [--host NAME]... [--tls-cert FILE --tls-key FILE]
                      [--insecure-http] [--session-idle D] [--session-max D]
                      [--max-upload MB] [--max-records N] [--max-columns N]
                      [--max-jobs N] [--keep-uploads D] [--imports-quota MB]
                      [--lease D]

Serves the web UI and the JSON API (under /api/v1) on the same database as
the command line. Everyone signs in: people on the sign-in page, scripts
with an API token (localcrm tokens create). On a database with no user yet,
it prints a one-time setup link that creates the first admin.

It listens on loopback unless told otherwise. On any other address it
serves HTTPS (--tls-cert and --tls-key), or plain HTTP only with
--insecure-http, for a TLS-terminating proxy in front of it. Browsers must
reach it by a loopback name or a name given with --host: any other Host is
refused, so that no web site can point its own name at this server.

On SIGINT or SIGTERM it stops gracefully: an import in flight finishes its
batch and is left interrupted, to be resumed.

Load balancers check GET /healthz: 200 while the database answers, 503
while it does not. It needs no sign-in and answers to any Host.

Flags:
  --addr HOST:PORT     where to listen (default 127.0.0.1:8080)
  --host NAME          a name or address people reach the server by, besides
                       localhost and 127.0.0.1; repeat for several
  --tls-cert FILE      the TLS certificate (PEM, with its chain), for HTTPS
  --tls-key FILE       the certificate's private key (PEM)
  --insecure-http      allow plain HTTP on a non-loopback address, behind a
                       TLS proxy: cookies are Secure when the proxy says
                       X-Forwarded-Proto: https, and the last address of its
                       X-Forwarded-For is the client's
  --session-idle D     sign a browser out after this long unused (default 1h)
  --session-max D      and after this long whatever the use (default 12h)
  --max-upload MB      the largest file an upload may bring (default 100)
  --max-records N      the record limit of new imports (default 50000)
  --max-columns N      the most columns a file may have (default 1000)
  --max-jobs N         imports and dry runs run at once; more wait in line,
                       shown as queued (default: one for every two cores)
  --keep-uploads D     remove the files of imports not started, cancelled or
                       completed after this long (default 168h, 7 days)
  --imports-quota MB   refuse uploads while the kept files use more than this
                       (default 0: no quota; uploads are refused anyway when
                       the disk has less free than --max-upload and 100 MB)
  --lease D            on PostgreSQL, how long an import stays its server's
                       without a sign of life; then another server resumes
                       it (default 30s)
`

func runServe(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet("serve")
	addr := fs.String("addr", "127.0.0.1:8080", "")
	var hosts listFlag
	fs.Var(&hosts, "host", "")
	certFile := fs.String("tls-cert", "", "")
	keyFile := fs.String("tls-key", "", "")
	insecure := fs.Bool("insecure-http", false, "")
	idle := fs.Duration("session-idle", web.DefaultSessionIdle, "")
	maxAge := fs.Duration("session-max", web.DefaultSessionMax, "")
	maxUpload := fs.Int64("max-upload", web.DefaultMaxUpload>>20, "")
	maxRecords := fs.Int("max-records", crm.DefaultMaxRecords, "")
	maxColumns := fs.Int("max-columns", importer.DefaultMaxColumns, "")
	keepUploads := fs.Duration("keep-uploads", importer.DefaultKeepUploads, "")
	quota := fs.Int64("imports-quota", 0, "")
	lease := fs.Duration("lease", importer.DefaultLease, "")
	maxJobs := fs.Int("max-jobs", importer.DefaultJobs(), "")
	if _, err := a.parse(fs, args, serveUsage); err != nil {
		return err
	}
	if *maxColumns < 1 || *maxJobs < 1 || *keepUploads < time.Hour || *quota < 0 {
		return &usageError{msg: "--max-columns and --max-jobs must be at least 1, --keep-uploads at least 1h, and --imports-quota 0 (none) or more", usage: serveUsage}
	}
	if *maxUpload < 1 || *maxRecords < 1 {
		return &usageError{msg: "--max-upload and --max-records must be at least 1", usage: serveUsage}
	}
	if *idle < time.Minute || *maxAge < time.Minute {
		return &usageError{msg: "--session-idle and --session-max must be at least 1m", usage: serveUsage}
	}
	if (*certFile == "") != (*keyFile == "") {
		return &usageError{msg: "--tls-cert and --tls-key go together: give both for HTTPS, or neither", usage: serveUsage}
	}
	useTLS := *certFile != ""
	var tlsConfig *tls.Config
	if useTLS {
		cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			return &messageError{msg: fmt.Sprintf("cannot use the TLS certificate %s with the key %s: %v", *certFile, *keyFile, err), err: crm.ErrInvalid}
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	if *lease < time.Second {
		return &usageError{msg: fmt.Sprintf("--lease %s is too short: give at least 1s", *lease), usage: serveUsage}
	}
	loopback := isLoopback(*addr)
	if !loopback && !useTLS && !*insecure {
		return &usageError{msg: fmt.Sprintf("%s is not a loopback address, and passwords and customers' data would cross the network in clear: "+
			"give --tls-cert and --tls-key for HTTPS, or --insecure-http when a TLS proxy stands in front", *addr), usage: serveUsage}
	}
	log := slog.New(slog.NewTextHandler(a.stderr, nil))
	st, err := a.db(ctx)
	if err != nil {
		return err
	}
	dir, err := a.dataDir(st)
	if err != nil {
		return err
	}
	im := importer.New(st, dir)
	im.MaxRecords = *maxRecords
	im.MaxColumns, im.KeepUploads, im.Quota = *maxColumns, *keepUploads, *quota<<20
	im.MinFree = *maxUpload<<20 + 100<<20 // room for one upload, and for the database to grow
	im.Lease = *lease
	im.Log = log
	// Imports left running by a process that died are shown as interrupted.
	if _, err := im.List(ctx); err != nil {
		return err
	}
	runner := importer.NewRunner(im, log)
	runner.SetLimit(*maxJobs)
	// Uploads nobody will import are removed at start and every hour.
	sweep := func(now time.Time) {
		if n, err := im.Sweep(ctx, now); err != nil {
			log.Error("remove unused uploads", "err", err)
		} else if n > 0 {
			log.Info("removed unused uploads", "count", n, "older_than", *keepUploads)
		}
	}
	sweep(time.Now())
	go func() {
		tick := time.NewTicker(time.Hour)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-tick.C:
				sweep(now)
			}
		}
	}()
	if st.Postgres() {
		// Servers sharing the database take over one another's imports.
		go runner.TakeOver(ctx, *lease/2)
	}
	deps := web.Deps{
		Store: st, Importer: im, Runner: runner, Log: log, MaxUpload: *maxUpload << 20,
		Hosts: hosts, Sessions: store.SessionLimits{Idle: *idle, Max: *maxAge}, BehindProxy: *insecure,
	}
	handler := web.New(deps)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return &messageError{msg: fmt.Sprintf("cannot listen on %s: %v", *addr, err), err: crm.ErrInvalid}
	}
	if useTLS {
		ln = tls.NewListener(ln, tlsConfig)
	}
	// Requests get a context that ends at shutdown, so that event streams,
	// which never go idle, let the server stop.
	base, stopRequests := context.WithCancel(context.Background())
	defer stopRequests()
	srv := web.NewServer(handler, web.DefaultTimeouts)
	srv.BaseContext = func(net.Listener) context.Context { return base }
	srv.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelWarn)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	url := siteURL(ln.Addr().String(), hosts, useTLS)
	log.Info("localcrm is serving", "url", url, "db", st.Path())
	if !loopback && len(hosts) == 0 {
		log.Warn("no --host given: browsers on other machines will be refused; start with --host NAME for each name people use to reach this server")
	}
	if !loopback && !useTLS {
		log.Warn("serving plain HTTP on a non-loopback address (--insecure-http): only safe behind a TLS proxy that alone can reach this port", "addr", ln.Addr().String())
	}
	if n, err := st.CountUsers(ctx); err != nil {
		return err
	} else if n == 0 {
		link, err := web.NewSetupLink(ctx, deps)
		if err != nil {
			return err
		}
		log.Info("nobody can sign in yet: open this one-time link within an hour to create the first admin", "setup_link", url+link)
	}

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

// listFlag is a flag that may be given several times.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// isLoopback reports whether addr listens on loopback only. An empty host
// (":8080") listens on every address, so it is not.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// siteURL is the address people open: the first --host name when one was
// given, else the address it listens on.
func siteURL(listen string, hosts []string, useTLS bool) string {
	scheme := "http"
	if useTLS {
		scheme = "https"
	}
	host, port, _ := net.SplitHostPort(listen)
	switch ip := net.ParseIP(host); {
	case len(hosts) > 0:
		host = hosts[0]
	case ip != nil && ip.IsUnspecified():
		host = "127.0.0.1" // every address: loopback is the one sure to work here
	}
	return scheme + "://" + net.JoinHostPort(strings.Trim(host, "[]"), port)
}
