package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"localcrm/internal/crm"
)

// auditActionsShown lists the actions of the audit table's rows, in order.
func auditActionsShown(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<td data-label="Action"><code>([^<]*)</code></td>`).FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestPageAudit(t *testing.T) {
	e := newPageEnv(t)
	// What an admin does on the Team pages is on the record.
	e.post(t, "/users", url.Values{"name": {"bob"}, "role": {"agent"}, "password": {testPassword}, "confirm": {testPassword}}).redirect(t, "/users")
	e.post(t, "/users/bob", url.Values{"action": {"role"}, "role": {"viewer"}}).redirect(t, "/users")
	e.post(t, "/users/bob", url.Values{"action": {"disable"}}).redirect(t, "/users")
	e.post(t, "/tokens", url.Values{"name": {"sync"}, "role": {"agent"}, "expiry": {"never"}}).want(t, http.StatusCreated)
	e.post(t, "/tokens/1/revoke", nil).redirect(t, "/tokens")

	r := e.get(t, "/audit")
	r.want(t, http.StatusOK, `aria-current="page">Audit log`, `<option value="user-changed">`, `type="date"`,
		"user bob", "role: agent → viewer", "disabled", "token 1 (sync)", `<datalist id="actors"><option value="admin"><option value="bob">`)
	got := auditActionsShown(r.Body)
	if len(got) < 5 || strings.Join(got[:5], " ") != "token-revoked token-created user-changed user-changed user-created" {
		t.Errorf("the log, newest first: %q", got)
	}
	if !strings.Contains(r.Body, `<td data-label="Who"><a href="/audit?actor=admin" title="Only admin">admin</a></td>`) {
		t.Error("the actor is not shown, or not a link to their entries")
	}

	// Each filter narrows the log.
	r = e.get(t, "/audit?action=user-changed")
	r.want(t, http.StatusOK, `<option value="user-changed" selected>`)
	if got := auditActionsShown(r.Body); strings.Join(got, " ") != "user-changed user-changed" {
		t.Errorf("filtered by action: %q", got)
	}
	r = e.get(t, "/audit?actor=nobody")
	r.want(t, http.StatusOK, "No entry matches these filters.", `value="nobody"`, "Clear filters")
	if got := auditActionsShown(e.get(t, "/audit?actor=admin&action=token-created").Body); strings.Join(got, " ") != "token-created" {
		t.Errorf("filtered by actor and action: %q", got)
	}
	tomorrow := time.Now().AddDate(0, 0, 1).Format(time.DateOnly)
	today := time.Now().Format(time.DateOnly)
	e.get(t, "/audit?since="+tomorrow).want(t, http.StatusOK, "No entry matches these filters.")
	if got := auditActionsShown(e.get(t, "/audit?since="+today).Body); len(got) < 5 {
		t.Errorf("since today: %q", got)
	}
	// A filter that cannot be is said so, and the log shown without it.
	r = e.get(t, "/audit?action=nope&since=yesterday")
	r.want(t, http.StatusOK, "There is no action “nope”", "“yesterday” is not a date")
	if got := auditActionsShown(r.Body); len(got) < 5 {
		t.Errorf("with bad filters: %q", got)
	}
}

func TestPageAuditPages(t *testing.T) {
	e := newPageEnv(t)
	ctx := crm.WithActor(context.Background(), crm.Actor{Name: "script", Kind: crm.ActorToken, Addr: "192.0.2.7"})
	for i := range 120 {
		if err := e.st.Audit(ctx, crm.AuditExport, fmt.Sprintf("export %d", i), ""); err != nil {
			t.Fatal(err)
		}
	}
	r := e.get(t, "/audit?actor=script")
	r.want(t, http.StatusOK, "1–50 of 120 entries", `href="/audit?actor=script&amp;page=2" rel="next"`, "192.0.2.7", ">token<", ">export 119<")
	if strings.Contains(r.Body, `rel="prev"`) {
		t.Error("the first page links to a previous one")
	}
	if n := len(auditActionsShown(r.Body)); n != 50 {
		t.Errorf("a page shows %d entries, want 50", n)
	}
	r = e.get(t, "/audit?actor=script&action=export&page=2")
	r.want(t, http.StatusOK, "51–100 of 120 entries", `href="/audit?action=export&amp;actor=script" rel="prev"`,
		`href="/audit?action=export&amp;actor=script&amp;page=3" rel="next"`, ">export 69<")
	r = e.get(t, "/audit?actor=script&page=3")
	r.want(t, http.StatusOK, "101–120 of 120 entries", ">export 0<")
	if strings.Contains(r.Body, `rel="next"`) {
		t.Error("the last page links to a next one")
	}
	// Page numbers out of range show the nearest page that exists.
	e.get(t, "/audit?actor=script&page=99999999999999999999").want(t, http.StatusOK, "1–50 of 120 entries")
	e.get(t, "/audit?actor=script&page=4000000").want(t, http.StatusOK, "101–120 of 120 entries")
	e.get(t, "/audit?actor=script&page=-3").want(t, http.StatusOK, "1–50 of 120 entries")
}
