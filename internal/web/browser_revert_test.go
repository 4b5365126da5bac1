package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"localcrm/internal/crm"
)

// revert takes back an import from its page, as a manager who regrets it
// would: the preview says what will happen and lists the customer edited
// since, the revert runs, and the page shows what it did; the file is as
// before the import, but for the customer kept.
func (b *browser) revert(t *testing.T) {
	defer b.checkScripts(t)
	ctx := context.Background()
	ada := &crm.Customer{Values: map[string]string{"first_name": "Ada", "last_name": "Byron", "email": "ada@revert.example", "company": "Analytical"}}
	if err := b.env.st.CreateCustomer(ctx, ada); err != nil {
		t.Fatal(err)
	}
	b.upload(t, "regret.csv", "First Name,Last Name,Email,Company\n"+
		"Ada,Lovelace,ada@revert.example,Wrong Company\n"+
		"Charles,Babbage,charles@revert.example,Difference\n"+
		"Mary,Somerville,mary@revert.example,Connexion\n")
	b.do(t, "go to the mapping", chromedp.Click(chromedp.ID("to-map")), chromedp.WaitVisible(chromedp.ID("step-map")))
	b.do(t, "choose to update", chromedp.Click(chromedp.ID("dup-update")))
	b.do(t, "go to the summary", chromedp.Click(chromedp.ID("to-summary")), chromedp.WaitVisible(chromedp.ID("step-summary")))
	id := b.startAndFinish(t, "completed")
	mary := b.customerByEmail(t, "mary@revert.example")
	if _, err := b.env.st.UpdateCustomer(ctx, mary.AccountNumber, func(c *crm.Customer) error {
		c.Set("comments", "called back; keep her")
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	b.do(t, "open the revert's preview", chromedp.Navigate(b.url+"/imports/"+id),
		chromedp.Click(chromedp.ID("revert")), chromedp.WaitVisible(chromedp.ID("revert-preview")))
	for el, want := range map[string]string{"preview-deleted": "1", "preview-restored": "1", "preview-kept": "1"} {
		if got := b.text(t, el); got != want {
			t.Errorf("preview #%s = %s, want %s", el, got, want)
		}
	}
	if got := b.text(t, "preview-kept-list"); !strings.Contains(got, "Created by the import, then edited by hand: kept") {
		t.Errorf("the preview lists as kept:\n%s\nwant Mary, edited since", got)
	}
	b.shot(t, "6-revert.png")
	b.do(t, "at a phone's width", chromedp.EmulateViewport(390, 844))
	if w := js[int](t, b, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("the revert's preview is %d px wide at a 390 px screen", w)
	}
	b.do(t, "back to a desktop's width", chromedp.EmulateViewport(1280, 900))

	b.do(t, "revert", chromedp.Click(chromedp.ID("revert-confirm")), chromedp.WaitVisible(chromedp.ID("revert-result")))
	b.wait(t, "the revert to end", `document.getElementById('revert-result').dataset.status === 'completed'`, time.Minute)
	if got := b.text(t, "revert-status"); !strings.HasPrefix(got, "Reverted") {
		t.Errorf("the page says %q, want it reverted", got)
	}
	for el, want := range map[string]string{"reverted-deleted": "1", "reverted-restored": "1", "reverted-kept": "1"} {
		if got := b.text(t, el); got != want {
			t.Errorf("#%s = %s, want %s", el, got, want)
		}
	}
	if js[bool](t, b, `!!document.getElementById('revert')`) {
		t.Error("Revert is still offered for an import reverted once")
	}
	b.shot(t, "7-reverted.png")
	if got, err := b.env.st.GetCustomer(ctx, ada.AccountNumber); err != nil || got.Get("last_name") != "Byron" || got.Get("company") != "Analytical" {
		t.Errorf("Ada after the revert: %v, %v; want her values from before", got, err)
	}
	if b.customerByEmail(t, "charles@revert.example") != nil {
		t.Error("Charles, created by the import, is still there")
	}
	if b.customerByEmail(t, "mary@revert.example") == nil {
		t.Error("Mary, edited since, must stay")
	}
}

// customerByEmail is the customer with the email, or nil.
func (b *browser) customerByEmail(t *testing.T, email string) *crm.Customer {
	t.Helper()
	var found *crm.Customer
	err := b.env.st.EachCustomer(context.Background(), func(c *crm.Customer) error {
		if c.Get("email") == email {
			found = c
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}
