package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"localcrm/internal/crm"
	"localcrm/internal/store"
)

// The accessibility test runs axe-core, the accessibility engine, in every
// page and every step of the import wizard, on a laptop's width and a
// phone's, and fails on any finding axe rates serious or critical. axe-core
// is the npm package's axe.min.js, fetched by scripts/test into a cache
// outside the repository (like Chromium, never committed) and named by
// LOCALCRM_AXE. Without it the test skips, unless CI is set: there it must
// run.

// a11yWidths are the two widths every page is checked at: a laptop's and a
// phone's.
var a11yWidths = []struct{ w, h int64 }{{1280, 900}, {390, 844}}

// axeSource returns axe-core's script, or skips the test when it cannot be
// found and CI is not set.
func axeSource(t *testing.T) string {
	t.Helper()
	path := os.Getenv("LOCALCRM_AXE")
	if path == "" {
		// Where scripts/test puts the version it pins, so that go test
		// alone finds it after one run of the test command.
		cache := os.Getenv("XDG_CACHE_HOME")
		if home, err := os.UserHomeDir(); cache == "" && err == nil {
			cache = filepath.Join(home, ".cache")
		}
		script, err := os.ReadFile(filepath.Join("..", "..", "scripts", "test"))
		if err != nil {
			t.Fatal(err)
		}
		if m := regexp.MustCompile(`(?m)^axe_version=(\S+)$`).FindSubmatch(script); m != nil {
			path = filepath.Join(cache, "localcrm", "axe-core-"+string(m[1]), "node_modules", "axe-core", "axe.min.js")
		}
	}
	src, err := os.ReadFile(path)
	if err == nil && strings.Contains(string(src), "axe") {
		return string(src)
	}
	if os.Getenv("LOCALCRM_AXE") != "" {
		t.Fatalf("LOCALCRM_AXE names %s, which cannot be read as axe-core: %v", path, err)
	}
	if os.Getenv("CI") == "" {
		t.Skip("axe-core is not installed, so the accessibility test cannot run: run scripts/test once (it fetches it with npm), or set LOCALCRM_AXE to its axe.min.js; set CI to make its absence a failure")
	}
	t.Fatal("axe-core is not installed, and CI is set: the accessibility test must run (scripts/test fetches it with npm and sets LOCALCRM_AXE)")
	return ""
}

// axeViolation is one rule axe found broken on a page, with the elements
// that break it.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	URL    string `json:"url"`
	Nodes  []struct {
		Target  string `json:"target"`
		Summary string `json:"summary"`
	} `json:"nodes"`
}

// auditor checks pages of a browser with axe.
type auditor struct {
	b     *browser
	axe   string
	pages []string // the pages checked, in order
}

// check runs axe on the page the browser shows, at each width, and fails
// on serious and critical findings and on a page wider than a phone. It
// writes a screenshot at each width, a11y-NAME-WIDTH.png, and leaves the
// browser at the laptop's width.
func (a *auditor) check(t *testing.T, name string) {
	t.Helper()
	b := a.b
	a.pages = append(a.pages, name)
	for _, size := range a11yWidths {
		b.do(t, fmt.Sprintf("%s at %d px", name, size.w), chromedp.EmulateViewport(size.w, size.h))
		// Let the new width take effect (media queries, layout) before
		// anything is measured.
		js[bool](t, b, `new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`)
		if !js[bool](t, b, `typeof window.axe === 'object'`) {
			browserRun(t, b, "inject axe-core", chromedp.Evaluate[chromedp.Void](a.axe+"\n;undefined"))
		}
		found := js[[]axeViolation](t, b, `axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => ({
			id: v.id, impact: v.impact || '', help: v.help, url: v.helpUrl,
			nodes: v.nodes.map(n => ({target: n.target.map(String).join(' '), summary: n.failureSummary || ''})),
		})))`)
		for _, v := range found {
			if v.Impact != "serious" && v.Impact != "critical" {
				continue
			}
			var nodes strings.Builder
			for _, n := range v.Nodes {
				fmt.Fprintf(&nodes, "\n\t%s\n\t\t%s", n.Target, strings.ReplaceAll(n.Summary, "\n", "\n\t\t"))
			}
			t.Errorf("%s at %d px: %s (%s): %s (%s)%s", name, size.w, v.ID, v.Impact, v.Help, v.URL, nodes.String())
		}
		// A table keeps to the page's column, unless it scrolls in a box
		// of its own (the wizard's preview of a wide file).
		if wide := js[[]string](t, b, `(() => {
			const main = document.getElementById('main');
			const right = main.getBoundingClientRect().right - parseFloat(getComputedStyle(main).paddingRight);
			return [...main.querySelectorAll('table')].filter(t => !t.closest('.table-scroll') && t.offsetParent && t.getBoundingClientRect().right > right + 1)
				.map(t => (t.id ? '#' + t.id : t.className) + ' ends at ' + Math.round(t.getBoundingClientRect().right) + ' px, the column at ' + Math.round(right));
		})()`); len(wide) > 0 {
			t.Errorf("%s at %d px: a table overflows its box: %s", name, size.w, strings.Join(wide, "; "))
		}
		if size.w < 720 {
			if w := js[int](t, b, `document.documentElement.scrollWidth`); w > int(size.w) {
				wide := js[[]string](t, b, fmt.Sprintf(`[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > %d).slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().replace(/\s+/g, '.') : ''))`, size.w))
				t.Errorf("%s at %d px is %d px wide: it scrolls sideways (widest: %s)", name, size.w, w, strings.Join(wide, ", "))
			}
		}
		b.shot(t, fmt.Sprintf("a11y-%s-%d.png", name, size.w))
	}
	b.do(t, "back to a laptop's width", chromedp.EmulateViewport(a11yWidths[0].w, a11yWidths[0].h))
}

// open navigates to path and waits for the main landmark.
func (a *auditor) open(t *testing.T, path string) {
	t.Helper()
	a.b.do(t, "open "+path, chromedp.Navigate(a.b.url+path), chromedp.WaitReady(chromedp.ID("main")))
}

// refused runs fill, whose last action submits a form that must be
// refused, and checks the page that refuses it (name): the focus is on the
// error summary, which links to the inputs want names (their ids,
// comma-separated, in the form's order), and the page passes the audit.
func (a *auditor) refused(t *testing.T, name, want string, fill ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	a.b.do(t, name+": fill in and submit the form", append(fill, chromedp.WaitVisible(chromedp.ID("error-summary")))...)
	if got := a.focusOnSummary(t, name); strings.Join(got, ",") != want {
		t.Errorf("%s: the error summary links to %q, want %q", name, got, want)
	}
	a.check(t, name)
}

// focusOnSummary checks that a page re-rendered with a form's errors put
// the keyboard focus on its error summary, which links to each input in
// error, and returns the links' targets.
func (a *auditor) focusOnSummary(t *testing.T, name string) []string {
	t.Helper()
	// The browser moves the focus to an autofocus element at its next
	// rendering after the page loads, not at once.
	a.b.wait(t, name+": the focus on the error summary", `document.activeElement && document.activeElement.id === 'error-summary'`, 10*time.Second)
	links := js[[]string](t, a.b, `[...document.querySelectorAll('#error-summary a[href^="#"]')].map(a => a.getAttribute('href').slice(1))`)
	for _, id := range links {
		if !js[bool](t, a.b, fmt.Sprintf(`(e => !!e && e.getAttribute('aria-invalid') === 'true')(document.getElementById(%q))`, id)) {
			t.Errorf("%s: the error summary links to #%s, which is not an input marked invalid", name, id)
		}
	}
	return links
}

func TestBrowserAccessibility(t *testing.T) {
	axe := axeSource(t)
	b := newBrowser(t)
	defer b.checkScripts(t)
	a := &auditor{b: b, axe: axe}
	ctx := context.Background()

	// What the pages show: a picklist and a date field, a customer.
	for _, f := range []*crm.Field{
		{Key: "tier", Label: "Tier", Type: crm.TypePicklist, Values: []string{"Gold", "Silver", "Bronze"}, Default: "Bronze"},
		{Key: "member_since", Label: "Member Since", Type: crm.TypeDate},
	} {
		if err := b.env.st.CreateField(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	ada := b.env.mustCustomer(t, map[string]string{"first_name": "Ada", "last_name": "Byron", "email": "ada@a11y.example", "company": "Analytical Engines", "voice": "+44 20 7946 0001", "tier": "Gold"})

	// Signed out: the sign-in page, and its answer to a wrong password.
	b.signOut(t)
	a.check(t, "signin")
	b.do(t, "sign in with a wrong password",
		chromedp.SendKeys(chromedp.ID("name"), "admin"),
		chromedp.SendKeys(chromedp.ID("password"), "not the password"),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.ID("error-summary")),
	)
	a.focusOnSummary(t, "signin-error")
	a.check(t, "signin-error")

	// The setup page of a database with nobody in it yet, on a server of
	// its own (signed out: the two servers share the browser's cookies).
	fresh := freshSite(t)
	link, err := NewSetupLink(ctx, Deps{Store: fresh.st})
	if err != nil {
		t.Fatal(err)
	}
	b.do(t, "open a setup link", chromedp.Navigate(fresh.url+link), chromedp.WaitVisible(chromedp.ID("confirm")))
	a.check(t, "setup")
	a.refused(t, "setup-error", "confirm",
		chromedp.SendKeys(chromedp.ID("name"), "root"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.SendKeys(chromedp.ID("confirm"), testPassword+"!"),
		chromedp.Submit(chromedp.ID("confirm")),
	)
	b.signIn(t, "admin")

	// Customers.
	a.open(t, "/customers")
	a.check(t, "customers")
	a.open(t, fmt.Sprintf("/customers/%d", ada.AccountNumber))
	a.check(t, "customer")
	a.open(t, "/customers/new")
	a.check(t, "customer-new")
	a.refused(t, "customer-error", "f-first_name,f-last_name,f-email",
		chromedp.SendKeys(chromedp.ID("f-email"), "not an email"),
		chromedp.Click(chromedp.CSS(`form.record button[type="submit"]`)),
	)
	a.open(t, fmt.Sprintf("/customers/%d/delete", ada.AccountNumber))
	a.check(t, "confirm")

	// Fields.
	a.open(t, "/fields")
	a.check(t, "fields")
	a.open(t, "/fields/tier")
	a.check(t, "field")
	a.open(t, "/fields/new")
	a.check(t, "field-new")
	b.do(t, "create a field with a bad name, length and default", chromedp.SendKeys(chromedp.ID("label"), "Shoe size"))
	b.choose(t, "type", "number")
	a.refused(t, "field-error", "name,max_length,default",
		chromedp.SetValue(chromedp.ID("name"), "Shoe Size"),
		chromedp.SendKeys(chromedp.ID("max_length"), "300"),
		chromedp.SendKeys(chromedp.ID("default"), "large"),
		chromedp.Click(chromedp.CSS(`form.record button[type="submit"]`)),
	)

	// The Team tab and the audit log.
	a.open(t, "/users")
	a.check(t, "users")
	a.refused(t, "users-error", "password",
		chromedp.SendKeys(chromedp.ID("name"), "agent7"),
		chromedp.SendKeys(chromedp.ID("password"), "short"),
		chromedp.SendKeys(chromedp.ID("confirm"), "short"),
		chromedp.Click(chromedp.CSS(`#add-user button[type="submit"]`)),
	)
	a.open(t, "/tokens")
	a.check(t, "tokens")
	a.open(t, "/audit")
	a.check(t, "audit")
	a.open(t, "/password")
	a.check(t, "password")
	a.refused(t, "password-error", "current,password",
		chromedp.SendKeys(chromedp.ID("current"), "not my password"),
		chromedp.SendKeys(chromedp.ID("password"), "short"),
		chromedp.SendKeys(chromedp.ID("confirm"), "short"),
		chromedp.Click(chromedp.CSS(`form.record button[type="submit"]`)),
	)
	a.open(t, "/customers/99999999")
	a.check(t, "not-found")

	// The wizard's steps, with a file that has a bad date and an email twice.
	// A long file name, whose words are joined by _ and -.
	b.upload(t, "customers_exported_from_the_old_system_2024-05-01 (final).csv", browserMessy)
	a.check(t, "wizard-1-choose-file")
	b.do(t, "go to the mapping", chromedp.Click(chromedp.ID("to-map")), chromedp.WaitVisible(chromedp.ID("step-map")))
	b.do(t, "open a new-field form for Cell No.",
		chromedp.Click(chromedp.CSS(`li[data-column="Cell No."] button[aria-expanded]`)),
		chromedp.WaitVisible(chromedp.CSS(`li[data-column="Cell No."] form`)),
	)
	a.check(t, "wizard-2-map")
	b.do(t, "choose to update duplicates", chromedp.Click(chromedp.ID("dup-update")), chromedp.WaitVisible(chromedp.ID("field-rules")))
	a.check(t, "wizard-2-map-update")
	b.do(t, "go to the summary", chromedp.Click(chromedp.ID("to-summary")), chromedp.WaitVisible(chromedp.ID("step-summary")))
	b.wait(t, "the dry run", `document.getElementById('dry-rejected') && document.getElementById('dry-rejected').textContent.trim() === '2'`, time.Minute)
	a.check(t, "wizard-3-summary")
	id := b.startAndFinish(t, "completed_with_errors")
	a.check(t, "wizard-5-report")
	a.open(t, "/imports")
	a.check(t, "imports")
	a.open(t, "/imports/"+id+"/revert")
	a.check(t, "revert")
	a.open(t, "/customers?import="+id)
	a.check(t, "customers-of-import")

	// Step 4: an import that runs long enough to be looked at (batches of
	// one record), and the question before cancelling it.
	var sb strings.Builder
	sb.WriteString("First Name,Last Name,Email\n")
	for i := range 6000 {
		fmt.Fprintf(&sb, "Person%d,Slow,person%d@slow.example\n", i, i)
	}
	b.upload(t, "slow.csv", sb.String())
	b.do(t, "go to the mapping", chromedp.Click(chromedp.ID("to-map")), chromedp.WaitVisible(chromedp.ID("step-map")))
	b.do(t, "set the batch size", chromedp.SetValue(chromedp.ID("batch-size"), "1"))
	js[bool](t, b, `document.getElementById('batch-size').dispatchEvent(new Event('change'))`)
	b.do(t, "go to the summary", chromedp.Click(chromedp.ID("to-summary")), chromedp.WaitVisible(chromedp.ID("step-summary")))
	b.do(t, "start", chromedp.Click(chromedp.ID("start")), chromedp.WaitVisible(chromedp.ID("progress")))
	b.wait(t, "progress", `Number(document.getElementById('processed').textContent.replace(/,/g, '')) >= 10`, time.Minute)
	a.check(t, "wizard-4-progress")
	if got := js[string](t, b, `document.getElementById('progress').dataset.status`); got != "running" {
		t.Errorf("the import was %s by the end of the check of step 4, not running: the page checked may have been its report", got)
	}
	b.do(t, "ask to cancel", chromedp.Click(chromedp.ID("cancel")), chromedp.WaitVisible(chromedp.ID("confirm-q")))
	a.check(t, "confirm-cancel")
	b.do(t, "cancel", chromedp.Click(chromedp.CSS(`.confirm button.danger`)), chromedp.WaitVisible(chromedp.ID("progress")))
	b.wait(t, "the import to stop", `document.getElementById('progress').dataset.status === 'cancelled'`, time.Minute)

	t.Logf("checked %d pages: %s", len(a.pages), strings.Join(a.pages, ", "))
}

// site is a second server over its own database, for pages that need a
// database of another shape than the browser's (one with no user yet).
type site struct {
	url string
	st  *store.Store
}

func freshSite(t *testing.T) site {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "fresh.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h := New(Deps{Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return site{url: srv.URL, st: st}
}
