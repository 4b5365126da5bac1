package web

import (
	"encoding/base64"
	"net/http"
	"time"
	"unicode/utf8"
)

// The flash cookie carries the one-line confirmation of what a form did
// ("The field Tier was created.") across its Post/Redirect/Get: the form's
// handler sets it on the redirect, and the next page rendered shows it once
// and clears it. A notice never comes from the address, so that no link can
// make a page say what its author wants. Over HTTPS the cookie has the
// __Host- prefix, as the session's does, so no sibling site can plant one.
const (
	flashCookie       = "localcrm_flash"
	secureFlashCookie = "__Host-localcrm_flash"
	flashMaxAge       = time.Minute // the redirect is followed at once; a stale notice is worse than none
	flashMaxBytes     = 600         // notices are a sentence; a cookie holds 4 KB
)

func (h *Handler) flashCookieName(r *http.Request) string {
	if h.secure(r) {
		return secureFlashCookie
	}
	return flashCookie
}

// redirectFlash answers a form with a redirect to target whose page says msg.
func (h *Handler) redirectFlash(w http.ResponseWriter, r *http.Request, target, msg string) {
	if msg != "" {
		h.setFlashCookie(w, r, base64.RawURLEncoding.EncodeToString([]byte(truncate(msg, flashMaxBytes))), flashMaxAge)
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// takeFlash returns the notice the request carries, if any, and has the
// browser forget it, so that a reload does not say it again.
func (h *Handler) takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(h.flashCookieName(r))
	if err != nil {
		return ""
	}
	h.setFlashCookie(w, r, "", -1)
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || !utf8.Valid(b) || len(b) > flashMaxBytes+len("…") {
		return ""
	}
	return string(b)
}

// setFlashCookie sets (or, with a negative maxAge, deletes) the flash cookie:
// HttpOnly, SameSite=Lax and Secure over HTTPS, as the session cookie.
func (h *Handler) setFlashCookie(w http.ResponseWriter, r *http.Request, value string, maxAge time.Duration) {
	age := int(maxAge / time.Second)
	if maxAge < 0 {
		age = -1
	}
	http.SetCookie(w, &http.Cookie{
		Name:     h.flashCookieName(r),
		Value:    value,
		Path:     "/",
		MaxAge:   age,
		HttpOnly: true,
		Secure:   h.secure(r),
		SameSite: http.SameSiteLaxMode,
	})
}
