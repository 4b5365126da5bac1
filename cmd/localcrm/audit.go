package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"localcrm/internal/crm"
)

const auditUsage = `Usage: localcrm audit [--since T] [--user U] [--action A] [--limit N] [--json]

Shows the audit log, newest first: who changed what, when, and from where.
Changes made on the command line are recorded under the operating-system
user who ran it; the web UI's under the signed-in user or API token.

  --since T     only entries from T on: a time such as 2024-05-01T09:00:00Z,
                a day such as 2024-05-01 (from its start, local time), or
                how long ago, such as 24h or 90m
  --user U      only what U did: a user name, an operating-system user, or
                "token N (name)" as the log shows it
  --action A    only one kind of entry, such as user-created, export or sign-in-failed
  --limit N     at most N entries (default 50)
  --json        print a JSON array of entries
`

func runAudit(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet("audit")
	since := fs.String("since", "", "")
	var f crm.AuditFilter
	fs.StringVar(&f.Actor, "user", "", "")
	action := fs.String("action", "", "")
	fs.IntVar(&f.Limit, "limit", 50, "")
	asJSON := fs.Bool("json", false, "")
	if _, err := a.parse(fs, args, auditUsage); err != nil {
		return err
	}
	if f.Limit < 1 {
		return &usageError{msg: fmt.Sprintf("--limit must be at least 1, not %d", f.Limit), usage: auditUsage}
	}
	if *action != "" {
		a, err := crm.ParseAuditAction(*action)
		if err != nil {
			return err
		}
		f.Action = a
	}
	if *since != "" {
		t, err := parseSince(*since, time.Now())
		if err != nil {
			return err
		}
		f.Since = t
	}
	st, err := a.db(ctx)
	if err != nil {
		return err
	}
	entries, total, err := st.ListAudit(ctx, f)
	if err != nil {
		return err
	}
	if *asJSON {
		if entries == nil {
			entries = []crm.AuditEntry{} // scripts get an array, never null
		}
		b, err := json.Marshal(entries)
		if err != nil {
			return err
		}
		return a.printJSON(b)
	}
	t := newTable()
	if len(entries) > 0 {
		t.row("TIME", "ACTOR", "FROM", "ACTION", "TARGET", "DETAIL")
	}
	for _, e := range entries {
		from := e.ActorKind
		if e.Addr != "" {
			from = e.Addr
		}
		t.row(localTime(e.At), e.Actor, from, string(e.Action), e.Target, e.Detail)
	}
	if err := t.writeTo(a.stdout); err != nil {
		return err
	}
	_, err = fmt.Fprintf(a.stdout, "%d of %d entries\n", len(entries), total)
	return err
}

// parseSince reads --since: an RFC 3339 time, a day (its start in the
// local zone, as the person at the terminal means it), or a duration that
// far before now.
func parseSince(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, time.Local); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, &usageError{
		msg:   fmt.Sprintf("--since %q is neither a time (2024-05-01T09:00:00Z), a day (2024-05-01) nor how long ago (24h)", s),
		usage: auditUsage,
	}
}
