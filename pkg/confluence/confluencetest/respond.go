package confluencetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func putBuf(buf *bytes.Buffer) {
	if buf.Cap() < 4<<20 {
		buf.Reset()
		bufPool.Put(buf)
	}
}

// writeJSON encodes v and writes it with status, Content-Type and Content-Length.
func writeJSON(w http.ResponseWriter, status int, v any) {
	buf := bufPool.Get().(*bytes.Buffer)
	defer putBuf(buf)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, "encode response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	writeBytes(w, status, buf.Bytes())
}

// writeBytes writes an encoded JSON body.
func writeBytes(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json;charset=UTF-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// isV2 reports whether a site path belongs to the v2 API (errors use the v2 body shape).
func isV2(path string) bool { return strings.HasPrefix(path, "/wiki/api/v2/") }

type v1ErrorData struct {
	Authorized bool     `json:"authorized"`
	Valid      bool     `json:"valid"`
	Errors     []string `json:"errors"`
	Successful bool     `json:"successful"`
}

type v1ErrorBody struct {
	StatusCode int         `json:"statusCode"`
	Data       v1ErrorData `json:"data"`
	Message    string      `json:"message"`
	Reason     string      `json:"reason"`
}

type v2ErrorItem struct {
	Status int     `json:"status"`
	Code   string  `json:"code"`
	Title  string  `json:"title"`
	Detail *string `json:"detail"`
}

type v2ErrorBody struct {
	Errors []v2ErrorItem `json:"errors"`
}

var v2Codes = map[int]string{
	400: "INVALID_REQUEST_PARAMETER", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND",
	413: "REQUEST_ENTITY_TOO_LARGE", 415: "UNSUPPORTED_MEDIA_TYPE", 429: "TOO_MANY_REQUESTS",
	500: "INTERNAL_SERVER_ERROR", 503: "SERVICE_UNAVAILABLE",
}

// apiError writes an error in the body shape of the request's API version.
func apiError(w http.ResponseWriter, r *http.Request, status int, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if isV2(r.URL.Path) {
		code := v2Codes[status]
		if code == "" {
			code = "ERROR"
		}
		writeJSON(w, status, v2ErrorBody{Errors: []v2ErrorItem{{Status: status, Code: code, Title: msg}}})
		return
	}
	writeJSON(w, status, v1ErrorBody{
		StatusCode: status, Message: msg, Reason: http.StatusText(status),
		Data: v1ErrorData{Authorized: status != 401 && status != 403, Valid: true, Errors: []string{}},
	})
}

// baseURL is the site base of the links in bodies: scheme, host and /wiki.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/wiki"
}

// intParam parses an optional non-negative integer query parameter.
func intParam(r *http.Request, name string, def int) (int, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s must be a non-negative integer", name)
	}
	return n, nil
}

// listParam splits a multi-valued parameter given repeated or comma-separated.
func listParam(r *http.Request, name string) []string {
	var out []string
	for _, v := range r.URL.Query()[name] {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// expands reports the values of the expand parameter (repeated or comma-separated).
func expands(r *http.Request) map[string]bool {
	out := map[string]bool{}
	for _, e := range listParam(r, "expand") {
		out[e] = true
	}
	return out
}

// boolParam parses an optional boolean query parameter ("" is false).
func boolParam(r *http.Request, name string) bool {
	b, _ := strconv.ParseBool(r.URL.Query().Get(name))
	return b
}
