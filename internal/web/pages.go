package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"localcrm/internal/crm"
)

// The pages' templates and static files are part of the binary, so that the
// server needs nothing beside it and there is no front-end build step.
var (
	//go:embed templates/*.html
	templateFiles embed.FS
	//go:embed static
	staticFiles embed.FS
)

// pages serves the HTML pages. It holds the parsed templates next to the
// handler's dependencies, so that nothing about the pages is package state.
type pages struct {
	*Handler
	tmpl map[string]*template.Template // page file name → layout plus that page
}

// Tabs of the CRM page.
const (
	tabCustomers = "customers"
	tabFields    = "fields"
	tabImports   = "imports"
)

// pageMeta is what the layout needs from every page. render fills in Me.
type pageMeta struct {
	Title string
	Tab   string // the tab shown as current
	Flash string // a one-line confirmation of what the last form did: see page_flash.go
	Alert string // a one-line error not tied to a form field
	// Invalid lists the inputs of a refused form with their problems, in
	// the form's order. With Alert, the layout shows them as the page's
	// error summary, which takes the keyboard focus and links to each
	// input, so that nobody has to hunt for what went wrong.
	Invalid []invalidInput
	Me      *crm.User
}

// invalidInput is one input of a refused form: its id and its problem.
type invalidInput struct {
	ID      string
	Message string
}

// invalidInputs lists the problems of errs (input name → message) in the
// order of names, for forms whose inputs' ids are their names.
func invalidInputs(errs map[string]string, names ...string) []invalidInput {
	var in []invalidInput
	for _, name := range names {
		if msg := errs[name]; msg != "" {
			in = append(in, invalidInput{ID: name, Message: msg})
		}
	}
	return in
}

func (m *pageMeta) meta() *pageMeta { return m }

// Can reports whether the signed-in user's role allows what needs role, so
// that a page shows only the controls its reader may use.
func (m *pageMeta) Can(role string) bool {
	return m.Me != nil && m.Me.Role.Allows(crm.Role(role))
}

// pageFuncs are the few helpers templates use to format values.
var pageFuncs = template.FuncMap{
	"thousands": func(n int) string { return pageThousands(int64(n)) },
	"pageTime":  pageTime,
	"statusLabel": func(s crm.ImportStatus) string {
		return strings.ReplaceAll(string(s), "_", " ")
	},
	"add":       func(a, b int) int { return a + b },
	"breakable": pageBreakable,
}

// pageBreakable writes a file name so that it wraps where its words end:
// at spaces and hyphens, as any text, and after the _ and . that join the
// words of names such as contacts_export_2024.csv; never inside a word.
func pageBreakable(s string) template.HTML {
	var b strings.Builder
	for _, r := range s {
		b.WriteString(template.HTMLEscapeString(string(r)))
		if r == '_' || r == '.' {
			b.WriteString("<wbr>")
		}
	}
	return template.HTML(b.String())
}

// parsePageTemplates parses each page file together with the layout. The
// templates are embedded, so a parse error is a bug caught by any test.
func parsePageTemplates() map[string]*template.Template {
	layout := template.Must(template.New("layout.html").Funcs(pageFuncs).ParseFS(templateFiles, "templates/layout.html"))
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		panic(err)
	}
	m := make(map[string]*template.Template, len(names))
	for _, name := range names {
		base := path.Base(name)
		if base == "layout.html" {
			continue
		}
		m[base] = template.Must(template.Must(layout.Clone()).ParseFS(templateFiles, name))
	}
	return m
}

// render writes a page with status, executing the template into a buffer
// first so that a failing template never leaves half a page.
//
// data is a pointer to a struct that embeds pageMeta; render sets its Me to
// the signed-in user, for the layout and the page's controls.
func (p *pages) render(w http.ResponseWriter, r *http.Request, status int, name string, data interface{ meta() *pageMeta }) {
	t, ok := p.tmpl[name]
	if !ok {
		p.pageFail(w, r, fmt.Errorf("no template %s", name))
		return
	}
	if c := callerFrom(r.Context()); c != nil {
		data.meta().Me = c.user
	}
	if flash := p.takeFlash(w, r); flash != "" && data.meta().Flash == "" {
		data.meta().Flash = flash
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", data); err != nil {
		p.pageFail(w, r, fmt.Errorf("render %s: %w", name, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// errorPage is the page shown for a missing thing or an unexpected error.
type errorPage struct {
	pageMeta
	Message string
}

// pageError answers a request whose handling failed: not found and invalid
// kinds get their status and message, anything else is logged once and shown
// as a generic error.
func (p *pages) pageError(w http.ResponseWriter, r *http.Request, tab string, err error) {
	switch {
	case errors.Is(err, crm.ErrNotFound):
		p.render(w, r, http.StatusNotFound, "error.html", &errorPage{
			pageMeta: pageMeta{Title: "Not found", Tab: tab},
			Message:  pageSentence(err.Error()),
		})
	case errors.Is(err, crm.ErrInvalid), errors.Is(err, crm.ErrConflict):
		p.render(w, r, http.StatusUnprocessableEntity, "error.html", &errorPage{
			pageMeta: pageMeta{Title: "Cannot do that", Tab: tab},
			Message:  err.Error(),
		})
	case errors.Is(err, crm.ErrUnavailable):
		p.Log.Warn("page: database unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
		w.Header().Set("Retry-After", "5")
		p.render(w, r, http.StatusServiceUnavailable, "error.html", &errorPage{
			pageMeta: pageMeta{Title: "Try again in a moment", Tab: tab},
			Message:  unavailableMessage,
		})
	default:
		p.pageFail(w, r, err)
	}
}

// forbidden answers a signed-in user whose role may not open the page.
func (p *pages) forbidden(w http.ResponseWriter, r *http.Request, msg string) {
	p.render(w, r, http.StatusForbidden, "error.html", &errorPage{
		pageMeta: pageMeta{Title: "Not allowed"},
		Message:  msg,
	})
}

// pageFail logs an unexpected error and shows a generic message: the
// details are for the log, not for the browser.
func (p *pages) pageFail(w http.ResponseWriter, r *http.Request, err error) {
	p.Log.Error("page", "method", r.Method, "path", r.URL.Path, "err", err)
	http.Error(w, "Something went wrong on the server; the details are in its log.", http.StatusInternalServerError)
}

// pageNotFound renders the not-found page for a path parameter that cannot
// name anything, such as a non-numeric account number.
func (p *pages) pageNotFound(w http.ResponseWriter, r *http.Request, tab, what string) {
	p.pageError(w, r, tab, fmt.Errorf("%s: %w", what, crm.ErrNotFound))
}

// pageUserError reports whether err is one of the kinds a person can act
// on, whose message is meant to be shown.
func pageUserError(err error) bool {
	for _, kind := range []error{crm.ErrInvalid, crm.ErrConflict, crm.ErrNotFound, crm.ErrTooLarge} {
		if errors.Is(err, kind) {
			return true
		}
	}
	return false
}

// pageSentence turns "customer 10000007: not found" into a sentence.
func pageSentence(s string) string {
	if s == "" {
		return s
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// pageThousands writes n with thin separators as people read counts.
func pageThousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// pageTime shows a time in the server's zone to the minute, or a dash.
func pageTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.Local().Format("2006-01-02 15:04")
}
