package confluencetest

import (
	"bytes"
	"net/http"
	"strconv"
)

const loginPage = `<!DOCTYPE html><html><head><title>Log in with Atlassian account</title></head>` +
	`<body><div id="root">Log in to continue</div></body></html>`

// bufferWriter captures a handler's answer so a fault can rewrite it.
type bufferWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferWriter) Header() http.Header { return b.header }

func (b *bufferWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

// serveWithFault runs h, or answers in its place, according to the drawn outcome.
func (s *Server) serveWithFault(w *statusWriter, r *http.Request, h http.HandlerFunc, o outcome, fs *faultState) {
	if o == outcomeNone {
		h(w, r)
		return
	}
	s.stats.fault(faultNames[o])
	write := r.Method != http.MethodGet && r.Method != http.MethodHead
	if fs.f.LandBeforeFail && write && o != outcomeMalformed && o != outcomeTruncated {
		h(&bufferWriter{header: http.Header{}}, r)
	}
	switch o {
	case outcome500:
		apiError(w, r, http.StatusInternalServerError, "Internal server error")
	case outcome503RetryAfter:
		w.Header().Set("Retry-After", "1")
		apiError(w, r, http.StatusServiceUnavailable, "Service unavailable")
	case outcome503:
		apiError(w, r, http.StatusServiceUnavailable, "Service unavailable")
	case outcomeDrop:
		dropConnection(w.ResponseWriter)
	case outcomeHTML:
		w.Header().Set("Content-Type", "text/html;charset=UTF-8")
		w.Header().Set("Content-Length", strconv.Itoa(len(loginPage)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(loginPage))
	case outcomeMalformed, outcomeTruncated:
		s.rewriteBody(w, r, h, o)
	}
}

// rewriteBody runs h into a buffer and corrupts a successful, non-empty answer: malformed keeps
// the framing but breaks the JSON; truncated declares the full length, sends half and closes.
func (s *Server) rewriteBody(w *statusWriter, r *http.Request, h http.HandlerFunc, o outcome) {
	bw := &bufferWriter{header: w.Header()}
	h(bw, r)
	body := bw.body.Bytes()
	if bw.status == 0 {
		bw.status = http.StatusOK
	}
	if bw.status/100 != 2 || len(body) == 0 {
		w.WriteHeader(bw.status)
		_, _ = w.Write(body)
		return
	}
	if o == outcomeMalformed {
		broken := append(append([]byte{}, body[:len(body)/2]...), `"}]{,<html>`...)
		w.Header().Set("Content-Length", strconv.Itoa(len(broken)))
		w.WriteHeader(bw.status)
		_, _ = w.Write(broken)
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(bw.status)
	_, _ = w.Write(body[:len(body)/2])
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
	panic(http.ErrAbortHandler) // net/http closes the connection without logging
}

// dropConnection closes the connection without an answer.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}
