package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserTeam walks the Team pages as an admin would, then signs in as
// the agent the admin made and checks what an agent is shown and refused.
func TestBrowserTeam(t *testing.T) {
	b := newBrowser(t)
	defer b.checkScripts(t)

	// The admin adds agent1 on the Team tab.
	b.do(t, "open the Team tab",
		chromedp.Navigate(b.url+"/customers"),
		chromedp.Click(chromedp.CSS(`nav a[href="/users"]`)),
		chromedp.WaitVisible(chromedp.ID("add-user")),
	)
	b.do(t, "fill in the new user",
		chromedp.SendKeys(chromedp.ID("name"), "agent1"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.SendKeys(chromedp.ID("confirm"), testPassword),
	)
	b.choose(t, "role", "agent")
	b.do(t, "add the user",
		chromedp.Click(chromedp.CSS(`#add-user button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	if got := js[string](t, b, `document.querySelector('.flash').textContent`); !strings.Contains(got, "agent1 was added as an agent") {
		t.Errorf("the flash says %q", got)
	}
	if got := js[string](t, b, `(document.querySelector('tr[data-user="agent1"] select[name="role"]') || {}).value || ''`); got != "agent" {
		t.Errorf("agent1's role in the table: %q", got)
	}
	b.shot(t, "users.png")
	// On a phone the admin pages fit the width: nothing to scroll sideways.
	b.do(t, "narrow the window", chromedp.EmulateViewport(390, 844))
	for _, path := range []string{"/users", "/tokens", "/audit"} {
		b.do(t, "open "+path+" on a phone", chromedp.Navigate(b.url+path), chromedp.WaitVisible(chromedp.ID("main")))
		if w := js[int](t, b, `document.documentElement.scrollWidth`); w > 390 {
			t.Errorf("at 390 px %s is %d px wide", path, w)
		}
	}
	b.do(t, "widen the window", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(b.url+"/users"), chromedp.WaitVisible(chromedp.ID("add-user")))

	// An API token: its secret is on the page that made it, once.
	b.do(t, "open API tokens",
		chromedp.Click(chromedp.CSS(`.subnav a[href="/tokens"]`)),
		chromedp.WaitVisible(chromedp.ID("new-token-form")),
		chromedp.SendKeys(chromedp.ID("name"), "browser script"),
	)
	b.choose(t, "role", "viewer")
	b.choose(t, "expiry", "30d")
	b.do(t, "create the token",
		chromedp.Click(chromedp.CSS(`#new-token-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("secret")),
	)
	secret := js[string](t, b, `document.getElementById('secret').value`)
	if !strings.HasPrefix(secret, "lcrm_") || len(secret) < 40 {
		t.Fatalf("the secret on the page is %q", secret)
	}
	if note := b.text(t, "new-token"); !strings.Contains(note, "it is not shown again") {
		t.Errorf("the secret's note: %q", note)
	}
	req, err := http.NewRequest(http.MethodGet, b.url+"/api/v1/customers", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+secret)
	if resp, body := apiSend(t, req); resp.StatusCode != http.StatusOK {
		t.Errorf("the token from the page gets %d from the API: %s", resp.StatusCode, body)
	}
	b.do(t, "the tokens again", chromedp.Navigate(b.url+"/tokens"), chromedp.WaitVisible(chromedp.ID("tokens")))
	if js[bool](t, b, fmt.Sprintf(`document.documentElement.outerHTML.includes(%q)`, secret)) {
		t.Error("/tokens shows the secret again")
	}

	// Signed out, the customers lead to the sign-in page.
	b.signOut(t)
	b.do(t, "open the customers signed out", chromedp.Navigate(b.url+"/customers"), chromedp.WaitVisible(chromedp.ID("password")))
	if got := js[string](t, b, `location.pathname + location.search`); got != "/signin?next=%2Fcustomers" {
		t.Errorf("signed out, /customers leads to %s", got)
	}
	if js[bool](t, b, `!!document.querySelector('form.me')`) {
		t.Error("the sign-in page shows someone signed in")
	}
	b.shot(t, "signin.png")

	// agent1 sees neither Imports nor the field controls, and is refused
	// their pages.
	b.signIn(t, "agent1")
	tabs := js[[]string](t, b, `[...document.querySelectorAll('nav .tabs a')].map(a => a.textContent.trim())`)
	if strings.Join(tabs, ",") != "Customers,Fields" {
		t.Errorf("agent1's tabs: %q", tabs)
	}
	if got := b.text(t, "main"); !strings.Contains(got, "New customer") || strings.Contains(got, "Import a file") {
		t.Errorf("agent1's customers page: %s", got)
	}
	b.do(t, "open Fields", chromedp.Click(chromedp.CSS(`nav a[href="/fields"]`)), chromedp.WaitVisible(chromedp.ID("standard-fields")))
	if js[bool](t, b, `!!document.querySelector('a[href="/fields/new"]') || document.querySelector('main').innerText.includes('New custom field')`) {
		t.Error("agent1's Fields page offers a new custom field")
	}
	for _, path := range []string{"/imports/new", "/fields/new"} {
		b.do(t, "open "+path, chromedp.Navigate(b.url+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
		if h1 := js[string](t, b, `document.querySelector('main h1').textContent`); h1 != "Not allowed" {
			t.Errorf("%s shows %q, want the 403 page", path, h1)
		}
		if msg := js[string](t, b, `document.querySelector('main .lead').textContent`); !strings.Contains(msg, "Your role (agent) may not do this") {
			t.Errorf("%s says %q", path, msg)
		}
		if status := js[int](t, b, fmt.Sprintf(`fetch(%q).then(r => r.status)`, path)); status != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", path, status)
		}
	}
	b.signOut(t)
}

// signOut presses the header's Sign out button and waits for the sign-in
// page.
func (b *browser) signOut(t *testing.T) {
	t.Helper()
	b.do(t, "sign out",
		chromedp.Click(chromedp.CSS(`form.me button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("password")),
	)
	b.wait(t, "the sign-in page", `location.pathname === '/signin' && !document.querySelector('form.me')`, 10*time.Second)
	if got := js[string](t, b, `(document.querySelector('.flash') || {}).textContent || ''`); got != "You are signed out." {
		t.Errorf("after signing out the page says %q", got)
	}
}
