package field

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/internal/baton/fixture"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

type schemaJSON struct {
	Fields []map[string]any `json:"fields"`
}

// TestSchemaOpsFieldsMatchReference compares, field by field and in order, the SDK ops fields
// of the canonical connector's `config` output with ours (our own extra ops fields are allowed).
func TestSchemaOpsFieldsMatchReference(t *testing.T) {
	t.Parallel()
	var ref schemaJSON
	require.NoError(t, json.Unmarshal(fixture.Read(t, "reference-config-schema.json"), &ref))
	out, err := Schema(Ops(SDKFields()), Meta{})
	require.NoError(t, err)
	var ours schemaJSON
	require.NoError(t, json.Unmarshal(out, &ours))
	byName := map[string]map[string]any{}
	var order []string
	for _, f := range ours.Fields {
		byName[f["name"].(string)] = f
		order = append(order, f["name"].(string))
	}
	var refOps []string
	for _, want := range ref.Fields {
		if want["isOps"] != true {
			continue
		}
		name := want["name"].(string)
		refOps = append(refOps, name)
		require.Equal(t, want, byName[name], "ops field %s", name)
	}
	require.NotEmpty(t, refOps)
	var oursInRef []string
	for _, n := range order {
		for _, r := range refOps {
			if n == r {
				oursInRef = append(oursInRef, n)
			}
		}
	}
	require.Equal(t, refOps, oursInRef, "ops fields must keep the reference order")
}

func TestSchemaGolden(t *testing.T) {
	t.Parallel()
	fields := append(Ops(SDKFields()),
		StringField("api-key", WithDisplayName("API Key"), WithDescription("a <secret> & more"), WithRequired(), WithSecret()),
		StringField("site", WithPlaceholder("https://example.com"), WithDefault("x")),
		IntField("limit", WithRequired(), WithMin(0), WithDefault(10)),
		BoolField("fast", WithDefault(true)),
		StringSliceField("kinds", WithDefault([]string{"a", "b"}), WithSuggestedValues("a")),
		StringSliceField("must", WithRequired()),
		DurationField("grace", WithDefault(1500*time.Millisecond)),
	)
	out, err := Schema(fields, Meta{
		DisplayName: "Example", HelpURL: "/docs/x", IconURL: "/icon.svg",
		Relationships: []Relationship{FieldsRequiredTogether("site", "limit"), FieldsDependentOn([]string{"fast"}, []string{"site"})},
	})
	require.NoError(t, err)
	require.NotEqual(t, byte('\n'), out[len(out)-1], "no trailing newline")
	require.Contains(t, string(out), `"a <secret> & more"`, "no HTML escaping")
	golden := filepath.Join("testdata", "schema.golden")
	if *update {
		require.NoError(t, os.WriteFile(golden, out, 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	require.Equal(t, string(want), string(out))
}

func TestSchemaRejectsBadFields(t *testing.T) {
	t.Parallel()
	_, err := Schema([]Field{StringField("a"), StringField("a")}, Meta{})
	require.ErrorContains(t, err, "field a declared twice")
}
