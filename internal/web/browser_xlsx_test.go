package web

import (
	"context"
	"maps"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"localcrm/internal/crm"
	"localcrm/internal/xlsx/xlsxtest"
)

// workbookTwin imports an Excel workbook through the wizard, with a date
// column and a formula, then its CSV twin, as a person would write it: both
// load the same customers.
func (b *browser) workbookTwin(t *testing.T) {
	defer b.checkScripts(t)
	ctx := context.Background()
	if err := b.env.st.CreateField(ctx, &crm.Field{Key: "joined", Label: "Joined", Type: crm.TypeDate}); err != nil {
		t.Fatal(err)
	}
	book := xlsxtest.Build(t, func(f *excelize.File) {
		date, err := f.NewStyle(&excelize.Style{NumFmt: 14})
		if err != nil {
			t.Fatal(err)
		}
		xlsxtest.Stream(t, f, "Sheet1", [][]any{
			{"First Name", "Last Name", "Email", "Joined", "Company", "Phone"},
			{"Hedy", "Lamarr", "hedy@book.example", excelize.Cell{StyleID: date, Value: 33970}, excelize.Cell{Formula: `B2&" Labs"`, Value: "Lamarr Labs"}, 4155550132},
			{"Katherine", "Johnson", "kj@book.example", excelize.Cell{StyleID: date, Value: 45306}, excelize.Cell{Formula: `B3&" Labs"`, Value: "Johnson Labs"}, 2079460958},
		})
		xlsxtest.Stream(t, f, "Prospects", [][]any{{"First Name", "Last Name", "Email"}, {"Grace", "Hopper", "grace@book.example"}})
	})
	twin := "First Name,Last Name,Email,Joined,Company,Phone\n" +
		"Hedy,Lamarr,hedy@book.example,01/01/1993,Lamarr Labs,4155550132\n" +
		"Katherine,Johnson,kj@book.example,01/15/2024,Johnson Labs,2079460958\n"

	load := func(name, content string) map[string]map[string]string {
		b.upload(t, name, content)
		b.do(t, "go to the mapping", chromedp.Click(chromedp.ID("to-map")), chromedp.WaitVisible(chromedp.ID("step-map")))
		b.do(t, "go to the summary", chromedp.Click(chromedp.ID("to-summary")), chromedp.WaitVisible(chromedp.ID("step-summary")))
		b.startAndFinish(t, "completed")
		got := map[string]map[string]string{}
		err := b.env.st.EachCustomer(ctx, func(c *crm.Customer) error {
			if email := c.Get("email"); email == "hedy@book.example" || email == "kj@book.example" {
				got[email] = maps.Clone(c.Values)
				if err := b.env.st.DeleteCustomer(ctx, c.AccountNumber); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	b.upload(t, "book.xlsx", string(book))
	if got := b.text(t, "info-encoding"); got != "Excel workbook, sheet “Sheet1”" {
		t.Errorf("step 1 says the workbook is %q", got)
	}
	// Another sheet is one choice away, read at once.
	if js[bool](t, b, `document.getElementById('sheet-field').hidden || !document.getElementById('encoding-field').hidden`) {
		t.Error("step 1 offers no choice of sheet, or an encoding, for a workbook")
	}
	b.choose(t, "sheet", "Prospects")
	b.wait(t, "the other sheet to be read", `document.getElementById('info-encoding').textContent === 'Excel workbook, sheet “Prospects”' && document.getElementById('info-records').textContent === '1'`, 10*time.Second)
	fromBook := load("book.xlsx", string(book))
	fromTwin := load("twin.csv", twin)
	if len(fromBook) != 2 || !maps.EqualFunc(fromBook, fromTwin, maps.Equal) {
		t.Errorf("the workbook loaded %v\nits CSV twin %v", fromBook, fromTwin)
	}
	if got := fromBook["hedy@book.example"]; got["joined"] != "1993-01-01" || got["company"] != "Lamarr Labs" {
		t.Errorf("Hedy from the workbook: %v, want her date and the formula's value", got)
	}
}
