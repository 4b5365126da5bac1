package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"localcrm/internal/crm"
)

// auditPerPage is how many entries one page of the audit log shows.
const auditPerPage = 50

// auditDate reads a "since" day, YYYY-MM-DD, as its start in the server's
// zone: the zone the pages show times in.
func auditDate(s string) (time.Time, bool) {
	t, err := time.ParseInLocation(time.DateOnly, s, time.Local)
	return t, err == nil
}

// auditListPage is the Audit log tab: a page of entries, newest first, and
// the filters that selected them.
type auditListPage struct {
	pageMeta
	Entries []auditRow
	Actions []crm.AuditAction
	Users   []string // names the actor filter suggests
	Actor   string
	Action  crm.AuditAction
	Since   string // YYYY-MM-DD as typed, when valid
	Total   int
	From    int // 1-based positions of the first and last entry shown
	To      int
	PrevURL string
	NextURL string
}

// auditRow is one entry as the table shows it.
type auditRow struct {
	crm.AuditEntry
	When      string // to the second, in the server's zone
	Stamp     string // RFC 3339, for the time element
	ActorLink string // the log filtered to this actor
}

func (p *pages) auditList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	data := auditListPage{
		pageMeta: pageMeta{Title: "Audit log", Tab: tabAudit},
		Actions:  crm.AuditActions,
		Actor:    strings.TrimSpace(q.Get("actor")),
	}
	var alerts []string
	if a := crm.AuditAction(q.Get("action")); a != "" {
		if slices.Contains(crm.AuditActions, a) {
			data.Action = a
		} else {
			alerts = append(alerts, "There is no action “"+truncate(string(a), 40)+"”; the log is shown for every action.")
		}
	}
	f := crm.AuditFilter{Actor: data.Actor, Action: data.Action, Limit: auditPerPage}
	if s := strings.TrimSpace(q.Get("since")); s != "" {
		if t, ok := auditDate(s); ok {
			f.Since, data.Since = t, s
		} else {
			alerts = append(alerts, "“"+truncate(s, 40)+"” is not a date such as 2025-01-31; the log is shown from the start.")
		}
	}
	data.Alert = strings.Join(alerts, " ")

	// A page number out of range shows the nearest page that exists:
	// one past the end after entries were filtered away, or a typo.
	page, err := strconv.Atoi(q.Get("page"))
	if err != nil || page < 1 {
		page = 1
	}
	page = min(page, 1_000_000) // keeps the offset far from overflowing
	ctx := r.Context()
	f.Offset = (page - 1) * auditPerPage
	entries, total, err := p.Store.ListAudit(ctx, f)
	if err != nil {
		p.pageError(w, r, tabAudit, err)
		return
	}
	if last := max(1, (total+auditPerPage-1)/auditPerPage); page > last {
		page = last
		f.Offset = (page - 1) * auditPerPage
		if entries, total, err = p.Store.ListAudit(ctx, f); err != nil {
			p.pageError(w, r, tabAudit, err)
			return
		}
	}
	data.Total = total

	link := func(n int, actor string, action crm.AuditAction, since string) string {
		v := url.Values{}
		if actor != "" {
			v.Set("actor", actor)
		}
		if action != "" {
			v.Set("action", string(action))
		}
		if since != "" {
			v.Set("since", since)
		}
		if n > 1 {
			v.Set("page", strconv.Itoa(n))
		}
		if len(v) == 0 {
			return "/audit"
		}
		return "/audit?" + v.Encode()
	}
	for _, e := range entries {
		data.Entries = append(data.Entries, auditRow{
			AuditEntry: e,
			When:       e.At.Local().Format(time.DateTime),
			Stamp:      e.At.UTC().Format(time.RFC3339),
			ActorLink:  link(1, e.Actor, data.Action, data.Since),
		})
	}
	if len(entries) > 0 {
		data.From = f.Offset + 1
		data.To = f.Offset + len(entries)
	}
	if page > 1 {
		data.PrevURL = link(page-1, data.Actor, data.Action, data.Since)
	}
	if page*auditPerPage < total {
		data.NextURL = link(page+1, data.Actor, data.Action, data.Since)
	}
	users, err := p.Store.ListUsers(ctx)
	if err != nil {
		p.pageError(w, r, tabAudit, err)
		return
	}
	for _, u := range users {
		data.Users = append(data.Users, u.Name)
	}
	p.render(w, r, http.StatusOK, "audit.html", &data)
}
