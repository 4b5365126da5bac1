package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"localcrm/internal/crm"
)

// pageFlashCookie returns the flash cookie a response sets, or nil.
func pageFlashCookie(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == flashCookie || c.Name == secureFlashCookie {
			return c
		}
	}
	return nil
}

// flashLess reports whether a response sets no flash: a redirect to
// /signin without one is require's, not sign-out's.
func flashLess(resp *http.Response) bool { return pageFlashCookie(resp) == nil }

// TestPageFlashNotFromAddress: no address makes a page show a notice, not
// those that the pages' own redirects once carried, nor any text at all.
func TestPageFlashNotFromAddress(t *testing.T) {
	e := newPageEnv(t)
	c := e.mustCustomer(t, map[string]string{"first_name": "Ada", "last_name": "Lovelace"})
	imp := e.pageImport(t, pageImportCSV)
	for _, path := range []string{
		"/fields?deleted=" + url.QueryEscape("ANY TEXT: call 555-0100 to keep your account"),
		"/fields?created=first_name",
		"/fields/customer_type?done=saved",
		"/fields/customer_type?done=values",
		"/customers?deleted=10000000",
		fmt.Sprintf("/customers/%d?done=created", c.AccountNumber),
		fmt.Sprintf("/customers/%d?done=saved", c.AccountNumber),
		fmt.Sprintf("/imports/%d?done=cancel", imp.ID),
		fmt.Sprintf("/imports/%d?done=resumed", imp.ID),
		"/tokens?done=revoked&token=1",
		"/users?done=created&user=admin",
	} {
		r := e.get(t, path)
		r.want(t, http.StatusOK)
		if strings.Contains(r.Body, `class="flash"`) {
			t.Errorf("%s shows a flash", path)
		}
	}
	req := httptest.NewRequest(http.MethodGet, "/signin?out", nil)
	req.Header.Set("Cookie", "other=1") // nobody signed in
	if r := e.do(t, req); r.Status != http.StatusOK || strings.Contains(r.Body, `class="flash"`) {
		t.Errorf("/signin?out: status %d, flash %v", r.Status, strings.Contains(r.Body, `class="flash"`))
	}
}

// TestPageFlashOnce: a form's redirect carries its notice in a cookie; the
// page it leads to shows it and clears it, so a reload does not say it
// again. A cookie that was tampered with shows nothing.
func TestPageFlashOnce(t *testing.T) {
	e := newPageEnv(t)
	if err := e.st.CreateField(t.Context(), &crm.Field{Key: "tier", Label: "Tier", Type: crm.TypeText}); err != nil {
		t.Fatal(err)
	}
	loc := e.post(t, "/fields/tier/delete", nil).redirect(t, "/fields")
	if e.flash == nil || !e.flash.HttpOnly || e.flash.MaxAge <= 0 {
		t.Fatalf("the redirect sets the flash cookie %+v, want an HttpOnly cookie that expires", e.flash)
	}
	e.get(t, loc).want(t, http.StatusOK, `<p class="flash" role="status">The field Tier (tier) and its values were deleted.</p>`)
	if e.flash != nil {
		t.Errorf("the page that showed the flash left its cookie: %+v", e.flash)
	}
	if r := e.get(t, loc); strings.Contains(r.Body, `class="flash"`) {
		t.Error("a reload shows the flash again")
	}

	for _, value := range []string{"not*base64", "_w"} { // "_w" decodes to a byte that is not UTF-8
		req := httptest.NewRequest(http.MethodGet, "/fields", nil)
		req.AddCookie(e.admin)
		req.AddCookie(&http.Cookie{Name: flashCookie, Value: value})
		if r := e.do(t, req); strings.Contains(r.Body, `class="flash"`) {
			t.Errorf("the flash cookie %q shows a flash", value)
		}
	}
}
