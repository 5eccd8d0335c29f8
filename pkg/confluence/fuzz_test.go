package confluence

import (
	"encoding/json"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

// fuzzDecode checks that decoding never panics and that whatever decodes survives an
// encode/decode round trip unchanged (so no field is half-read).
func fuzzDecode[T any](f *testing.F, seeds ...string) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var first T
		if json.Unmarshal(data, &first) != nil {
			return
		}
		again, err := json.Marshal(first)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		var second T
		if err := json.Unmarshal(again, &second); err != nil {
			t.Fatalf("decode own encoding %s: %v", again, err)
		}
		if !reflect.DeepEqual(first, second) {
			t.Fatalf("round trip changed the value:\n%#v\n%#v", first, second)
		}
	})
}

func FuzzDecodeGroups(f *testing.F) {
	fuzzDecode[v1Page[Group]](f,
		`{"results":[{"type":"group","name":"admins","id":"g-1"}],"start":0,"limit":200,"size":1,"_links":{"next":"/rest/api/group?start=1"}}`,
		`{"results":null,"_links":null}`)
}

func FuzzDecodeMembers(f *testing.F) {
	fuzzDecode[v1Page[User]](f,
		`{"results":[{"accountId":"u","accountType":"app","email":null,"operations":[{"operation":"use","targetType":"application"}],"personalSpace":{"id":12,"key":"~u"}}]}`)
}

func FuzzDecodeUserSearch(f *testing.F) {
	fuzzDecode[v1Page[searchResult]](f,
		`{"results":[{"user":{"accountId":"u","displayName":"Zoë"},"score":1.5},{"title":"x"}],"totalSize":1,"_links":{"next":"/rest/api/search/user?start=2"}}`)
}

func FuzzDecodeBulkUsers(f *testing.F) {
	fuzzDecode[v2Page[BulkUser]](f,
		`{"results":[{"accountId":"u","accountStatus":"closed","personalSpaceId":"98","profilePicture":{"path":"/p"}}],"_links":{}}`)
}

func FuzzDecodeSpaces(f *testing.F) {
	fuzzDecode[v2Page[Space]](f,
		`{"results":[{"id":"65538","key":"ENG","homepageId":123,"description":{"plain":{"value":"x","representation":"plain"}},"operations":{"results":[],"meta":{"hasMore":true,"cursor":"c"}}}],"_links":{"next":"/wiki/api/v2/spaces?cursor=abc"}}`)
}

func FuzzDecodeSpacePermissions(f *testing.F) {
	fuzzDecode[v2Page[SpacePermission]](f,
		`{"results":[{"id":900,"principal":{"type":"role","id":"r"},"operation":{"key":"read","targetType":"space"}}]}`)
}

func FuzzDecodeAvailablePermissions(f *testing.F) {
	fuzzDecode[v2Page[AvailablePermission]](f,
		`{"results":[{"id":"read/space","displayName":"View","requiredPermissionIds":["a","b"]}]}`)
}

func FuzzDecodeSpaceRoles(f *testing.F) {
	fuzzDecode[v2Page[SpaceRole]](f,
		`{"results":[{"id":"r","type":"SYSTEM","name":"Admin","spacePermissions":["read/space"]}]}`)
}

func FuzzDecodeRoleAssignments(f *testing.F) {
	fuzzDecode[v2Page[RoleAssignment]](f,
		`{"results":[{"principal":{"principalType":"ACCESS_CLASS","principalId":"anonymous-users"},"roleId":"r"}]}`)
}

// FuzzLinkNext: the Link parser never panics, and what it returns is one link target.
func FuzzLinkNext(f *testing.F) {
	for _, s := range []string{
		`</wiki/api/v2/spaces?cursor=abc&limit=250>; rel="next"`,
		`<https://acme.atlassian.net/wiki>; rel="base", </wiki/api/v2/x?cursor=a%2Bb>; rel="next last"`,
		`<a>; rel=next`, `<>`, `<<>>; rel="next"`, `garbage`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		got := linkNext([]string{h})
		if strings.ContainsAny(got, "<>") {
			t.Fatalf("target %q holds an angle bracket", got)
		}
		if got != "" && !strings.Contains(h, "<"+got) && !strings.Contains(h, got+">") {
			t.Fatalf("target %q is not in the header", got)
		}
	})
}

// FuzzCursor: the cursor taken from a link holds no '&' or '#', escaping it is idempotent and
// leaves it valid in a query, and a properly escaped cursor survives unchanged.
func FuzzCursor(f *testing.F) {
	for _, s := range []string{
		"/wiki/api/v2/spaces?cursor=eyJh+Yi/9==&limit=250", "/x?limit=1&cursor=a%2Bb%3D#frag",
		"/x?cursor=", "/x?cursor=%zz&y", "no query",
	} {
		f.Add(s, "a+b/c=d ü&#%")
	}
	f.Fuzz(func(t *testing.T, link, value string) {
		c := cursorFromLink(link)
		if strings.ContainsAny(c, "&#") {
			t.Fatalf("cursor %q from %q holds a separator", c, link)
		}
		if escapeCursor(c) != c && !strings.ContainsAny(c, " %") && isPlainQuery(c) {
			t.Fatalf("a raw cursor %q was changed to %q", c, escapeCursor(c))
		}
		e := escapeCursor(value)
		if escapeCursor(e) != e {
			t.Fatalf("escapeCursor not idempotent on %q", value)
		}
		if _, err := url.ParseQuery("cursor=" + e); err != nil {
			t.Fatalf("escaped %q is not a valid query: %v", value, err)
		}
		q := url.QueryEscape(value)
		if escapeCursor(q) != q {
			t.Fatalf("a query-escaped cursor %q was changed", q)
		}
		back, err := url.ParseQuery("cursor=" + escapeCursor(q))
		if err != nil || back.Get("cursor") != value {
			t.Fatalf("round trip of %q gave %q (%v)", value, back.Get("cursor"), err)
		}
	})
}

func isPlainQuery(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isRawQueryByte(s[i]) {
			return false
		}
	}
	return true
}

// FuzzRetryAfter: parsing never panics and never yields a negative wait.
func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"3", "0", "1.5", "-1", "Wed, 21 Oct 2015 07:28:00 GMT", "NaN", "1e99", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if d, ok := parseRetryAfter(v, fixedNow); ok && d < 0 {
			t.Fatalf("negative wait %s for %q", d, v)
		}
		_ = parseResetTime(v)
	})
}

// FuzzParseBaseURL: accepted URLs normalise to something that parses again to itself.
func FuzzParseBaseURL(f *testing.F) {
	for _, s := range []string{"acme.atlassian.net", "HTTPS://A.b/WIKI/", "http://[::1]:1", "https://api.atlassian.com/ex/confluence/x", "ftp://x", "a b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		b, err := parseBaseURL(raw)
		if err != nil {
			return
		}
		again, err := parseBaseURL(b.String())
		if err != nil {
			t.Fatalf("normalised %q -> %q does not parse: %v", raw, b.String(), err)
		}
		if again != b {
			t.Fatalf("not stable: %q -> %+v -> %+v", raw, b, again)
		}
	})
}

var fixedNow = mustTime("2026-01-01T00:00:00Z")

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}
