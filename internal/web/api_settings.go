package web

import "net/http"

// apiSettings is the body of GET and PUT /api/v1/settings.
type apiSettings struct {
	DefaultCountry *string `json:"default_country"`
}

func (h *Handler) apiSettingsGet(w http.ResponseWriter, r *http.Request) error {
	set, err := h.Store.Settings(r.Context())
	if err != nil {
		return err
	}
	apiWriteJSON(w, http.StatusOK, set)
	return nil
}

// apiSettingsUpdate changes the settings a body names: {"default_country":
// "GB"} (a code or a country's name; "" for none).
func (h *Handler) apiSettingsUpdate(w http.ResponseWriter, r *http.Request) error {
	var body apiSettings
	if err := apiDecode(w, r, &body, []string{"default_country"}); err != nil {
		return err
	}
	ctx := r.Context()
	if body.DefaultCountry != nil {
		if _, err := h.Store.SetDefaultCountry(ctx, *body.DefaultCountry); err != nil {
			return err
		}
	}
	return h.apiSettingsGet(w, r)
}
