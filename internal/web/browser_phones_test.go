package web

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// phoneOptions sets the wizard's phone options: the import's country, the
// column of each row's country, and the check that rejects what is not a
// number, each shown in the summary and acted on by the dry run.
func (b *browser) phoneOptions(t *testing.T) {
	defer b.checkScripts(t)
	b.upload(t, "phones.csv", "First Name,Last Name,Email,Phone,Country\n"+
		"Ann,Lee,ann@phones.example,020 7946 0958,\n"+
		"Bob,Ray,bob@phones.example,(202) 555-0143,USA\n"+
		"Cy,Orr,cy@phones.example,020 7946 095,\n")
	b.do(t, "go to the mapping", chromedp.Click(chromedp.ID("to-map")), chromedp.WaitVisible(chromedp.ID("step-map")))
	js[bool](t, b, `(() => {
		const c = document.getElementById('phone-country');
		c.value = 'gb';
		return c.dispatchEvent(new Event('change', {bubbles: true}));
	})()`)
	b.choose(t, "country-column", "Country")
	b.do(t, "check phone numbers", chromedp.Click(chromedp.ID("check-phones")))
	b.shot(t, "2-map-phones.png")
	b.do(t, "go to the summary", chromedp.Click(chromedp.ID("to-summary")), chromedp.WaitVisible(chromedp.ID("step-summary")))
	if got := b.text(t, "dry-rejected"); got != "1" {
		t.Errorf("checked: %s rejected, want 1", got)
	}
	if got := b.text(t, "dry-errors"); !strings.Contains(got, "Voice is too short for a phone number of GB.") {
		t.Errorf("the dry run's errors: %s", got)
	}
	if got := b.text(t, "sum-options"); !strings.Contains(got, "Phone numbersgb, or the row’s column Country; checked") {
		t.Errorf("the summary's options: %s", got)
	}
	b.do(t, "back to the mapping", chromedp.Click(chromedp.ID("back-map")), chromedp.WaitVisible(chromedp.ID("step-map")))
	if !js[bool](t, b, `document.getElementById('check-phones').checked && document.getElementById('country-column').value === 'Country'`) {
		t.Error("after Back, the phone options are not as chosen")
	}
	b.do(t, "do not check phone numbers", chromedp.Click(chromedp.ID("check-phones")))
	b.do(t, "summary again", chromedp.Click(chromedp.ID("to-summary")), chromedp.WaitVisible(chromedp.ID("step-summary")))
	if got := b.text(t, "dry-rejected"); got != "0" {
		t.Errorf("not checked: %s rejected, want 0", got)
	}
	if got := b.text(t, "dry-warnings"); !strings.Contains(got, "1 phone value is not a phone number of its country") {
		t.Errorf("the warnings: %s", got)
	}
}
