package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"localcrm/internal/crm"
	"localcrm/internal/importer"
)

// pageImportCSV has two good records and one with a bad date.
const pageImportCSV = "First Name;Last Name;E-mail;Since\n" +
	"Ada;Lovelace;ada@example.com;12/10/1815\n" +
	"Grace;Hopper;grace@example.com;02/30/1906\n" +
	"Alan;Turing;alan@example.com;06/23/1912\n"

// pageImport uploads content as a pending import with its suggested
// mapping.
func (e *pageEnv) pageImport(t *testing.T, content string) *crm.Import {
	t.Helper()
	ctx := context.Background()
	if _, ok := e.field(t, "since"); !ok {
		if err := e.st.CreateField(ctx, &crm.Field{Key: "since", Label: "Since", Type: crm.TypeDate}); err != nil {
			t.Fatal(err)
		}
	}
	p, err := e.im.Create(ctx, importer.Upload{Name: "people.csv", Body: strings.NewReader(content), CreatedBy: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return p.Import
}

// runImport starts a pending import in the background and waits for its end.
func (e *pageEnv) runImport(t *testing.T, id int64) *crm.Import {
	t.Helper()
	if _, err := e.run.Start(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		imp, err := e.im.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if imp.Status.Finished() {
			return imp
		}
		if time.Now().After(deadline) {
			t.Fatalf("import %d is still %s", id, imp.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestPageImportWizard(t *testing.T) {
	e := newPageEnv(t)
	if err := e.st.CreateField(context.Background(), &crm.Field{Key: "tier", Label: "Tier", Type: crm.TypePicklist, Values: []string{"Gold"}}); err != nil {
		t.Fatal(err)
	}
	r := e.get(t, "/imports/new")
	r.want(t, http.StatusOK, `aria-current="page">Imports`, "1. Choose file", "2. Map columns to fields", "3. Summary",
		`<label for="file">CSV file `, `<label for="encoding">Encoding</label>`, `<label for="delimiter">Delimiter</label>`,
		`aria-current="step"`, "Choose file", "Progress", "Report", `src="/static/wizard.js"`)

	// The script gets the fields, standard then custom, and the options.
	m := regexp.MustCompile(`(?s)<script type="application/json" id="wizard-data">(.*?)</script>`).FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatal("no wizard data")
	}
	var data wizardData
	if err := json.Unmarshal([]byte(m[1]), &data); err != nil {
		t.Fatalf("wizard data: %v\n%s", err, m[1])
	}
	if data.Fields[0].Key != crm.KeyAccountNumber || data.Fields[1].Key != crm.KeyFirstName || data.Fields[len(data.Fields)-1].Key != "tier" {
		t.Errorf("fields: first %s, %s, last %s", data.Fields[0].Key, data.Fields[1].Key, data.Fields[len(data.Fields)-1].Key)
	}
	if len(data.Duplicates) != 3 || data.Duplicates[0].Value != "reject" || data.DateFormats[0].Value != "MM/DD/YYYY" || data.BatchSize != 100 {
		t.Errorf("options: %+v %+v %d", data.Duplicates, data.DateFormats, data.BatchSize)
	}
}

func TestPageImportReport(t *testing.T) {
	e := newPageEnv(t)
	imp := e.pageImport(t, pageImportCSV)
	path := fmt.Sprintf("/imports/%d", imp.ID)

	// Not started yet: it can be discarded.
	e.get(t, path).want(t, http.StatusOK, "set up but never started", "Discard this import", `data-status="pending"`)

	imp = e.runImport(t, imp.ID)
	if imp.Status != crm.ImportCompletedWithErrors || imp.Counts.Created != 2 || imp.Counts.Rejected != 1 {
		t.Fatalf("import: %s %+v", imp.Status, imp.Counts)
	}
	r := e.get(t, path)
	r.want(t, http.StatusOK, "5. Report", "completed with errors", `aria-current="step"><span class="n" aria-hidden="true">5</span> Report`,
		`<dd id="created">2</dd>`, `<dd id="rejected">1</dd>`,
		`href="/api/v1/imports/`+fmt.Sprint(imp.ID)+`/report.csv"`, "/rejects.csv", "/report.json",
		`<td data-label="Line">3</td><td data-label="Field">Since</td><td data-label="Value" class="value">02/30/1906</td>`,
		"Since is not a real calendar date", "E-mail", "Email")
	if strings.Contains(r.Body, "/static/import.js") {
		t.Error("a finished import's page follows events")
	}

	// An import that rejected nothing offers no rejects file.
	clean := e.runImport(t, e.pageImport(t, "First Name;Last Name;E-mail\nEdsger;Dijkstra;edsger@example.com\n").ID)
	if clean.Status != crm.ImportCompleted {
		t.Fatalf("the clean import: %s %+v", clean.Status, clean.Counts)
	}
	cleanRejects := fmt.Sprintf("/api/v1/imports/%d/rejects.csv", clean.ID)
	if r := e.get(t, fmt.Sprintf("/imports/%d", clean.ID)); strings.Contains(r.Body, cleanRejects) || strings.Contains(r.Body, `class="bad"`) {
		t.Errorf("the report of an import that rejected nothing offers its rejects file, or shows a count in red:\n%s", r.Body)
	}

	r = e.get(t, "/imports")
	r.want(t, http.StatusOK, fmt.Sprintf(`href="/imports/%d"`, imp.ID), "people.csv", "completed with errors",
		`data-label="Processed" class="num">3 of 3`, `data-label="Rejected" class="num">1`, fmt.Sprintf("/api/v1/imports/%d/rejects.csv", imp.ID))
	if strings.Contains(r.Body, "Resume import") {
		t.Error("a completed import offers Resume")
	}
	if strings.Contains(r.Body, cleanRejects) {
		t.Error("the list offers the rejects file of an import that rejected nothing")
	}
	e.get(t, "/imports/999").want(t, http.StatusNotFound)
	e.get(t, "/imports/x").want(t, http.StatusNotFound)
}

func TestPageImportCancelAndResume(t *testing.T) {
	e := newPageEnv(t)
	imp := e.pageImport(t, pageImportCSV)
	path := fmt.Sprintf("/imports/%d", imp.ID)
	e.get(t, path+"/cancel").want(t, http.StatusOK, fmt.Sprintf("Discard import #%d", imp.ID), "never started", `action="`+path+`/cancel"`)
	e.post(t, path+"/cancel", nil).redirect(t, path)
	e.get(t, path).want(t, http.StatusOK, "cancelled", "The import was discarded")
	e.get(t, path+"/cancel").want(t, http.StatusConflict, "is already cancelled")
	e.post(t, path+"/cancel", nil).want(t, http.StatusConflict, "is already cancelled")
	e.post(t, path+"/resume", nil).want(t, http.StatusConflict, "nothing to resume")

	// An import whose worker died is shown as interrupted, with Resume.
	imp = e.pageImport(t, pageImportCSV)
	path = fmt.Sprintf("/imports/%d", imp.ID)
	if err := e.st.ClaimImport(context.Background(), imp.ID, crm.ImportPending, "gone-host:1"); err != nil {
		t.Fatal(err)
	}
	e.store(t, imp.ID, func(i *crm.Import) { i.HeartbeatAt = time.Now().Add(-time.Hour) })
	e.get(t, "/imports").want(t, http.StatusOK, "interrupted", fmt.Sprintf(`aria-label="Resume import %d"`, imp.ID))
	e.get(t, path).want(t, http.StatusOK, "stopped before the end", "Resume import")
	e.post(t, path+"/resume", nil).redirect(t, path)
	e.get(t, path).want(t, http.StatusOK, "The import resumes from its last committed batch.")
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, err := e.im.Get(context.Background(), imp.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status.Finished() {
			if got.Counts.Created != 2 {
				t.Errorf("resumed import created %d", got.Counts.Created)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("resumed import still %s", got.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// store changes a stored import.
func (e *pageEnv) store(t *testing.T, id int64, change func(*crm.Import)) {
	t.Helper()
	imp, err := e.st.GetImport(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	change(imp)
	if err := e.st.UpdateImport(context.Background(), imp); err != nil {
		t.Fatal(err)
	}
}
