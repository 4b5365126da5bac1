package web

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserFieldDefault creates a picklist field as an admin would: the
// default is chosen from the values as they are typed, and only the inputs
// of the chosen type are shown and sent.
func TestBrowserFieldDefault(t *testing.T) {
	b := newBrowser(t)
	defer b.checkScripts(t)
	b.do(t, "open the new-field form", chromedp.Navigate(b.url+"/fields/new"), chromedp.WaitVisible(chromedp.ID("label")))
	shown := func() string {
		return js[string](t, b, `['default', 'default-pick', 'default-check', 'values', 'max_length'].filter(id => {
			const e = document.getElementById(id);
			return !e.disabled && !e.closest('[hidden]');
		}).join(',')`)
	}
	if got := shown(); got != "default,max_length" {
		t.Errorf("a text field's form offers %s", got)
	}
	b.do(t, "label the field", chromedp.SendKeys(chromedp.ID("label"), "Loyalty tier"))
	b.choose(t, "type", "picklist")
	if got := shown(); got != "default-pick,values" {
		t.Errorf("a picklist's form offers %s", got)
	}
	b.do(t, "type the values", chromedp.SendKeys(chromedp.ID("values"), "Gold\nSilver\ngold\nBronze"))
	options := func() string {
		return js[string](t, b, `[...document.getElementById('default-pick').options].map(o => o.value || '(none)').join(',')`)
	}
	if got := options(); got != "(none),Gold,Silver,Bronze" {
		t.Errorf("the default offers %s, want no default and the values once each", got)
	}
	b.choose(t, "default-pick", "Silver")
	// A value removed from the list is no longer offered, nor chosen.
	b.do(t, "remove Silver", chromedp.SetValue(chromedp.ID("values"), "Gold\nBronze"))
	js[bool](t, b, `document.getElementById('values').dispatchEvent(new Event('input'))`)
	if got, chosen := options(), js[string](t, b, `document.getElementById('default-pick').value`); got != "(none),Gold,Bronze" || chosen != "" {
		t.Errorf("after removing Silver the default offers %s with %q chosen", got, chosen)
	}
	b.do(t, "put Silver back", chromedp.SendKeys(chromedp.ID("values"), "\nSilver"))
	b.choose(t, "default-pick", "Silver")
	b.choose(t, "type", "checkbox")
	if got := shown(); got != "default-check" {
		t.Errorf("a checkbox's form offers %s", got)
	}
	b.choose(t, "type", "picklist")
	b.do(t, "create the field",
		chromedp.Click(chromedp.CSS(`form.record button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("custom-fields")),
	)
	sc, err := b.env.st.Schema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	f, ok := sc.Field("loyalty_tier")
	if !ok || f.Default != "Silver" || strings.Join(f.Values, ",") != "Gold,Bronze,Silver" || f.MaxLength != 85 {
		t.Errorf("the field created: %+v", f)
	}
}
