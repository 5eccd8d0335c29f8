package config

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/internal/baton/field"
	"github.com/baton-confluence/baton-confluence/internal/baton/fixture"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// values is a Values backed by maps, as *cli.Config would be.
type values struct {
	s map[string]string
	b map[string]bool
	l map[string][]string
}

func (v values) GetString(n string) string        { return v.s[n] }
func (v values) GetBool(n string) bool            { return v.b[n] }
func (v values) GetStringSlice(n string) []string { return v.l[n] }

func valid() values {
	return values{
		s: map[string]string{DomainURLName: "https://acme.atlassian.net", UsernameName: "me@acme.com", APIKeyName: "tok-123"},
		b: map[string]bool{},
		l: map[string][]string{},
	}
}

// TestSchemaMatchesReference renders the `config` output (SDK ops fields, then ours) and
// compares it byte for byte with the canonical connector's.
func TestSchemaMatchesReference(t *testing.T) {
	t.Parallel()
	out, err := field.Schema(append(field.Ops(field.SDKFields()), Fields()...), Meta())
	require.NoError(t, err)
	golden := filepath.Join("testdata", "config-schema.golden")
	if *update {
		require.NoError(t, os.WriteFile(golden, out, 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	require.Equal(t, string(want), string(out))
	require.Equal(t, string(fixture.Read(t, "reference-config-schema.json")), string(out))
}

func TestFieldsDeclaration(t *testing.T) {
	t.Parallel()
	require.NoError(t, field.Check(append(field.SDKFields(), Fields()...), nil), "no clash with SDK flags")
	byName := map[string]field.Field{}
	for _, f := range Fields() {
		byName[f.Name] = f
	}
	require.True(t, byName[APIKeyName].Secret)
	require.Equal(t, "BATON_API_KEY", byName[APIKeyName].EnvVar())
	require.Equal(t, "BATON_DOMAIN_URL", byName[DomainURLName].EnvVar())
	require.Equal(t, "BATON_SKIP_PERSONAL_SPACES", byName[SkipPersonalSpacesName].EnvVar())
	require.Equal(t, "BATON_USE_RBAC", byName[UseRBACName].EnvVar())
	for _, n := range []string{APIKeyName, DomainURLName, UsernameName} {
		require.True(t, byName[n].Required, n)
	}
}

func TestNewDefaultsAndNormalization(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		nouns, verbs []string
		wantN, wantV []string
	}{
		{"empty means all, canonical order", nil, nil, AllNouns, AllVerbs},
		{"order kept", []string{"space", "page"}, []string{"read", "administer"}, []string{"space", "page"}, []string{"read", "administer"}},
		{"duplicates removed", []string{"page", "space", "page"}, []string{"read", "read"}, []string{"page", "space"}, []string{"read"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := valid()
			v.l[NounName], v.l[VerbName] = tt.nouns, tt.verbs
			v.b[UseRBACName], v.b[SkipPersonalSpacesName] = true, true
			c, err := New(v)
			require.NoError(t, err)
			require.Equal(t, tt.wantN, c.Nouns)
			require.Equal(t, tt.wantV, c.Verbs)
			require.True(t, c.UseRBAC)
			require.True(t, c.SkipPersonalSpaces)
			require.Equal(t, "https://acme.atlassian.net", c.DomainURL)
			require.Equal(t, "tok-123", c.APIKey)
		})
	}
	require.Len(t, AllNouns, 5)
	require.Len(t, AllVerbs, 8)
	c, err := New(valid())
	require.NoError(t, err)
	c.Nouns[0] = "changed"
	require.Equal(t, "attachment", AllNouns[0], "defaults are copied, not shared")
}

func TestValidateErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		patch func(values)
		want  string
	}{
		{"unknown noun", func(v values) { v.l[NounName] = []string{"page", "pages"} },
			`unknown --noun "pages": allowed values are attachment, blogpost, comment, page, space`},
		{"noun is case sensitive", func(v values) { v.l[NounName] = []string{"Page"} },
			`unknown --noun "Page": allowed values are attachment, blogpost, comment, page, space`},
		{"unknown verb", func(v values) { v.l[VerbName] = []string{"view"} },
			`unknown --verb "view": allowed values are administer, archive, create, delete, export, read, restrict_content, update`},
		{"missing domain", func(v values) { v.s[DomainURLName] = " " }, "missing required --domain-url (or BATON_DOMAIN_URL)"},
		{"missing username", func(v values) { delete(v.s, UsernameName) }, "missing required --username (or BATON_USERNAME)"},
		{"missing key", func(v values) { delete(v.s, APIKeyName) }, "missing required --api-key (or BATON_API_KEY)"},
		{"spaces", func(v values) { v.s[DomainURLName] = "https://acme .atlassian.net" },
			`--domain-url (BATON_DOMAIN_URL) "https://acme .atlassian.net" must not contain spaces`},
		{"bare site without host", func(v values) { v.s[DomainURLName] = "/wiki" }, `--domain-url (BATON_DOMAIN_URL) "/wiki" has no host`},
		{"bad host", func(v values) { v.s[DomainURLName] = "https://acme_site!.net" },
			`--domain-url (BATON_DOMAIN_URL) "https://acme_site!.net" has an invalid host`},
		{"empty fragment", func(v values) { v.s[DomainURLName] = "https://acme.atlassian.net/#" },
			`--domain-url (BATON_DOMAIN_URL) "https://acme.atlassian.net/#" must not have a query or fragment`},
		{"bare site with query", func(v values) { v.s[DomainURLName] = "acme.atlassian.net?x" },
			`--domain-url (BATON_DOMAIN_URL) "acme.atlassian.net?x" must not have a query or fragment`},
		{"ftp", func(v values) { v.s[DomainURLName] = "ftp://acme.atlassian.net" },
			`--domain-url (BATON_DOMAIN_URL) "ftp://acme.atlassian.net" has unsupported scheme "ftp": use https`},
		{"no host", func(v values) { v.s[DomainURLName] = "https://" }, `--domain-url (BATON_DOMAIN_URL) "https://" has no host`},
		{"query", func(v values) { v.s[DomainURLName] = "https://acme.atlassian.net/?x=1" },
			`--domain-url (BATON_DOMAIN_URL) "https://acme.atlassian.net/?x=1" must not have a query or fragment`},
		{"plain http to a remote host", func(v values) { v.s[DomainURLName] = "http://acme.atlassian.net/wiki" },
			`--domain-url (BATON_DOMAIN_URL) "http://acme.atlassian.net/wiki" uses plain http: credentials are only sent over https ` +
				`(plain http is for local test servers on 127.0.0.1, ::1 or localhost)`},
		{"plain http, upper case", func(v values) { v.s[DomainURLName] = "HTTP://10.0.0.1:8080" },
			`--domain-url (BATON_DOMAIN_URL) "HTTP://10.0.0.1:8080" uses plain http: credentials are only sent over https ` +
				`(plain http is for local test servers on 127.0.0.1, ::1 or localhost)`},
		{"label too long", func(v values) { v.s[DomainURLName] = "https://" + strings.Repeat("a", 64) + ".atlassian.net" },
			`--domain-url (BATON_DOMAIN_URL) "https://` + strings.Repeat("a", 64) + `.atlassian.net" has an invalid host`},
		{"empty label", func(v values) { v.s[DomainURLName] = "acme..atlassian.net" },
			`--domain-url (BATON_DOMAIN_URL) "acme..atlassian.net" has an invalid host`},
		{"host too long, quoted short", func(v values) { v.s[DomainURLName] = strings.Repeat("abcdefgh.", 40) + "net" },
			`--domain-url (BATON_DOMAIN_URL) "` + strings.Repeat("abcdefgh.", 13) + `abc"... (363 bytes) has an invalid host`},
		{"unicode host", func(v values) { v.s[DomainURLName] = "https://例え.atlassian.net" },
			`--domain-url (BATON_DOMAIN_URL) "https://例え.atlassian.net" has an invalid host`},
		{"long noun quoted short", func(v values) { v.l[NounName] = []string{strings.Repeat("ü", 100)} },
			"unknown --noun \"" + strings.Repeat("ü", 60) + "\"... (200 bytes): allowed values are attachment, blogpost, comment, page, space"},
		{"credentials never echoed", func(v values) { v.s[DomainURLName] = "https://me:hunter2@acme.atlassian.net" },
			atSign},
		{"credentials without scheme never echoed", func(v values) { v.s[DomainURLName] = "me:hunter2@acme.atlassian.net" }, atSign},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := valid()
			tt.patch(v)
			c, err := New(v)
			require.Nil(t, c)
			require.EqualError(t, err, tt.want)
			require.NotContains(t, err.Error(), "hunter2")
		})
	}
}

const atSign = "the value of --domain-url (BATON_DOMAIN_URL) must not contain '@': put credentials in --username and --api-key"

func TestValidateReportsEveryProblem(t *testing.T) {
	t.Parallel()
	c := &Config{Nouns: []string{"pages", "space"}, Verbs: []string{"view"}}
	err := c.Validate()
	require.Error(t, err)
	require.Len(t, strings.Split(err.Error(), "\n"), 5)
}

func TestAcceptedDomainURLs(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"https://acme.atlassian.net", "https://acme.atlassian.net/", "HTTPS://acme.atlassian.net",
		"http://127.0.0.1:8080", "http://[::1]:9000", "HTTP://LOCALHOST:8080/wiki", "http://127.1.2.3",
		"https://acme.atlassian.net.", "https://api.atlassian.com/ex/confluence/abc-123", "acme.atlassian.net",
		"acme.atlassian.net:443/wiki", "https://acme.atlassian.net/wiki"} {
		v := valid()
		v.s[DomainURLName] = u
		c, err := New(v)
		require.NoError(t, err, u)
		require.Equal(t, u, c.DomainURL, "kept as configured (it is also the ExternalLink)")
	}
	v := valid()
	v.s[DomainURLName], v.s[UsernameName] = " https://acme.atlassian.net\n", " me@acme.com "
	c, err := New(v)
	require.NoError(t, err)
	require.Equal(t, "https://acme.atlassian.net", c.DomainURL, "surrounding white space dropped")
	require.Equal(t, "me@acme.com", c.Username)
}

func TestAPIKeyRedacted(t *testing.T) {
	t.Parallel()
	c, err := New(valid())
	require.NoError(t, err)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		for _, x := range []any{c, *c} {
			s := fmt.Sprintf(verb, x)
			require.False(t, strings.Contains(s, "tok-123"), "%s printed the API key: %s", verb, s)
		}
	}
	require.Contains(t, c.String(), "APIKey:********")
	require.Contains(t, fmt.Sprintf("%#v", c), `APIKey:"********"`)
	require.Contains(t, fmt.Sprintf("%+v", c), "DomainURL:https://acme.atlassian.net")
	b, err := json.Marshal(c)
	require.NoError(t, err)
	require.NotContains(t, string(b), "tok-123")
	require.Contains(t, string(b), `"APIKey":"********"`)
	require.Equal(t, "tok-123", c.APIKey, "masking never changes the value")
	require.Contains(t, Config{}.String(), "APIKey: ", "an empty key prints empty")
}

func TestQuoteShort(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"acme", `"acme"`},
		{strings.Repeat("a", 120), `"` + strings.Repeat("a", 120) + `"`},
		{strings.Repeat("a", 121), `"` + strings.Repeat("a", 120) + `"... (121 bytes)`},
		{strings.Repeat("é", 100), `"` + strings.Repeat("é", 60) + `"... (200 bytes)`},
		// Invalid bytes quote four times as long: the cut follows the quoted form.
		{strings.Repeat("\xf9", 66), `"` + strings.Repeat(`\xf9`, 30) + `"... (66 bytes)`},
	}
	for _, tt := range tests {
		got := quoteShort(tt.in)
		require.Equal(t, tt.want, got)
		require.LessOrEqual(t, len(got), maxQuoted+30)
	}
}
