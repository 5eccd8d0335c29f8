package confluence

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// v2PermissionsPage renders a 250-item v2 space-permissions page.
func v2PermissionsPage() []byte {
	var b strings.Builder
	b.WriteString(`{"results":[`)
	for i := range 250 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"%d","principal":{"type":"group","id":"5b0c%04d-1a2b-4c3d-9e8f-0123456789ab"},"operation":{"key":"read","targetType":"space"}}`, 100000+i, i)
	}
	b.WriteString(`],"_links":{"next":"/wiki/api/v2/spaces/65538/permissions?cursor=eyJpZCI6MTAwMjUwfQ%3D%3D&limit=250","base":"https://acme.atlassian.net/wiki"}}`)
	return []byte(b.String())
}

// v1MembersPage renders a 200-item v1 membersByGroupId page with expand=operations.
func v1MembersPage() []byte {
	var b strings.Builder
	b.WriteString(`{"results":[`)
	for i := range 200 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"type":"known","accountId":"5f%022d","accountType":"atlassian","email":"user%d@example.com","publicName":"User %d","displayName":"User Number %d","profilePicture":{"path":"/wiki/aa-avatar/%d","width":48,"height":48,"isDefault":false},"operations":[{"operation":"use","targetType":"application"},{"operation":"create","targetType":"page"}],"_links":{"self":"https://acme.atlassian.net/wiki/rest/api/user?accountId=%d"}}`, i, i, i, i, i, i)
	}
	b.WriteString(`],"start":0,"limit":200,"size":200,"_links":{"base":"https://acme.atlassian.net/wiki","context":"/wiki","next":"/rest/api/group/g/membersByGroupId?start=200&limit=200","self":"https://acme.atlassian.net/wiki/rest/api/group/g/membersByGroupId"}}`)
	return []byte(b.String())
}

func BenchmarkDecodeV2Page250(b *testing.B) {
	data := v2PermissionsPage()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var p v2Page[SpacePermission]
		if err := json.Unmarshal(data, &p); err != nil || len(p.Results) != 250 {
			b.Fatalf("decode: %v (%d results)", err, len(p.Results))
		}
	}
}

func BenchmarkDecodeV1Page200(b *testing.B) {
	data := v1MembersPage()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var p v1Page[User]
		if err := json.Unmarshal(data, &p); err != nil || len(p.Results) != 200 {
			b.Fatalf("decode: %v (%d results)", err, len(p.Results))
		}
	}
}

// BenchmarkClientPageV2 measures one 250-item page through the whole client stack (limiter,
// pacer, retry layer, body buffering, decoding) against a local server.
func BenchmarkClientPageV2(b *testing.B) {
	data := v2PermissionsPage()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /wiki/api/v2/spaces/{id}/permissions", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(data)
	})
	c := setupServer(b, mux)
	b.ReportAllocs()
	for b.Loop() {
		p, resp, err := c.Spaces.Permissions(b.Context(), "65538", nil)
		if err != nil || len(p) != 250 || resp.NextCursor == "" {
			b.Fatalf("page: %v", err)
		}
	}
}
