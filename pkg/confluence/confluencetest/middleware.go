package confluencetest

import (
	"context"
	"crypto/subtle"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const gatewayPrefix = "/ex/confluence/"

type gatewayKey struct{}

// serveHTTP is the top-level handler: /_sim/ control endpoints, gateway prefix stripping, then
// the route mux (whose handlers are wrapped by wrap).
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	switch p := r.URL.Path; {
	case strings.HasPrefix(p, "/_sim/"):
		s.control(w, r)
	case strings.HasPrefix(p, gatewayPrefix):
		r2, ok := s.stripGateway(r)
		if !ok {
			done := s.stats.begin("unknown", true)
			apiError(w, r, http.StatusNotFound, "No route for %s", p)
			done(http.StatusNotFound)
			return
		}
		s.mux.ServeHTTP(w, r2)
	default:
		s.mux.ServeHTTP(w, r)
	}
}

// stripGateway turns /ex/confluence/{cloudId}/wiki/... into /wiki/... for the right cloud id.
func (s *Server) stripGateway(r *http.Request) (*http.Request, bool) {
	cut := func(p string) (string, bool) {
		cloud, tail, ok := strings.Cut(strings.TrimPrefix(p, gatewayPrefix), "/")
		if !ok || cloud != s.st.cloudID || !strings.HasPrefix(tail, "wiki/") {
			return "", false
		}
		return "/" + tail, true
	}
	path, ok := cut(r.URL.Path)
	if !ok {
		return nil, false
	}
	u := *r.URL
	u.Path = path
	u.RawPath = ""
	if r.URL.RawPath != "" {
		u.RawPath, _ = cut(r.URL.RawPath)
	}
	r2 := r.WithContext(context.WithValue(r.Context(), gatewayKey{}, true))
	r2.URL = &u
	return r2, true
}

// handle registers a route; public routes skip authentication.
func (s *Server) handle(pattern string, public bool, h http.HandlerFunc) {
	s.mux.Handle(pattern, s.wrap(pattern, public, h))
}

// statusWriter remembers the status written through it.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (sw *statusWriter) WriteHeader(code int) {
	if sw.status == 0 {
		sw.status = code
	}
	sw.ResponseWriter.WriteHeader(code)
}

func (sw *statusWriter) Write(b []byte) (int, error) {
	if sw.status == 0 {
		sw.status = http.StatusOK
	}
	return sw.ResponseWriter.Write(b)
}

// Observe wraps h so that fn sees every answer h gives once the handler has returned: the
// request, when it arrived, its status and the response headers. A handler that hijacks the
// connection is reported with status 0.
func Observe(h http.Handler, fn func(r *http.Request, arrived time.Time, status int, header http.Header)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		fn(r, arrived, sw.status, w.Header())
	})
}

// wrap adds stats, authentication, rate limiting, latency and fault injection to a route.
func (s *Server) wrap(route string, public bool, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gw, _ := r.Context().Value(gatewayKey{}).(bool)
		done := s.stats.begin(route, gw)
		sw := &statusWriter{ResponseWriter: w}
		defer func() { done(sw.status) }()
		fs := s.faults.Load()
		if !public && !s.authorized(r, fs) {
			apiError(sw, r, http.StatusUnauthorized, "Client must be authenticated to access this resource.")
			return
		}
		if _, err := url.ParseQuery(r.URL.RawQuery); err != nil {
			apiError(sw, r, http.StatusBadRequest, "Malformed query string")
			return
		}
		if !fs.applies(route) {
			h(sw, r)
			return
		}
		n := fs.seq.Add(1)
		if fs.bucket != nil && !s.admit(sw, r, fs) {
			return
		}
		if d := fs.delay(n); d > 0 {
			fs.f.Sleep(r.Context(), d)
		}
		s.serveWithFault(sw, r, h, fs.decide(n), fs)
	})
}

// authorized checks Basic credentials and the revoke-after budget.
func (s *Server) authorized(r *http.Request, fs *faultState) bool {
	user, token, ok := r.BasicAuth()
	if !ok ||
		subtle.ConstantTimeCompare([]byte(user), []byte(s.cfg.Username)) != 1 ||
		subtle.ConstantTimeCompare([]byte(token), []byte(s.cfg.APIToken)) != 1 {
		return false
	}
	if fs.f.RevokeAfter > 0 && fs.authed.Add(1) > int64(fs.f.RevokeAfter) {
		s.stats.fault("revoked")
		return false
	}
	return true
}

// admit takes a token from the bucket, sets the rate-limit headers and answers 429 when the
// budget is spent.
func (s *Server) admit(w http.ResponseWriter, r *http.Request, fs *faultState) bool {
	info := fs.bucket.take()
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(info.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(info.remaining))
	h.Set("X-RateLimit-Reset", info.reset.UTC().Format("2006-01-02T15:04Z"))
	if float64(info.remaining) < 0.2*float64(info.limit) {
		h.Set("X-RateLimit-NearLimit", "true")
	}
	if info.ok {
		return true
	}
	secs := int((info.retryAfter + time.Second - 1) / time.Second)
	h.Set("Retry-After", strconv.Itoa(max(secs, 1)))
	h.Set("RateLimit-Reason", "confluence-quota-tenant-based")
	apiError(w, r, http.StatusTooManyRequests, "Rate limit exceeded")
	return false
}
