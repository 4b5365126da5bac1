package web

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserTemplates drives the wizard through the two ways a file that
// comes again is mapped without the user doing it again: remembered from
// the last import of the same header, and a named template.
func TestBrowserTemplates(t *testing.T) {
	b := newBrowser(t)
	t.Run("RememberedMapping", b.rememberedMapping)
	t.Run("SaveAndApplyTemplate", b.saveAndApplyTemplate)
}

// rememberedMapping completes a first import with a column mapped by hand;
// the next file with the same header arrives mapped as it was, with the
// reason beside the column.
func (b *browser) rememberedMapping(t *testing.T) {
	defer b.checkScripts(t)
	b.upload(t, "march.csv", "First Name,Last Name,Email,Cell No.\nAda,Lovelace,ada@remember.example,+44 7700 900001\n")
	b.do(t, "go to the mapping", chromedp.Click(chromedp.ID("to-map")), chromedp.WaitVisible(chromedp.ID("step-map")))
	if got := js[string](t, b, `document.getElementById('map-alternative').value`); got != "" {
		t.Fatalf("Cell No. is mapped to Alternative before anyone did it: %q", got)
	}
	b.choose(t, "map-alternative", "Cell No.")
	b.do(t, "choose to update", chromedp.Click(chromedp.ID("dup-update")), chromedp.WaitVisible(chromedp.ID("rule-email")))
	b.choose(t, "update-default", "fill-empty")
	b.do(t, "go to the summary", chromedp.Click(chromedp.ID("to-summary")), chromedp.WaitVisible(chromedp.ID("step-summary")))
	first := b.startAndFinish(t, "completed")

	b.upload(t, "april.csv", "First Name,Last Name,Email,Cell No.\nGrace,Hopper,grace@remember.example,+1 202 555 0102\n")
	b.do(t, "go to the mapping", chromedp.Click(chromedp.ID("to-map")), chromedp.WaitVisible(chromedp.ID("step-map")))
	if got := js[string](t, b, `document.getElementById('map-alternative').value`); got != "Cell No." {
		t.Errorf("the second file's Cell No. is mapped to %q, want Alternative as in the first import", got)
	}
	// The date is the first import's, as the server writes it (UTC).
	want := fmt.Sprintf("As in import %s of %s.", first, time.Now().UTC().Format("2006-01-02"))
	if why := b.text(t, "why-alternative"); why != want {
		t.Errorf("the reason beside Alternative is %q, want %q", why, want)
	}
	if why := b.text(t, "why-first_name"); why != want {
		t.Errorf("the reason beside First Name is %q, want %q", why, want)
	}
	// Its options come along: update existing customers, filling only
	// their empty fields.
	if !js[bool](t, b, `document.getElementById('dup-update').checked`) || js[string](t, b, `document.getElementById('update-default').value`) != "fill-empty" {
		t.Errorf("the second file's options are not the first import's (update, fill-empty)")
	}
	b.shot(t, "2-map-remembered.png")
}

// saveAndApplyTemplate maps a file by hand, saves the mapping as a template
// from the wizard (with the keyboard), then applies it to a file whose
// header is written another way: the columns are mapped, with the
// template's reason beside each, and its options chosen. Its headers share
// none with the files above, whose completed import would pre-map them.
func (b *browser) saveAndApplyTemplate(t *testing.T) {
	defer b.checkScripts(t)
	b.upload(t, "shop march.csv", "Given;Family;Mail;Handy;Tier\nAnn;Lee;ann@shop.example;555 0100;Gold\n")
	b.do(t, "go to the mapping", chromedp.Click(chromedp.ID("to-map")), chromedp.WaitVisible(chromedp.ID("step-map")))
	b.wait(t, "the template list to load", `document.getElementById('template').options[0].textContent === 'No template saved yet'`, 10*time.Second)
	if !js[bool](t, b, `document.getElementById('template-apply').disabled`) {
		t.Error("Apply is possible with no template saved")
	}
	b.choose(t, "map-first_name", "Given")
	b.choose(t, "map-last_name", "Family")
	b.choose(t, "map-alternative", "Handy")
	b.do(t, "choose to update", chromedp.Click(chromedp.ID("dup-update")))
	b.choose(t, "date-format", "DD/MM/YYYY")
	b.do(t, "keep records without their bad values", chromedp.Click(chromedp.ID("keep-record")))

	// Saved with the keyboard: a name, then Enter.
	b.do(t, "name the template", chromedp.SendKeys(chromedp.ID("template-name"), "Shop export\n"))
	b.wait(t, "the template to be saved", `document.getElementById('template-status').textContent.startsWith('Saved the template')`, 10*time.Second)
	if got := b.text(t, "template-status"); got != "Saved the template “Shop export”. Apply it to the next file of this kind." {
		t.Errorf("after saving, the page says %q", got)
	}
	if got := js[[]string](t, b, `[...document.getElementById('template').options].map(o => o.textContent)`); strings.Join(got, "|") != "— choose a template —|Shop export" {
		t.Errorf("the template list: %q", got)
	}
	// Saving the name again is refused until the user chooses to replace.
	b.do(t, "save again", chromedp.Click(chromedp.ID("template-save")))
	b.wait(t, "the name to be refused", `!document.getElementById('template-replace').hidden`, 10*time.Second)
	if got := b.text(t, "template-status"); got != "A template named “Shop export” exists: choose another name, or replace it." {
		t.Errorf("saving a name in use says %q", got)
	}
	b.do(t, "replace it", chromedp.Click(chromedp.ID("template-replace")))
	b.wait(t, "the template to be replaced", `document.getElementById('template-status').textContent.startsWith('Replaced the template')`, 10*time.Second)

	// The next month's file, its header written another way.
	b.upload(t, "shop april.csv", "GIVEN,FAMILY,MAIL,handy,Tier\nBo,Ng,bo@shop.example,555 0101,Silver\n")
	b.do(t, "go to the mapping", chromedp.Click(chromedp.ID("to-map")), chromedp.WaitVisible(chromedp.ID("step-map")))
	if got := js[string](t, b, `document.getElementById('map-first_name').value`); got != "" {
		t.Fatalf("GIVEN is mapped before the template is applied: %q", got)
	}
	b.wait(t, "the template list to load", `[...document.getElementById('template').options].some(o => o.value === 'Shop export')`, 10*time.Second)
	b.choose(t, "template", "Shop export")
	b.do(t, "apply the template", chromedp.Click(chromedp.ID("template-apply")))
	b.wait(t, "the template to be applied", `document.getElementById('template-status').textContent.startsWith('Applied')`, 10*time.Second)
	if got := b.text(t, "template-status"); got != "Applied the template “Shop export”: it mapped 4 columns. Check the mapping below." {
		t.Errorf("after applying, the page says %q", got)
	}
	for field, col := range map[string]string{"first_name": "GIVEN", "last_name": "FAMILY", "email": "MAIL", "alternative": "handy"} {
		if got := js[string](t, b, fmt.Sprintf(`document.getElementById('map-%s').value`, field)); got != col {
			t.Errorf("%s is mapped to %q, want %q", field, got, col)
		}
		if why := b.text(t, "why-"+field); why != `From template "Shop export".` {
			t.Errorf("the reason beside %s is %q", field, why)
		}
	}
	if !js[bool](t, b, `document.getElementById('dup-update').checked && !document.getElementById('update-rules').hidden`) {
		t.Error("the template's duplicate policy, update, is not chosen")
	}
	if got := js[string](t, b, `document.getElementById('date-format').value`); got != "DD/MM/YYYY" {
		t.Errorf("the date format is %q, want the template's DD/MM/YYYY", got)
	}
	if !js[bool](t, b, `document.getElementById('keep-record').checked`) {
		t.Error("the template's choice to keep records without their bad values is not ticked")
	}
	b.shot(t, "2-map-template.png")

	// On a phone the map step, templates included, fits the width.
	b.do(t, "narrow the window", chromedp.EmulateViewport(390, 844))
	if w := js[int](t, b, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("at 390 px the map step is %d px wide", w)
	}
	b.shot(t, "2-map-template-phone.png")
	b.do(t, "widen the window", chromedp.EmulateViewport(1280, 900))

	// The import runs as the template mapped it.
	b.do(t, "go to the summary", chromedp.Click(chromedp.ID("to-summary")), chromedp.WaitVisible(chromedp.ID("step-summary")))
	if got := b.text(t, "sum-mapping"); !strings.Contains(got, "GIVENFirst Name") || !strings.Contains(got, "handyAlternative") {
		t.Errorf("the summary's mapping: %s", got)
	}
	b.startAndFinish(t, "completed")
	if got := b.text(t, "created"); got != "1" {
		t.Errorf("created %s, want 1", got)
	}
}
