package web

import (
	"context"
	"fmt"
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

// cancelThenResume cancels a running import as a person would, which asks
// first and says what stays, then thinks again and resumes it: every
// record is loaded once.
func (b *browser) cancelThenResume(t *testing.T) {
	defer b.checkScripts(t)
	const n = 4000
	var sb strings.Builder
	sb.WriteString("First Name,Last Name,Email\n")
	for i := range n {
		fmt.Fprintf(&sb, "Person%d,Cancelled,person%d@cancel.example\n", i, i)
	}
	b.upload(t, "cancel.csv", sb.String())
	b.do(t, "go to the mapping", chromedp.Click(chromedp.ID("to-map")), chromedp.WaitVisible(chromedp.ID("step-map")))
	b.do(t, "set the batch size", chromedp.SetValue(chromedp.ID("batch-size"), "2")) // slow enough to cancel midway
	js[bool](t, b, `document.getElementById('batch-size').dispatchEvent(new Event('change'))`)
	b.do(t, "go to the summary", chromedp.Click(chromedp.ID("to-summary")), chromedp.WaitVisible(chromedp.ID("step-summary")))
	b.do(t, "start", chromedp.Click(chromedp.ID("start")), chromedp.WaitVisible(chromedp.ID("progress")))
	b.wait(t, "progress", `Number(document.getElementById('processed').textContent.replace(/,/g, '')) >= 10`, time.Minute)

	b.do(t, "cancel", chromedp.Click(chromedp.ID("cancel")), chromedp.WaitVisible(chromedp.ID("confirm-q")))
	if q := b.text(t, "confirm-q"); !strings.HasPrefix(q, "Cancel import #") {
		t.Errorf("cancelling asks %q", q)
	}
	if js[bool](t, b, `!/you can resume it, to load the rest, or revert it/.test(document.querySelector('.confirm p').textContent)`) {
		t.Error("the confirmation does not say what can be done afterwards")
	}
	b.do(t, "confirm", chromedp.Click(chromedp.CSS(`.confirm button.danger`)), chromedp.WaitVisible(chromedp.ID("progress")))
	b.wait(t, "the import to stop", `document.getElementById('progress').dataset.status === 'cancelled' && document.getElementById('cancelled-note')`, time.Minute)
	if js[bool](t, b, `!document.getElementById('resume') || !document.getElementById('revert')`) {
		t.Fatal("a cancelled import offers neither Resume nor Revert")
	}
	b.do(t, "resume", chromedp.Click(chromedp.ID("resume")), chromedp.WaitVisible(chromedp.ID("progress")))
	b.wait(t, "the import to complete", `document.getElementById('progress').dataset.status === 'completed' && document.getElementById('report')`, 3*time.Minute)
	if got := b.text(t, "created"); got != "4,000" {
		t.Errorf("created %s after the resume, want 4,000", got)
	}
}
