package confluencetest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// start runs a server for the test and closes it afterwards.
func start(t testing.TB, cfg Config) *Server {
	t.Helper()
	srv, err := NewServer(cfg)
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	return srv
}

// client is a tiny hand-written HTTP client for the tests (deliberately not package confluence).
type client struct {
	t     testing.TB
	base  string
	user  string
	token string
	hc    *http.Client
}

func newClient(t testing.TB, srv *Server) *client {
	return &client{t: t, base: srv.URL(), user: srv.Config().Username, token: srv.Config().APIToken,
		hc: &http.Client{Timeout: 30 * time.Second}}
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request; body, if not nil, is JSON-encoded with the headers v1 writes need.
func (c *client) do(method, path string, body any) reply {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(c.t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.url(path), rd)
	require.NoError(c.t, err)
	req.SetBasicAuth(c.user, c.token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Atlassian-Token", "no-check")
	}
	return c.send(req)
}

func (c *client) url(path string) string {
	if strings.HasPrefix(path, "http") {
		return path
	}
	return c.base + path
}

func (c *client) send(req *http.Request) reply {
	c.t.Helper()
	resp, err := c.hc.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

// getJSON GETs path, requires 200 and decodes the body into v.
func (c *client) getJSON(path string, v any) reply {
	c.t.Helper()
	r := c.do(http.MethodGet, path, nil)
	require.Equal(c.t, http.StatusOK, r.status, "GET %s: %s", path, r.body)
	require.NoError(c.t, json.Unmarshal(r.body, v), "GET %s", path)
	return r
}

// v1PageBody is what the tests read from a v1 page.
type v1PageBody struct {
	Results   []json.RawMessage `json:"results"`
	Start     int               `json:"start"`
	Limit     int               `json:"limit"`
	Size      int               `json:"size"`
	TotalSize *int              `json:"totalSize"`
	Links     struct {
		Base, Context, Self, Next string
	} `json:"_links"`
}

// walkV1 follows _links.next (relative to _links.base) until it is absent.
func (c *client) walkV1(path string) []json.RawMessage {
	c.t.Helper()
	var all []json.RawMessage
	for pages := 0; path != ""; pages++ {
		require.Less(c.t, pages, 10000, "too many pages")
		var p v1PageBody
		c.getJSON(path, &p)
		require.Equal(c.t, len(p.Results), p.Size)
		require.True(c.t, strings.HasSuffix(p.Links.Base, "/wiki"), p.Links.Base)
		all = append(all, p.Results...)
		path = ""
		if p.Links.Next != "" {
			require.True(c.t, strings.HasPrefix(p.Links.Next, "/rest/api/"), p.Links.Next)
			path = p.Links.Base + p.Links.Next
		}
	}
	return all
}

// v2PageBody is what the tests read from a v2 page.
type v2PageBody struct {
	Results []json.RawMessage `json:"results"`
	Links   struct {
		Next string `json:"next"`
		Base string `json:"base"`
	} `json:"_links"`
}

// walkV2 follows _links.next (site-relative) until it is absent, checking the Link header
// carries the same URL.
func (c *client) walkV2(path string) []json.RawMessage {
	c.t.Helper()
	var all []json.RawMessage
	for pages := 0; path != ""; pages++ {
		require.Less(c.t, pages, 10000, "too many pages")
		var p v2PageBody
		r := c.getJSON(path, &p)
		all = append(all, p.Results...)
		path = ""
		if p.Links.Next != "" {
			require.Equal(c.t, "<"+p.Links.Next+`>; rel="next"`, r.header.Get("Link"))
			require.True(c.t, strings.HasPrefix(p.Links.Next, "/wiki/api/v2/"), p.Links.Next)
			path = p.Links.Next
		} else {
			require.Empty(c.t, r.header.Get("Link"))
		}
	}
	return all
}

// field decodes one field of each raw object.
func fields[T any](t testing.TB, raws []json.RawMessage, get func(T) string) []string {
	t.Helper()
	out := make([]string, len(raws))
	for i, raw := range raws {
		var v T
		require.NoError(t, json.Unmarshal(raw, &v))
		out[i] = get(v)
	}
	return out
}

type idObj struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	AccountID string `json:"accountId"`
}

type searchObj struct {
	User struct {
		AccountID string `json:"accountId"`
	} `json:"user"`
}

func userIDs(users []User) []string {
	out := make([]string, len(users))
	for i, u := range users {
		out[i] = u.AccountID
	}
	return out
}

// v1Err and v2Err decode the two error body shapes.
type v1Err struct {
	StatusCode int    `json:"statusCode"`
	Message    string `json:"message"`
	Reason     string `json:"reason"`
	Data       *struct {
		Authorized bool `json:"authorized"`
	} `json:"data"`
}

type v2Err struct {
	Errors []struct {
		Status int    `json:"status"`
		Code   string `json:"code"`
		Title  string `json:"title"`
	} `json:"errors"`
}

// requireV1Error checks a v1 error answer.
func requireV1Error(t testing.TB, r reply, status int) v1Err {
	t.Helper()
	require.Equal(t, status, r.status, "%s", r.body)
	var e v1Err
	require.NoError(t, json.Unmarshal(r.body, &e), "%s", r.body)
	require.Equal(t, status, e.StatusCode)
	require.NotNil(t, e.Data)
	return e
}

// requireV2Error checks a v2 error answer.
func requireV2Error(t testing.TB, r reply, status int) v2Err {
	t.Helper()
	require.Equal(t, status, r.status, "%s", r.body)
	var e v2Err
	require.NoError(t, json.Unmarshal(r.body, &e), "%s", r.body)
	require.Len(t, e.Errors, 1)
	require.Equal(t, status, e.Errors[0].Status)
	return e
}
