package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"localcrm/internal/crm"
)

// apiHandlerFunc is an API handler. It returns an error instead of writing
// one; a handler that has begun its response (a download, an event
// stream) deals with later errors itself and returns nil.
type apiHandlerFunc func(w http.ResponseWriter, r *http.Request) error

// apiHandler serves fn: it refuses cross-site changes, runs fn and writes
// the error fn returns.
func (h *Handler) apiHandler(csrf *http.CrossOriginProtection, fn apiHandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := csrf.Check(r)
		if err != nil {
			err = apiFail(errAPIForbidden, nil, "The request came from another site's page, so it was refused: change data from localcrm's own pages or from a script.")
		} else {
			err = fn(w, r)
		}
		if err != nil {
			h.apiError(w, r, err)
		}
	})
}

// apiNoRoute answers a path under /api/v1/ that no route serves: 405 with
// the allowed methods when the path exists for other methods, else 404.
func (h *Handler) apiNoRoute(w http.ResponseWriter, r *http.Request) error {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := h.mux.Handler(probe); pattern != "" && pattern != "/api/v1/" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		return apiFail(errAPIMethod, nil, "%s %s is not possible; this address takes %s.", r.Method, r.URL.Path, strings.Join(allow, ", "))
	}
	return apiFail(crm.ErrNotFound, nil, "There is no API address %s; the API's addresses start with /api/v1/customers, /api/v1/fields, /api/v1/imports or /api/v1/audit.", r.URL.Path)
}

// Error kinds of the API itself, beside the domain's.
var (
	errAPIForbidden = errors.New("forbidden")
	errAPIMethod    = errors.New("method not allowed")
)

// apiFailure is an error worded for the people who read the API's
// responses, wrapping the kind (or the cause) that decides its status.
type apiFailure struct {
	err    error
	msg    string
	fields map[string]string
}

func (e *apiFailure) Error() string { return e.msg }
func (e *apiFailure) Unwrap() error { return e.err }

// apiFail returns an error of the kind (or wrapping the cause) err, with a
// message for people and, optionally, a message per field.
func apiFail(err error, fields map[string]string, format string, args ...any) error {
	return &apiFailure{err: err, msg: fmt.Sprintf(format, args...), fields: fields}
}

// apiErrorBody is the JSON of every error response.
type apiErrorBody struct {
	Error apiErrorDetail `json:"error"`
}

type apiErrorDetail struct {
	Code    string            `json:"code"`    // invalid, not_found, conflict, too_large, too_many_requests, unauthenticated, forbidden, wrong_host, unavailable or internal
	Message string            `json:"message"` // for people
	Fields  map[string]string `json:"fields"`  // field key → message; empty when none
}

// apiError writes err as a JSON error. It is the one place where kinds of
// error become statuses and codes, and where unexpected errors are logged;
// their text never reaches the client, which may be anyone's script.
func (h *Handler) apiError(w http.ResponseWriter, r *http.Request, err error) {
	var (
		status int
		code   string
		kind   error
	)
	switch {
	case errors.Is(err, crm.ErrTooLarge):
		status, code, kind = http.StatusRequestEntityTooLarge, "too_large", crm.ErrTooLarge
	case errors.Is(err, crm.ErrNotFound):
		status, code, kind = http.StatusNotFound, "not_found", crm.ErrNotFound
	case errors.Is(err, crm.ErrConflict):
		status, code, kind = http.StatusConflict, "conflict", crm.ErrConflict
	case errors.Is(err, crm.ErrUnauthenticated):
		status, code, kind = http.StatusUnauthorized, "unauthenticated", crm.ErrUnauthenticated
	case errors.Is(err, crm.ErrForbidden):
		status, code, kind = http.StatusForbidden, "forbidden", crm.ErrForbidden
	case errors.Is(err, errAPIForbidden):
		status, code, kind = http.StatusForbidden, "invalid", errAPIForbidden
	case errors.Is(err, errAPIMethod):
		status, code, kind = http.StatusMethodNotAllowed, "invalid", errAPIMethod
	case errors.Is(err, errAPITooMany):
		status, code, kind = http.StatusTooManyRequests, "too_many_requests", errAPITooMany
	case errors.Is(err, crm.ErrInvalid):
		status, code, kind = http.StatusBadRequest, "invalid", crm.ErrInvalid
	case errors.Is(err, crm.ErrUnavailable):
		h.Log.Warn("api request: database unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
		w.Header().Set("Retry-After", "5")
		apiWriteJSON(w, http.StatusServiceUnavailable, apiErrorBody{Error: apiErrorDetail{
			Code: "unavailable", Message: unavailableMessage, Fields: map[string]string{},
		}})
		return
	default:
		if r.Context().Err() != nil {
			return // the client went away; nobody is there to answer
		}
		h.Log.Error("api request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		apiWriteJSON(w, http.StatusInternalServerError, apiErrorBody{Error: apiErrorDetail{
			Code:    "internal",
			Message: "Something went wrong on the server. It has been logged; try again, and if it persists, tell your administrator.",
			Fields:  map[string]string{},
		}})
		return
	}
	msg, fields := apiMessage(err, kind)
	if fields == nil {
		fields = map[string]string{}
	}
	apiWriteJSON(w, status, apiErrorBody{Error: apiErrorDetail{Code: code, Message: msg, Fields: fields}})
}

// unavailableMessage answers a request that met crm.ErrUnavailable: the
// cause (a lock held by another program, a database restarting) is for the
// log; the person only needs to know to try again.
const unavailableMessage = "The database is busy or cannot be reached at the moment; nothing was changed. Try again in a few seconds; if it lasts, tell your administrator."

// apiMessage words an error of a known kind for people: the handler's own
// words, the domain's problems field by field, or the error's text without
// its kind.
func apiMessage(err error, kind error) (string, map[string]string) {
	var (
		f  *apiFailure
		ve *crm.ValidationError
		ce *crm.ConflictError
	)
	var fields map[string]string
	if errors.As(err, &ve) {
		fields = ve.Fields()
	}
	switch {
	case errors.As(err, &f):
		if f.fields != nil {
			fields = f.fields
		}
		return f.msg, fields
	case ve != nil:
		return ve.Error(), fields
	case errors.As(err, &ce):
		msg := apiSentence(ce.Error())
		return msg, map[string]string{ce.Field: msg}
	case kind == crm.ErrNotFound:
		return "Nothing was found at this address.", nil
	}
	return apiSentence(strings.TrimSuffix(err.Error(), ": "+kind.Error())), nil
}

// apiSentence makes s start with a capital letter and end with a stop.
func apiSentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[n:]
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "?") && !strings.HasSuffix(s, "!") {
		s += "."
	}
	return s
}

// apiWriteJSON writes v as the JSON response with the status. HTML
// characters are not escaped, as in the CLI's output: the content type and
// nosniff keep browsers from reading it as HTML.
func apiWriteJSON(w http.ResponseWriter, status int, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only a bug can get here: every value the API writes encodes.
		http.Error(w, `{"error":{"code":"internal","message":"The response could not be written.","fields":{}}}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes()) // a client that went away is no error of ours
}

// apiMaxBody bounds a JSON request body; no request of the API needs more.
const apiMaxBody = 1 << 20

// apiDecode reads the request's JSON body into v. With known keys, a key
// that v has no place for is refused rather than ignored, so that a typo
// never passes silently. Every failure is an invalid (or too_large) error
// saying what is wrong.
func apiDecode(w http.ResponseWriter, r *http.Request, v any, known []string) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, apiMaxBody))
	if known != nil {
		dec.DisallowUnknownFields()
	}
	err := dec.Decode(v)
	if err == nil {
		if _, extra := dec.Token(); !errors.Is(extra, io.EOF) {
			return apiFail(crm.ErrInvalid, nil, "The request body holds more than one JSON value; send a single JSON object.")
		}
		return nil
	}
	var (
		syntax  *json.SyntaxError
		typ     *json.UnmarshalTypeError
		tooBig  *http.MaxBytesError
		unknown string
	)
	switch {
	case errors.Is(err, io.EOF):
		return apiFail(crm.ErrInvalid, nil, "The request body is empty; send a JSON object.")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return apiFail(crm.ErrInvalid, nil, "The request body ends before its JSON object does; check for a missing } or \".")
	case errors.As(err, &tooBig):
		return apiFail(crm.ErrTooLarge, nil, "The request body is larger than %s, the limit of a JSON request.", apiMB(apiMaxBody))
	case errors.As(err, &syntax):
		return apiFail(crm.ErrInvalid, nil, "The request body is not valid JSON: %s (at byte %d).", syntax.Error(), syntax.Offset)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return apiFail(crm.ErrInvalid, nil, "The request body must be a JSON object, not %s.", apiJSONKind(typ.Value))
		}
		msg := fmt.Sprintf("%q must be %s, not %s.", typ.Field, apiGoKind(typ.Type.Kind().String()), apiJSONKind(typ.Value))
		return apiFail(crm.ErrInvalid, map[string]string{typ.Field: msg}, "%s", msg)
	}
	if s, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		unknown = strings.Trim(s, `"`)
		msg := fmt.Sprintf("There is no key %q in this request; the keys are %s.", unknown, strings.Join(known, ", "))
		return apiFail(crm.ErrInvalid, map[string]string{unknown: msg}, "%s", msg)
	}
	return apiFail(crm.ErrInvalid, nil, "The request body cannot be read as JSON.")
}

// apiJSONKind names the kind of a JSON value as encoding/json reports it.
func apiJSONKind(v string) string {
	switch {
	case v == "string":
		return "text"
	case v == "object", v == "array":
		return "an " + v
	case v == "bool":
		return "true or false"
	case strings.HasPrefix(v, "number"):
		return "a number"
	}
	return v
}

// apiGoKind names what a Go kind expects in JSON.
func apiGoKind(kind string) string {
	switch {
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"), strings.HasPrefix(kind, "float"):
		return "a number"
	case kind == "string":
		return "text"
	case kind == "bool":
		return "true or false"
	case kind == "map", kind == "struct":
		return "an object"
	case kind == "slice":
		return "an array"
	}
	return "another kind of value"
}

// apiMB writes a size in megabytes, as people speak of upload limits.
func apiMB(n int64) string {
	mb := float64(n) / (1 << 20)
	switch {
	case mb >= 10 || mb == float64(int64(mb)):
		return fmt.Sprintf("%.0f MB", mb)
	case mb >= 1:
		return fmt.Sprintf("%.1f MB", mb)
	}
	return fmt.Sprintf("%.2g MB", mb)
}
