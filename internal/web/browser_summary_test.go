package web

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"localcrm/internal/crm"
)

// summaryWarnings checks the file as the summary shows it before Start: a
// column that will not be imported is named, and the problems come
// grouped by kind with their counts, each kind's rows downloadable.
func (b *browser) summaryWarnings(t *testing.T) {
	defer b.checkScripts(t)
	var sb strings.Builder
	sb.WriteString("First Name,Last Name,Email,Shoe Size\n")
	for i := range 30 {
		email := fmt.Sprintf("p%d@summary.example", i)
		if i%10 == 3 {
			email = fmt.Sprintf("p%d-at-summary.example", i) // lines 5, 15, 25
		}
		fmt.Fprintf(&sb, "P%d,Q,%s,%d\n", i, email, 38+i%5)
	}
	b.upload(t, "summary.csv", sb.String())
	b.do(t, "go to the mapping", chromedp.Click(chromedp.ID("to-map")), chromedp.WaitVisible(chromedp.ID("step-map")))
	// An unmatched column can go to an existing field, from its own line.
	js[bool](t, b, `(() => {
		const s = document.querySelector('li[data-column="Shoe Size"] select.to-field');
		s.value = 'comments';
		return s.dispatchEvent(new Event('change', {bubbles: true}));
	})()`)
	if got := js[string](t, b, `document.getElementById('map-comments').value`); got != "Shoe Size" || js[bool](t, b, `document.getElementById('row-comments').hidden`) {
		t.Errorf("Comments is mapped to %q (or its row hidden), want Shoe Size in view", got)
	}
	if got := b.text(t, "samples-comments"); got != "e.g. 38 · 39 · 40" {
		t.Errorf("the samples beside Comments read %q", got)
	}
	b.choose(t, "map-comments", "")
	b.do(t, "go to the summary", chromedp.Click(chromedp.ID("to-summary")), chromedp.WaitVisible(chromedp.ID("step-summary")))
	if got := b.text(t, "dry-dropped-list"); got != "Shoe Size" {
		t.Errorf("the summary names %q as not imported, want Shoe Size", got)
	}
	groups := js[[]string](t, b, `[...document.querySelectorAll('#dry-problems > li summary')].map(s => s.textContent)`)
	if len(groups) != 1 || !strings.HasPrefix(groups[0], "3 × Email is not a valid email address") {
		t.Fatalf("problems by kind: %q, want one group of 3 bad emails", groups)
	}
	b.do(t, "open the group", chromedp.Click(chromedp.CSS(`#problem-0 summary`)))
	if got := b.text(t, "problem-0"); !strings.Contains(got, "Lines 5, 15, 25.") || !strings.Contains(got, "Download these 3 rows") {
		t.Errorf("the open group reads %q", got)
	}
	href := js[string](t, b, `document.querySelector('#problem-0 a').href`)
	body := js[string](t, b, fmt.Sprintf(`fetch(%q).then(r => r.text())`, href))
	if rows := strings.Split(strings.TrimSpace(body), "\r\n"); len(rows) != 4 || !strings.HasPrefix(rows[1], "P3,Q,p3-at-summary.example,41,") {
		t.Errorf("the group's download:\n%s\nwant the header and the 3 rows", body)
	}
	b.shot(t, "3-summary-problems.png")

	// After a cell with a line break, a record's line is not the row a
	// spreadsheet shows it on: both are given.
	b.upload(t, "notes.csv", "First Name,Last Name,Email,Notes\n"+
		"Ann,Lee,ann@notes.example,\"called twice,\nthen wrote\"\n"+
		"Bo,Ng,bo-at-notes.example,\n")
	b.do(t, "go to the mapping", chromedp.Click(chromedp.ID("to-map")), chromedp.WaitVisible(chromedp.ID("step-map")))
	b.do(t, "go to the summary", chromedp.Click(chromedp.ID("to-summary")), chromedp.WaitVisible(chromedp.ID("step-summary")))
	if got := js[string](t, b, `document.querySelector('#dry-errors tbody td').textContent`); got != "4 (row 3)" {
		t.Errorf("the rejected record is at %q, want line 4, row 3", got)
	}
}

// keepRecord chooses to keep records whose only problems are bad optional
// values: the summary says how many values will be left out, and the
// record loads without its bad value.
func (b *browser) keepRecord(t *testing.T) {
	defer b.checkScripts(t)
	if err := b.env.st.CreateField(context.Background(), &crm.Field{Key: "last_visit", Label: "Last Visit", Type: crm.TypeDate}); err != nil {
		t.Fatal(err)
	}
	b.upload(t, "keep.csv", "First Name,Last Name,Email,Last Visit\n"+
		"Kay,Ode,kay@keep.example,02/30/2019\n"+
		"Lu,Pi,lu@keep.example,03/01/2019\n")
	b.do(t, "go to the mapping", chromedp.Click(chromedp.ID("to-map")), chromedp.WaitVisible(chromedp.ID("step-map")))
	b.do(t, "keep the record", chromedp.Click(chromedp.ID("keep-record")))
	b.do(t, "go to the summary", chromedp.Click(chromedp.ID("to-summary")), chromedp.WaitVisible(chromedp.ID("step-summary")))
	if c, r := b.text(t, "dry-created"), b.text(t, "dry-rejected"); c != "2" || r != "0" {
		t.Errorf("with the record kept, the summary creates %s and rejects %s, want 2 and 0", c, r)
	}
	if got := b.text(t, "dry-warnings"); !strings.Contains(got, "1 invalid value of an optional field will be left out: its record loads without it") {
		t.Errorf("the warnings read %q", got)
	}
	b.startAndFinish(t, "completed")
	if got := b.text(t, "warnings"); !strings.Contains(got, "1 invalid value of an optional field was left out") {
		t.Errorf("the finished import's warnings read %q", got)
	}
	if kay := b.customerByEmail(t, "kay@keep.example"); kay == nil || kay.Get("last_visit") != "" {
		t.Errorf("Kay: %v, want loaded without her member-since date", kay)
	}
}
