package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"localcrm/internal/crm"
	"localcrm/internal/importer"
	"localcrm/internal/store"
)

// Paging of GET /api/v1/customers.
const (
	apiDefaultLimit = 50
	apiMaxLimit     = 500
)

// apiCustomerPage is the response of GET /api/v1/customers.
type apiCustomerPage struct {
	Customers []json.RawMessage `json:"customers"`
	Total     int               `json:"total"` // customers matching the search, in all
	Limit     int               `json:"limit"`
	Offset    int               `json:"offset"`
}

func (h *Handler) apiCustomerList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var v crm.ValidationError
	limit := apiIntParam(&v, q.Get("limit"), "limit", apiDefaultLimit, 1, apiMaxLimit)
	offset := apiIntParam(&v, q.Get("offset"), "offset", 0, 0, -1)
	imp := apiIntParam(&v, q.Get("import"), "import", 0, 1, -1) // the customers that import created or updated
	if err := v.Err(); err != nil {
		return err
	}
	ctx := r.Context()
	sc, err := h.Store.Schema(ctx)
	if err != nil {
		return err
	}
	cs, total, err := h.Store.ListCustomers(ctx, store.CustomerFilter{Search: q.Get("search"), Import: int64(imp), Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	page := apiCustomerPage{Customers: make([]json.RawMessage, len(cs)), Total: total, Limit: limit, Offset: offset}
	enc := crm.NewCustomerJSON(sc, false)
	for i, c := range cs {
		page.Customers[i] = enc.Append(nil, c)
	}
	apiWriteJSON(w, http.StatusOK, page)
	return nil
}

// apiIntParam reads a whole-number query parameter from min to max (no
// upper bound when max < 0); blank gives def. A bad value is added to v.
func apiIntParam(v *crm.ValidationError, s, name string, def, min, max int) int {
	if strings.TrimSpace(s) == "" {
		return def
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err == nil && n >= min && (max < 0 || n <= max) {
		return n
	}
	if max < 0 {
		v.Add(name, s, fmt.Sprintf("%s must be a whole number of at least %d.", name, min))
	} else {
		v.Add(name, s, fmt.Sprintf("%s must be a whole number from %d to %d.", name, min, max))
	}
	return def
}

func (h *Handler) apiCustomerCreate(w http.ResponseWriter, r *http.Request) error {
	values, err := apiCustomerBody(w, r, 0)
	if err != nil {
		return err
	}
	ctx := r.Context()
	c := &crm.Customer{Values: values}
	if err := h.Store.CreateCustomer(ctx, c); err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/customers/%d", c.AccountNumber))
	return h.apiWriteCustomer(w, r, http.StatusCreated, c)
}

func (h *Handler) apiCustomerGet(w http.ResponseWriter, r *http.Request) error {
	account, err := apiAccount(r)
	if err != nil {
		return err
	}
	c, err := h.Store.GetCustomer(r.Context(), account)
	if err != nil {
		return apiNoCustomer(err, account)
	}
	return h.apiWriteCustomer(w, r, http.StatusOK, c)
}

func (h *Handler) apiCustomerUpdate(w http.ResponseWriter, r *http.Request) error {
	account, err := apiAccount(r)
	if err != nil {
		return err
	}
	values, err := apiCustomerBody(w, r, account)
	if err != nil {
		return err
	}
	if len(values) == 0 {
		return apiFail(crm.ErrInvalid, nil, `The request changes nothing: send the fields that change, such as {"email": "ann@example.com"}; "" clears a field.`)
	}
	c, err := h.Store.UpdateCustomer(r.Context(), account, func(c *crm.Customer) error {
		for k, v := range values {
			c.Set(k, v)
		}
		return nil
	})
	if err != nil {
		return apiNoCustomer(err, account)
	}
	return h.apiWriteCustomer(w, r, http.StatusOK, c)
}

func (h *Handler) apiCustomerDelete(w http.ResponseWriter, r *http.Request) error {
	account, err := apiAccount(r)
	if err != nil {
		return err
	}
	if err := h.Store.DeleteCustomer(r.Context(), account); err != nil {
		return apiNoCustomer(err, account)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// apiCustomerExport downloads the whole customer file, as
// `localcrm export` writes it (?format=csv, the default, or json), and puts
// the download on record once it is sent.
func (h *Handler) apiCustomerExport(w http.ResponseWriter, r *http.Request) error {
	format := r.URL.Query().Get("format")
	phones, err := crm.ParsePhoneColumns(r.URL.Query().Get("phones"))
	if err != nil {
		msg := fmt.Sprintf("phones must be written, e164 or both, not %q.", r.URL.Query().Get("phones"))
		return apiFail(crm.ErrInvalid, map[string]string{"phones": msg}, "%s", msg)
	}
	switch format {
	case "":
		format = "csv"
	case "csv", "json":
	default:
		msg := fmt.Sprintf("format must be csv or json, not %q.", format)
		return apiFail(crm.ErrInvalid, map[string]string{"format": msg}, "%s", msg)
	}
	longWrite(w)
	ctx := r.Context()
	hdr := w.Header()
	hdr.Set("Content-Type", map[string]string{"csv": "text/csv; charset=utf-8", "json": "application/json; charset=utf-8"}[format])
	hdr.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="customers-%s.%s"`, time.Now().Format("2006-01-02"), format))
	hdr.Set("Cache-Control", "no-store")
	out := &apiStartedWriter{w: w}
	n, err := importer.ExportPhones(ctx, h.Store, format, phones, out)
	if err != nil {
		if !out.started {
			hdr.Del("Content-Disposition")
			return err
		}
		if ctx.Err() == nil {
			h.Log.Error("export failed", "path", r.URL.Path, "err", err)
		}
		return nil
	}
	// The file has left the database: on record even if the client is gone.
	detail := fmt.Sprintf("format: %s; %d customers; download", format, n)
	if phones != crm.PhonesWritten {
		detail = fmt.Sprintf("format: %s, phones %s; %d customers; download", format, phones, n)
	}
	if err := h.Store.Audit(context.WithoutCancel(ctx), crm.AuditExport, "customers", detail); err != nil {
		h.Log.Error("record export", "err", err)
	}
	return nil
}

// apiWriteCustomer writes one customer as the CLI's --json does.
func (h *Handler) apiWriteCustomer(w http.ResponseWriter, r *http.Request, status int, c *crm.Customer) error {
	sc, err := h.Store.Schema(r.Context())
	if err != nil {
		return err
	}
	apiWriteJSON(w, status, json.RawMessage(crm.NewCustomerJSON(sc, false).Append(nil, c)))
	return nil
}

// apiAccount reads the account number of the request's path.
func apiAccount(r *http.Request) (int64, error) {
	s := r.PathValue("account_number")
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 {
		return 0, apiFail(crm.ErrNotFound, nil, "There is no customer %q; account numbers are 8 digits, such as 10000042.", s)
	}
	return n, nil
}

// apiNoCustomer words a not-found error of the customer with the account
// number for people.
func apiNoCustomer(err error, account int64) error {
	if errors.Is(err, crm.ErrNotFound) {
		return apiFail(err, nil, "There is no customer with account number %d.", account)
	}
	return err
}

// apiCustomerBody reads a JSON object of field key → value. Values may be
// text, numbers, true/false or null (no value), so that scripts can send a
// number or checkbox field as they hold it. The keys the API writes but
// nobody sets are dropped, so that a customer read by GET can be sent back
// as it is: created_at and updated_at, and, on an update (account != 0),
// the customer's own account number. Every other key, known or not, goes
// to the domain's validation, which reports unknown ones field by field.
func apiCustomerBody(w http.ResponseWriter, r *http.Request, account int64) (map[string]string, error) {
	var raw map[string]json.RawMessage
	if err := apiDecode(w, r, &raw, nil); err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, apiFail(crm.ErrInvalid, nil, "The request body must be a JSON object of field key → value, not null.")
	}
	values := make(map[string]string, len(raw))
	var v crm.ValidationError
	for k, msg := range raw {
		s, err := apiScalar(msg)
		if err != nil {
			v.Add(k, string(msg), fmt.Sprintf("The value of %q must be text, a number, true or false, or null, not %s.", k, err))
			continue
		}
		values[k] = s
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	for _, k := range []string{"created_at", "updated_at"} {
		delete(values, k)
	}
	if account != 0 && strings.TrimSpace(values[crm.KeyAccountNumber]) == strconv.FormatInt(account, 10) {
		delete(values, crm.KeyAccountNumber)
	}
	return values, nil
}

// apiScalar turns a JSON scalar into a field's text; null is "".
func apiScalar(msg json.RawMessage) (string, error) {
	msg = bytes.TrimSpace(msg)
	switch {
	case len(msg) == 0:
		return "", nil
	case msg[0] == '"':
		var s string
		err := json.Unmarshal(msg, &s)
		return s, err
	case msg[0] == '{':
		return "", errors.New("an object")
	case msg[0] == '[':
		return "", errors.New("an array")
	case string(msg) == "null":
		return "", nil
	}
	return string(msg), nil // a number, true or false, as written
}
