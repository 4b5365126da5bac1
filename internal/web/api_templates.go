package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"localcrm/internal/crm"
	"localcrm/internal/importer"
)

// apiTemplateList answers GET /api/v1/templates: every named mapping
// template, by name.
func (h *Handler) apiTemplateList(w http.ResponseWriter, r *http.Request) error {
	list, err := h.Importer.Templates(r.Context())
	if err != nil {
		return err
	}
	if list == nil {
		list = []*crm.Template{} // an array, never null
	}
	apiWriteJSON(w, http.StatusOK, list)
	return nil
}

// apiTemplateBody is the body of POST /api/v1/templates.
type apiTemplateBody struct {
	ImportID *int64  `json:"import_id"` // the import whose mapping and options are saved
	Name     *string `json:"name"`
	Replace  bool    `json:"replace"` // replace a template of the same name, in any case
}

var apiTemplateKeys = []string{"import_id", "name", "replace"}

// apiTemplateSave saves an import's mapping and options as a template:
// 201 with the template, or 200 when it replaced one of the same name.
func (h *Handler) apiTemplateSave(w http.ResponseWriter, r *http.Request) error {
	var body apiTemplateBody
	if err := apiDecode(w, r, &body, apiTemplateKeys); err != nil {
		return err
	}
	if body.ImportID == nil || *body.ImportID < 1 {
		msg := `Give the import to save as a template as "import_id", a number as GET /api/v1/imports lists them.`
		return apiFail(crm.ErrInvalid, map[string]string{"import_id": msg}, "%s", msg)
	}
	var name string
	if body.Name != nil {
		name = *body.Name
	}
	ctx := r.Context()
	id := *body.ImportID
	t, replaced, err := h.Importer.SaveTemplate(ctx, id, name, crm.ActorFrom(ctx).Name, body.Replace)
	if errors.Is(err, crm.ErrConflict) {
		msg := fmt.Sprintf(`A template named %q exists; choose another name, or send "replace": true to replace it.`, strings.TrimSpace(name))
		return apiFail(err, map[string]string{"name": msg}, "%s", msg)
	}
	if err != nil {
		return apiNoImport(err, id)
	}
	status := http.StatusCreated
	if replaced {
		status = http.StatusOK
	}
	w.Header().Set("Location", "/api/v1/templates/"+url.PathEscape(t.Name))
	apiWriteJSON(w, status, t)
	return nil
}

// apiTemplateDelete deletes a template by name, in any case. The imports
// it mapped keep their mapping.
func (h *Handler) apiTemplateDelete(w http.ResponseWriter, r *http.Request) error {
	if err := h.Importer.DeleteTemplate(r.Context(), r.PathValue("name")); err != nil {
		return apiNoTemplate(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// apiApplyBody is the body of POST /api/v1/imports/{id}/template.
type apiApplyBody struct {
	Name *string `json:"name"`
}

// apiTemplateApplied is the response of POST /api/v1/imports/{id}/template:
// the import as PUT /api/v1/imports/{id}/mapping answers it, with, as the
// upload's response has them, the reasons of the columns the template
// decided (column → why).
type apiTemplateApplied struct {
	*importer.Summary
	Reasons map[string]string `json:"reasons"`
}

// apiImportTemplate applies a template to a pending import: its mapping
// over the import's, and its options. What Configure refuses of a mapping,
// it refuses, and the import stays as it was.
func (h *Handler) apiImportTemplate(w http.ResponseWriter, r *http.Request) error {
	id, err := apiImportID(r)
	if err != nil {
		return err
	}
	var body apiApplyBody
	if err := apiDecode(w, r, &body, []string{"name"}); err != nil {
		return err
	}
	if body.Name == nil || strings.TrimSpace(*body.Name) == "" {
		msg := `Give the template to apply as "name"; GET /api/v1/templates lists them.`
		return apiFail(crm.ErrInvalid, map[string]string{"name": msg}, "%s", msg)
	}
	ctx := r.Context()
	imp, reasons, err := h.Importer.ApplyTemplate(ctx, id, *body.Name)
	if err != nil {
		var nt *crm.NoTemplateError
		if errors.As(err, &nt) {
			return apiNoTemplate(err)
		}
		return apiNoImport(err, id)
	}
	s, err := h.summarize(ctx, imp, apiImportErrorsShown)
	if err != nil {
		return err
	}
	apiWriteJSON(w, http.StatusOK, apiTemplateApplied{Summary: s, Reasons: reasons})
	return nil
}

// apiNoTemplate words a template name that is not saved for the API's
// callers: the names that are, or how to save one.
func apiNoTemplate(err error) error {
	var nt *crm.NoTemplateError
	if !errors.As(err, &nt) {
		return err
	}
	msg := apiSentence(nt.Error())
	if len(nt.Saved) == 0 {
		msg = apiSentence(strings.TrimSuffix(msg, ".") + ` (POST /api/v1/templates with "import_id" and "name")`)
	}
	return apiFail(err, map[string]string{"name": msg}, "%s", msg)
}
