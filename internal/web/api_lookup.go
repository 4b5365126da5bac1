package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"localcrm/internal/crm"
	"localcrm/internal/store"
)

// apiLookup is the response of GET /api/v1/customers/lookup: the customers
// found (none, one, or those sharing a number), each with the
// international forms of its phone numbers, and the number looked for as
// read with the default country.
type apiLookup struct {
	Customers []json.RawMessage `json:"customers"`
	Phone     string            `json:"phone,omitempty"` // the number as asked
	E164      string            `json:"e164,omitempty"`  // ...in international form, when it reads as one
	Email     string            `json:"email,omitempty"`
	Account   string            `json:"account,omitempty"`
}

// apiCustomerLookup answers a phone system, or a script: who is this?
// Exactly one of ?phone=, ?email= and ?account= says by what. phone matches
// a customer's number however either was written (store.LookupPhone);
// email ignores case; account is the account number. None found is an
// empty list, not an error.
func (h *Handler) apiCustomerLookup(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var given []string
	for _, k := range []string{"phone", "email", "account"} {
		if strings.TrimSpace(q.Get(k)) != "" {
			given = append(given, k)
		}
	}
	if len(given) != 1 {
		return apiFail(crm.ErrInvalid, nil, "Look up by one of phone, email and account, such as ?phone=%%2B442079460958 (a + is %%2B in a URL); this request gives %d.", len(given))
	}
	ctx := r.Context()
	resp := apiLookup{Customers: []json.RawMessage{}}
	var found store.Lookup
	var err error
	switch given[0] {
	case "phone":
		resp.Phone = q.Get("phone")
		found, err = h.Store.LookupPhone(ctx, resp.Phone)
		resp.E164 = found.E164
	case "email":
		resp.Email = q.Get("email")
		found, err = h.Store.LookupEmail(ctx, resp.Email)
	default:
		resp.Account = strings.TrimSpace(q.Get("account"))
		n, perr := strconv.ParseInt(resp.Account, 10, 64)
		if perr != nil || n < 1 {
			msg := "account must be an account number, 8 digits such as 10000042."
			return apiFail(crm.ErrInvalid, map[string]string{"account": msg}, "%s", msg)
		}
		found, err = h.Store.LookupAccount(ctx, n)
	}
	if err != nil {
		return err
	}
	sc, err := h.Store.Schema(ctx)
	if err != nil {
		return err
	}
	enc := crm.NewCustomerJSON(sc, false)
	enc.Phones = crm.PhonesBoth
	for _, c := range found.Customers {
		resp.Customers = append(resp.Customers, enc.Append(nil, c))
	}
	apiWriteJSON(w, http.StatusOK, resp)
	return nil
}
