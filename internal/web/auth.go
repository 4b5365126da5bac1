package web

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"localcrm/internal/auth"
	"localcrm/internal/crm"
)

// The session cookie's name. Over HTTPS it carries the __Host- prefix, which
// browsers only accept with Secure, Path=/ and no Domain: no other site, not
// even a sibling subdomain, can set or shadow it.
const (
	sessionCookie       = "localcrm_session"
	secureSessionCookie = "__Host-localcrm_session"
)

// contentSecurityPolicy lets pages run only the scripts and styles served
// by localcrm itself (no inline script), and forbids framing them, so a
// delete confirmation cannot be clicked through another site's frame.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

// secureHeaders sets the headers every response carries, pages, API and
// static files alike.
func secureHeaders(hd http.Header, secure bool) {
	hd.Set("Content-Security-Policy", contentSecurityPolicy)
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	if secure {
		hd.Set("Strict-Transport-Security", "max-age=31536000")
	}
}

// allowedHosts is the Host allow-list: loopback names, always, and the
// names the server was told it is reached by.
func allowedHosts(extra []string) map[string]bool {
	m := map[string]bool{"localhost": true, "127.0.0.1": true, "::1": true}
	for _, h := range extra {
		m[strings.ToLower(strings.Trim(h, "[]"))] = true
	}
	return m
}

// hostAllowed reports whether a request's Host names this server.
func (h *Handler) hostAllowed(host string) bool {
	if name, _, err := net.SplitHostPort(host); err == nil {
		host = name
	}
	host = strings.ToLower(strings.Trim(host, "[]"))
	return h.hosts[host] || strings.HasSuffix(host, ".localhost") && h.hosts["localhost"]
}

// refuseHost answers a request for a name the server does not answer to,
// saying how the operator can allow it.
func (h *Handler) refuseHost(w http.ResponseWriter, r *http.Request) {
	msg := "This localcrm server does not answer to the name " + truncate(r.Host, 100) +
		". If that is how people reach it, start it with --host " + truncate(hostOnly(r.Host), 100) + "."
	if strings.HasPrefix(r.URL.Path, "/api/") {
		apiWriteJSON(w, http.StatusMisdirectedRequest, apiErrorBody{Error: apiErrorDetail{Code: "wrong_host", Message: msg, Fields: map[string]string{}}})
		return
	}
	http.Error(w, msg, http.StatusMisdirectedRequest)
}

func hostOnly(host string) string {
	if name, _, err := net.SplitHostPort(host); err == nil {
		return name
	}
	return host
}

// secure reports whether the browser reached the server over HTTPS:
// directly, or through the TLS proxy the server was told is in front.
func (h *Handler) secure(r *http.Request) bool {
	return r.TLS != nil || h.BehindProxy && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// clientAddr is the address a request came from, for the audit log and the
// sign-in throttle. Behind a proxy that is the last address the proxy
// added; the ones before it are the client's word and cannot be trusted.
func (h *Handler) clientAddr(r *http.Request) string {
	if h.BehindProxy {
		if fwd := r.Header.Values("X-Forwarded-For"); len(fwd) > 0 {
			list := strings.Split(fwd[len(fwd)-1], ",")
			if a := strings.TrimSpace(list[len(list)-1]); a != "" {
				return a
			}
		}
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// caller is who sent a request: a signed-in user or an API token.
type caller struct {
	user    *crm.User  // for a session
	token   *crm.Token // for an API token
	session []byte     // the session id's hash, for signing out
}

func (c *caller) role() crm.Role {
	if c.user != nil {
		return c.user.Role
	}
	return c.token.Role
}

type callerKey struct{}

// callerFrom returns who sent the request, or nil for nobody signed in.
func callerFrom(ctx context.Context) *caller {
	c, _ := ctx.Value(callerKey{}).(*caller)
	return c
}

// identify finds who sent r: an API token in the Authorization header, or
// else a session cookie. It returns nil, nil for nobody; an error only when
// the database could not say.
func (h *Handler) identify(r *http.Request) (*caller, error) {
	ctx := r.Context()
	if authz := r.Header.Get("Authorization"); authz != "" {
		secret, ok := strings.CutPrefix(authz, "Bearer ")
		if !ok {
			return nil, nil
		}
		t, err := h.Store.TokenBySecret(ctx, auth.Hash(strings.TrimSpace(secret)))
		if errors.Is(err, crm.ErrUnauthenticated) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return &caller{token: t}, nil
	}
	cookie, err := r.Cookie(h.cookieName(r))
	if err != nil || cookie.Value == "" {
		return nil, nil
	}
	id := auth.Hash(cookie.Value)
	u, err := h.Store.Session(ctx, id, h.Sessions)
	if errors.Is(err, crm.ErrUnauthenticated) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &caller{user: u, session: id}, nil
}

// require serves next to callers whose role is at least need. Everyone
// else gets 401 (the API) or the sign-in page (pages) when not signed in,
// and 403 when signed in with a role below need. The caller, and the actor
// the store records in the audit log, go along in the request's context.
func (h *Handler) require(need crm.Role, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		isAPI := strings.HasPrefix(r.URL.Path, "/api/")
		c, err := h.identify(r)
		if err != nil {
			if isAPI {
				h.apiError(w, r, err)
			} else {
				h.pages.pageFail(w, r, err)
			}
			return
		}
		actor := crm.Actor{Name: "anonymous", Kind: crm.ActorUser, Addr: h.clientAddr(r)}
		if c != nil {
			actor = c.actor(actor.Addr)
		}
		ctx := crm.WithActor(context.WithValue(r.Context(), callerKey{}, c), actor)
		r = r.WithContext(ctx)
		switch {
		case need == anyone:
		case c == nil && isAPI:
			w.Header().Set("WWW-Authenticate", `Bearer realm="localcrm"`)
			h.apiError(w, r, apiFail(crm.ErrUnauthenticated, nil,
				"Sign in first: send an API token as \"Authorization: Bearer TOKEN\" (an admin makes one with `localcrm tokens create`)."))
			return
		case c == nil:
			signin := "/signin"
			if r.Method == http.MethodGet && r.URL.Path != "/" {
				signin += "?next=" + url.QueryEscape(r.URL.RequestURI())
			}
			http.Redirect(w, r, signin, http.StatusSeeOther)
			return
		case !c.role().Allows(need):
			msg := "Your role (" + string(c.role()) + ") may not do this; it needs " + string(need) + " or above. Ask an admin if you need it."
			if isAPI {
				h.apiError(w, r, apiFail(crm.ErrForbidden, nil, "%s", msg))
				return
			}
			h.pages.forbidden(w, r, msg)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// actor is the caller as the audit log names them.
func (c *caller) actor(addr string) crm.Actor {
	if c.user != nil {
		return crm.Actor{Name: c.user.Name, Kind: crm.ActorUser, UserID: c.user.ID, Role: c.user.Role, Addr: addr}
	}
	return crm.Actor{Name: tokenActorName(c.token), Kind: crm.ActorToken, Role: c.token.Role, Addr: addr}
}

func tokenActorName(t *crm.Token) string {
	name := "token " + strconv.FormatInt(t.ID, 10)
	if t.Name != "" {
		name += " (" + t.Name + ")"
	}
	return name
}

// cookieName is the session cookie's name for this request.
func (h *Handler) cookieName(r *http.Request) string {
	if h.secure(r) {
		return secureSessionCookie
	}
	return sessionCookie
}

// setSessionCookie hands the browser its session id: HttpOnly so no script
// reads it, SameSite=Lax so other sites' forms do not carry it, and Secure
// over HTTPS. A negative maxAge deletes the cookie.
func (h *Handler) setSessionCookie(w http.ResponseWriter, r *http.Request, id string, maxAge time.Duration) {
	age := int(maxAge / time.Second)
	if maxAge < 0 {
		age = -1 // "Max-Age=0": a duration above -1s would round to 0, which sends no Max-Age at all
	}
	http.SetCookie(w, &http.Cookie{
		Name:     h.cookieName(r),
		Value:    id,
		Path:     "/",
		MaxAge:   age,
		HttpOnly: true,
		Secure:   h.secure(r),
		SameSite: http.SameSiteLaxMode,
	})
}

// truncate shortens s to n bytes at most, for echoing what a client sent.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
