package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"localcrm/internal/crm"
	"localcrm/internal/store"
)

// customersPerPage is how many customers one page of the list shows.
const customersPerPage = 25

// customerMaxPage bounds the page number of the list, so that the offset
// it makes stays far inside what the store accepts (2^40) whatever a link
// says; a page past the last shows the last.
const customerMaxPage = 1 << 30

// customerListPage is the Customers tab: a page of customers and the search
// that selected them.
type customerListPage struct {
	pageMeta
	Search    string
	Import    int64 // the list shows the customers this import created or updated
	MaxSearch int   // the longest search the store takes, in characters
	Refused   bool  // the search was refused; the alert says why
	Customers []customerRow
	Total     int
	From, To  int // 1-based positions of the first and last row shown
	PrevURL   string
	NextURL   string
}

// customerRow is one line of the customer list.
type customerRow struct {
	AccountNumber int64
	Name          string
	Email         string
	Company       string
	Phone         string
	Type          string
}

func (p *pages) customerList(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	page := customerPageNumber(r.URL.Query().Get("page"))
	// ?import=N lists the customers import N created or updated: its
	// report links here. The search box searches every customer.
	var imp int64
	if s := r.URL.Query().Get("import"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			p.pageNotFound(w, r, tabCustomers, fmt.Sprintf("import %q", s))
			return
		}
		imp, q = n, ""
	}
	list := func(page int) ([]*crm.Customer, int, error) {
		return p.Store.ListCustomers(r.Context(), store.CustomerFilter{
			Search: q, Import: imp, Limit: customersPerPage, Offset: (page - 1) * customersPerPage,
		})
	}
	cs, total, err := list(page)
	if err == nil && len(cs) == 0 && total > 0 && page > 1 {
		page = (total + customersPerPage - 1) / customersPerPage
		cs, total, err = list(page)
	}
	data := customerListPage{
		pageMeta:  pageMeta{Title: "Customers", Tab: tabCustomers},
		Search:    q,
		Import:    imp,
		MaxSearch: store.MaxSearchLength,
		Total:     total,
	}
	if err != nil {
		if !errors.Is(err, crm.ErrInvalid) {
			p.pageError(w, r, tabCustomers, err)
			return
		}
		// A search the store refuses (too long) is the person's to fix:
		// the list page says why, with the search box to fix it in.
		data.Alert, data.Refused = err.Error(), true
		p.render(w, r, http.StatusUnprocessableEntity, "customers.html", &data)
		return
	}
	for _, c := range cs {
		phone := c.Get("voice")
		if phone == "" {
			phone = c.Get("alternative")
		}
		data.Customers = append(data.Customers, customerRow{
			AccountNumber: c.AccountNumber, Name: c.Name(), Email: c.Get(crm.KeyEmail),
			Company: c.Get("company"), Phone: phone, Type: c.Get(crm.KeyCustomerType),
		})
	}
	if len(cs) > 0 {
		data.From = (page-1)*customersPerPage + 1
		data.To = data.From + len(cs) - 1
	}
	link := func(n int) string {
		v := url.Values{}
		if q != "" {
			v.Set("q", q)
		}
		if imp != 0 {
			v.Set("import", strconv.FormatInt(imp, 10))
		}
		if n > 1 {
			v.Set("page", strconv.Itoa(n))
		}
		if len(v) == 0 {
			return "/customers"
		}
		return "/customers?" + v.Encode()
	}
	if page > 1 {
		data.PrevURL = link(page - 1)
	}
	if page*customersPerPage < total {
		data.NextURL = link(page + 1)
	}
	p.render(w, r, http.StatusOK, "customers.html", &data)
}

// customerPageNumber reads the list's page number: 1 unless it is a whole
// number, at most customerMaxPage.
func customerPageNumber(s string) int {
	n, err := strconv.Atoi(s)
	switch {
	case errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(s, "-"):
		return customerMaxPage
	case err != nil:
		return 1
	}
	return min(max(n, 1), customerMaxPage)
}

// customerPage is a customer's view and edit form, or the form for a new
// customer.
type customerPage struct {
	pageMeta
	New      bool
	Customer *crm.Customer // nil for a new customer
	Action   string        // where the form posts
	Groups   []inputGroup
	Problems []string // problems not tied to a field of the form
}

// inputGroup is a fieldset of the customer form.
type inputGroup struct {
	Legend string
	Inputs []formInput
}

// formInput is one field of the customer form with the input its type
// calls for, its value and its error.
type formInput struct {
	Key       string
	Label     string
	Kind      string // text, textarea, email, url, tel, number, date, checkbox or select
	Value     string
	Checked   bool
	Options   []string // a select's choices
	Blank     bool     // a select offers "no value"
	MaxLength int
	Required  bool
	Hint      string
	Error     string
	Holder    int64 // for a conflict: the customer that holds the value
}

// customerFormGroups builds the form for every field of the schema but the
// account number, which localcrm assigns.
func customerFormGroups(sc *crm.Schema, values map[string]string, errs map[string]string, conflict *crm.ConflictError) []inputGroup {
	groups := []inputGroup{{Legend: "Contact"}, {Legend: "Primary address"}, {Legend: "Secondary address"}, {Legend: "Custom fields"}}
	for _, f := range sc.Fields {
		if f.Key == crm.KeyAccountNumber {
			continue
		}
		in := formInput{
			Key: f.Key, Label: f.Label, Value: values[f.Key], MaxLength: f.MaxLength,
			Required: f.Required, Error: errs[f.Key],
		}
		switch f.Type {
		case crm.TypeEmail:
			in.Kind = "email"
		case crm.TypeURL:
			in.Kind, in.Hint = "url", "A full address starting with http:// or https://."
		case crm.TypePhone:
			in.Kind = "tel"
		case crm.TypeNumber:
			in.Kind, in.Hint = "number", "Digits with an optional sign and . as the decimal separator."
		case crm.TypeDate:
			in.Kind = "date"
		case crm.TypeCheckbox:
			in.Kind, in.Checked = "checkbox", in.Value == "true"
		case crm.TypePicklist:
			in.Kind, in.Options, in.Blank = "select", f.Values, !f.Required || f.Default == ""
			if in.Value != "" && !slices.Contains(f.Values, in.Value) {
				// A value removed from the list since it was stored stays
				// selectable, so that saving the form does not lose it.
				in.Options = append([]string{in.Value}, f.Values...)
			}
		default:
			in.Kind = "text"
			if f.MaxLength > 255 {
				in.Kind = "textarea"
			}
		}
		if in.Kind == "textarea" {
			// Short inputs stop at their length by themselves; a long
			// text says how long it may be.
			in.Hint = fmt.Sprintf("Up to %d characters.", f.MaxLength)
		}
		if conflict != nil && conflict.Field == f.Key {
			in.Error, in.Holder = conflict.Error()+".", conflict.Account
		}
		g := 0
		switch {
		case !f.Standard:
			g = 3
		case strings.HasPrefix(f.Key, "addr1_"):
			g = 1
		case strings.HasPrefix(f.Key, "addr2_"):
			g = 2
		}
		groups[g].Inputs = append(groups[g].Inputs, in)
	}
	out := groups[:0]
	for _, g := range groups {
		if len(g.Inputs) > 0 {
			out = append(out, g)
		}
	}
	return out
}

// DescribedBy lists the ids of the error and hint that describe the input,
// for aria-describedby; empty when there are none.
func (in formInput) DescribedBy() string {
	var ids []string
	if in.Error != "" {
		ids = append(ids, "err-"+in.Key)
	}
	if in.Hint != "" {
		ids = append(ids, "hint-"+in.Key)
	}
	return strings.Join(ids, " ")
}

// customerForm reads the posted form with the schema it is checked against:
// every field of the schema that the form carried. A checkbox posts a
// hidden "false" before the box, so its last value is its state. It
// reports a form it cannot read and answers false.
func (p *pages) customerForm(w http.ResponseWriter, r *http.Request) (*crm.Schema, map[string]string, bool) {
	if err := r.ParseForm(); err != nil {
		p.pageError(w, r, tabCustomers, crm.Invalid("form", "", "The form could not be read."))
		return nil, nil, false
	}
	sc, err := p.Store.Schema(r.Context())
	if err != nil {
		p.pageError(w, r, tabCustomers, err)
		return nil, nil, false
	}
	vals := map[string]string{}
	for _, f := range sc.Fields {
		vs, ok := r.PostForm[f.Key]
		if !ok || f.Key == crm.KeyAccountNumber {
			continue
		}
		vals[f.Key] = strings.TrimSpace(vs[len(vs)-1])
	}
	return sc, vals, true
}

func (p *pages) customerNew(w http.ResponseWriter, r *http.Request) {
	sc, err := p.Store.Schema(r.Context())
	if err != nil {
		p.pageError(w, r, tabCustomers, err)
		return
	}
	c := &crm.Customer{}
	sc.ApplyDefaults(c)
	p.render(w, r, http.StatusOK, "customer.html", &customerPage{
		pageMeta: pageMeta{Title: "New customer", Tab: tabCustomers},
		New:      true,
		Action:   "/customers",
		Groups:   customerFormGroups(sc, c.Values, nil, nil),
	})
}

func (p *pages) customerCreate(w http.ResponseWriter, r *http.Request) {
	sc, vals, ok := p.customerForm(w, r)
	if !ok {
		return
	}
	c := &crm.Customer{}
	for k, v := range vals {
		if v != "" {
			c.Set(k, v)
		}
	}
	if err := p.Store.CreateCustomer(r.Context(), c); err != nil {
		p.customerFormError(w, r, sc, nil, vals, err)
		return
	}
	p.redirectFlash(w, r, fmt.Sprintf("/customers/%d", c.AccountNumber), fmt.Sprintf("Customer %d was created.", c.AccountNumber))
}

// customerFormError re-renders the customer form with the problems of a
// refused save next to the fields they concern, or fails for anything else.
func (p *pages) customerFormError(w http.ResponseWriter, r *http.Request, sc *crm.Schema, c *crm.Customer, vals map[string]string, err error) {
	var verr *crm.ValidationError
	var conflict *crm.ConflictError
	var errs map[string]string
	switch {
	case errors.As(err, &verr):
		errs = verr.Fields()
	case errors.As(err, &conflict):
	case errors.Is(err, crm.ErrConflict), errors.Is(err, crm.ErrInvalid):
		errs = map[string]string{"": err.Error()}
	default:
		p.pageError(w, r, tabCustomers, err)
		return
	}
	data := customerPage{
		pageMeta: pageMeta{Title: "New customer", Tab: tabCustomers, Alert: "The customer was not saved: correct the fields marked below."},
		New:      c == nil,
		Customer: c,
		Action:   "/customers",
		Groups:   customerFormGroups(sc, vals, errs, conflict),
	}
	if c != nil {
		data.Title, data.Action = customerTitle(c), fmt.Sprintf("/customers/%d", c.AccountNumber)
	}
	// A problem with no input of its own (an unknown field, say) is listed
	// at the top so that it is never lost.
	shown := map[string]bool{}
	for _, g := range data.Groups {
		for _, in := range g.Inputs {
			shown[in.Key] = true
			if in.Error != "" {
				data.Invalid = append(data.Invalid, invalidInput{ID: "f-" + in.Key, Message: in.Error})
			}
		}
	}
	for k, msg := range errs {
		if !shown[k] {
			data.Problems = append(data.Problems, msg)
		}
	}
	p.render(w, r, http.StatusUnprocessableEntity, "customer.html", &data)
}

func customerTitle(c *crm.Customer) string {
	if n := c.Name(); n != "" {
		return n
	}
	return fmt.Sprintf("Customer %d", c.AccountNumber)
}

// pageAccount reads the account number of the path, or reports the page as
// not found.
func (p *pages) pageAccount(w http.ResponseWriter, r *http.Request) (int64, bool) {
	raw := r.PathValue("account")
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n <= 0 {
		p.pageNotFound(w, r, tabCustomers, fmt.Sprintf("customer %q", raw))
		return 0, false
	}
	return n, true
}

func (p *pages) customerShow(w http.ResponseWriter, r *http.Request) {
	account, ok := p.pageAccount(w, r)
	if !ok {
		return
	}
	c, err := p.Store.GetCustomer(r.Context(), account)
	if err != nil {
		p.pageError(w, r, tabCustomers, err)
		return
	}
	sc, err := p.Store.Schema(r.Context())
	if err != nil {
		p.pageError(w, r, tabCustomers, err)
		return
	}
	data := customerPage{
		pageMeta: pageMeta{Title: customerTitle(c), Tab: tabCustomers},
		Customer: c,
		Action:   fmt.Sprintf("/customers/%d", c.AccountNumber),
		Groups:   customerFormGroups(sc, c.Values, nil, nil),
	}
	dialHints(data.Groups, c)
	p.render(w, r, http.StatusOK, "customer.html", &data)
}

// dialHints says under each of c's phone numbers how it is dialled: its
// international form, or that it has none.
func dialHints(groups []inputGroup, c *crm.Customer) {
	for _, g := range groups {
		for i := range g.Inputs {
			in := &g.Inputs[i]
			if in.Kind != "tel" || in.Value == "" {
				continue
			}
			switch e, known := c.PhoneForm(in.Key); {
			case e != "":
				in.Hint = "Dialled as " + e + "."
			case known:
				in.Hint = "Not a phone number of its country: kept as written, with no international form."
			}
		}
	}
}

func (p *pages) customerUpdate(w http.ResponseWriter, r *http.Request) {
	account, ok := p.pageAccount(w, r)
	if !ok {
		return
	}
	sc, vals, ok := p.customerForm(w, r)
	if !ok {
		return
	}
	_, err := p.Store.UpdateCustomer(r.Context(), account, func(c *crm.Customer) error {
		for k, v := range vals {
			c.Set(k, v) // "" clears the value
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, crm.ErrNotFound) {
			p.pageError(w, r, tabCustomers, err)
			return
		}
		c, gerr := p.Store.GetCustomer(r.Context(), account)
		if gerr != nil {
			p.pageError(w, r, tabCustomers, gerr)
			return
		}
		p.customerFormError(w, r, sc, c, vals, err)
		return
	}
	p.redirectFlash(w, r, fmt.Sprintf("/customers/%d", account), "Your changes were saved.")
}

// confirmPage asks before deleting something for good.
type confirmPage struct {
	pageMeta
	Question string
	Detail   string
	Action   string // where the confirming form posts
	Button   string // the confirming button's text
	Back     string // where "Keep it" leads
}

func (p *pages) customerDeleteConfirm(w http.ResponseWriter, r *http.Request) {
	account, ok := p.pageAccount(w, r)
	if !ok {
		return
	}
	c, err := p.Store.GetCustomer(r.Context(), account)
	if err != nil {
		p.pageError(w, r, tabCustomers, err)
		return
	}
	name := customerTitle(c)
	p.render(w, r, http.StatusOK, "confirm.html", &confirmPage{
		pageMeta: pageMeta{Title: "Delete " + name + "?", Tab: tabCustomers},
		Question: fmt.Sprintf("Delete %s (account %d)?", name, c.AccountNumber),
		Detail:   "The customer and every value they hold are deleted. This cannot be undone; the account number is never given to anyone else.",
		Action:   fmt.Sprintf("/customers/%d/delete", c.AccountNumber),
		Button:   "Delete " + name,
		Back:     fmt.Sprintf("/customers/%d", c.AccountNumber),
	})
}

func (p *pages) customerDelete(w http.ResponseWriter, r *http.Request) {
	account, ok := p.pageAccount(w, r)
	if !ok {
		return
	}
	if err := p.Store.DeleteCustomer(r.Context(), account); err != nil {
		p.pageError(w, r, tabCustomers, err)
		return
	}
	p.redirectFlash(w, r, "/customers", fmt.Sprintf("Customer %d was deleted.", account))
}
