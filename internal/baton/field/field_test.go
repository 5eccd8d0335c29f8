package field

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestEnvVar(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]string{
		"domain-url":                "BATON_DOMAIN_URL",
		"file":                      "BATON_FILE",
		"health-check-bind-address": "BATON_HEALTH_CHECK_BIND_ADDRESS",
		"c1z-temp-dir":              "BATON_C1Z_TEMP_DIR",
	} {
		require.Equal(t, want, EnvVar(name))
		require.Equal(t, want, StringField(name).EnvVar())
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		f       Field
		in      string
		want    any
		wantErr string
	}{
		{"string kept verbatim", StringField("s"), " a b ", " a b ", ""},
		{"bool true", BoolField("b"), "true", true, ""},
		{"bool 1", BoolField("b"), " 1 ", true, ""},
		{"bool false", BoolField("b"), "FALSE", false, ""},
		{"bool bad", BoolField("b"), "yes", nil, `bad value "yes" for --b: expected true or false`},
		{"int", IntField("i"), "42", 42, ""},
		{"int negative", IntField("i"), "-1", -1, ""},
		{"int bad", IntField("i"), "4x", nil, `bad value "4x" for --i: expected a whole number`},
		{"list commas", StringSliceField("l"), "page,space", []string{"page", "space"}, ""},
		{"list commas with blanks", StringSliceField("l"), " page , space ,", []string{"page", "space"}, ""},
		{"list white space like the canonical", StringSliceField("l"), "page  space", []string{"page", "space"}, ""},
		{"list csv quoting", StringSliceField("l"), `"a,b",c`, []string{"a,b", "c"}, ""},
		{"list single", StringSliceField("l"), "page", []string{"page"}, ""},
		{"list empty", StringSliceField("l"), "", []string{}, ""},
		{"duration", DurationField("d"), "1m30s", 90 * time.Second, ""},
		{"duration bad", DurationField("d"), "25", nil, `bad value "25" for --d: expected a duration such as 25s or 1m30s`},
		{"secret never echoed", IntField("k", WithSecret()), "hunter2", nil, "bad value for --k: expected a whole number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(tt.f, tt.in)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				require.ErrorIs(t, err, ErrBadValue)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestCoerce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		f       Field
		in      any
		want    any
		wantErr bool
	}{
		{"string from string", StringField("s"), "x", "x", false},
		{"string from number", StringField("s"), 12, "12", false},
		{"bool", BoolField("b"), true, true, false},
		{"bool from string", BoolField("b"), "true", true, false},
		{"bool from int", BoolField("b"), 1, nil, true},
		{"int", IntField("i"), 7, 7, false},
		{"int from int64", IntField("i"), int64(7), 7, false},
		{"int from whole float", IntField("i"), 7.0, 7, false},
		{"int from fraction", IntField("i"), 7.5, nil, true},
		{"int from string", IntField("i"), "8", 8, false},
		{"list", StringSliceField("l"), []any{"a", 1, true}, []string{"a", "1", "true"}, false},
		{"list of strings", StringSliceField("l"), []string{"a"}, []string{"a"}, false},
		{"list from string", StringSliceField("l"), "a,b", []string{"a", "b"}, false},
		{"list of maps", StringSliceField("l"), []any{map[string]any{}}, nil, true},
		{"map", StringField("s"), map[string]any{"a": 1}, nil, true},
		{"duration", DurationField("d"), "2s", 2 * time.Second, false},
		{"duration from int", DurationField("d"), 2, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Coerce(tt.f, tt.in)
			if tt.wantErr {
				require.ErrorIs(t, err, ErrBadValue)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	require.NoError(t, Check(SDKFields(), SDKRelationships()))
	tests := []struct {
		name   string
		fields []Field
		rels   []Relationship
		want   string
	}{
		{"duplicate", []Field{StringField("a"), BoolField("a")}, nil, "field a declared twice"},
		{"empty name", []Field{StringField("")}, nil, "field with an empty name"},
		{"shorthand", []Field{StringField("a", WithShort("x")), StringField("b", WithShort("x"))}, nil, "fields a and b share shorthand -x"},
		{"default type", []Field{IntField("a", WithDefault("3"))}, nil, "field a: default string does not match type int"},
		{"rules on string", []Field{StringField("a", WithMin(1))}, nil, "field a: int rules on a string field"},
		{"unknown relationship field", []Field{StringField("a")}, []Relationship{FieldsRequiredTogether("a", "b")}, "relationship required-together names unknown field b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.EqualError(t, Check(tt.fields, tt.rels), tt.want)
		})
	}
}

func TestCheckRules(t *testing.T) {
	t.Parallel()
	ranged := IntField("task-concurrency", WithRange(1, 100))
	minOnly := IntField("workers", WithMin(-1))
	maxOnly := IntField("m", func(f *Field) { hi := 5; f.Rules.LTE = &hi })
	tests := []struct {
		f    Field
		v    int
		want string
	}{
		{ranged, 1, ""},
		{ranged, 100, ""},
		{ranged, 0, "--task-concurrency (BATON_TASK_CONCURRENCY) must be between 1 and 100, got 0"},
		{ranged, 101, "--task-concurrency (BATON_TASK_CONCURRENCY) must be between 1 and 100, got 101"},
		{minOnly, -1, ""},
		{minOnly, -2, "--workers (BATON_WORKERS) must be at least -1, got -2"},
		{maxOnly, 6, "--m (BATON_M) must be at most 5, got 6"},
		{IntField("free"), -100, ""},
	}
	for _, tt := range tests {
		err := tt.f.CheckRules(tt.v)
		if tt.want == "" {
			require.NoError(t, err)
		} else {
			require.EqualError(t, err, tt.want)
		}
	}
}

func TestRelationshipCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		r    Relationship
		set  []string
		want string
	}{
		{"together ok none", FieldsRequiredTogether("grant-entitlement", "grant-principal"), nil, ""},
		{"together ok all", FieldsRequiredTogether("grant-entitlement", "grant-principal"), []string{"grant-entitlement", "grant-principal"}, ""},
		{"together missing", FieldsRequiredTogether("grant-entitlement", "grant-principal"), []string{"grant-entitlement"},
			"if any flags in the group [grant-entitlement grant-principal] are set they must all be set; missing [grant-principal]"},
		{"together missing sorted", FieldsRequiredTogether("x", "c", "b"), []string{"x"},
			"if any flags in the group [x c b] are set they must all be set; missing [b c]"},
		{"exclusive ok", FieldsMutuallyExclusive("a", "b", "c"), []string{"b"}, ""},
		{"exclusive two", FieldsMutuallyExclusive("revoke-grant", "grant-entitlement", "c"), []string{"revoke-grant", "grant-entitlement"},
			"if any flags in the group [revoke-grant grant-entitlement c] are set none of the others can be; [grant-entitlement revoke-grant] were all set"},
		{"at least one", FieldsAtLeastOneUsed("a", "b"), nil, "at least one of the flags in the group [a b] is required"},
		{"at least one ok", FieldsAtLeastOneUsed("a", "b"), []string{"b"}, ""},
		{"dependent ok", FieldsDependentOn([]string{"health-check-port"}, []string{"health-check"}), []string{"health-check-port", "health-check"}, ""},
		{"dependent one", FieldsDependentOn([]string{"skip-grants"}, []string{"sync-resources"}), []string{"skip-grants"},
			"--skip-grants requires --sync-resources"},
		{"dependent unset", FieldsDependentOn([]string{"health-check-port"}, []string{"health-check"}), []string{"health-check"}, ""},
		{"dependent missing", FieldsDependentOn([]string{"health-check-port", "health-check-bind-address"}, []string{"health-check"}),
			[]string{"health-check-port", "health-check-bind-address"}, "--health-check-port and --health-check-bind-address require --health-check"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			isSet := func(n string) bool {
				for _, s := range tt.set {
					if s == n {
						return true
					}
				}
				return false
			}
			err := tt.r.Check(isSet)
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.EqualError(t, err, tt.want)
		})
	}
}

func TestDefaultsAndZero(t *testing.T) {
	t.Parallel()
	require.Equal(t, "", StringField("s").DefaultValue())
	require.Equal(t, false, BoolField("b").DefaultValue())
	require.Equal(t, 0, IntField("i").DefaultValue())
	require.Equal(t, []string(nil), StringSliceField("l").DefaultValue())
	require.Equal(t, time.Duration(0), DurationField("d").DefaultValue())
	def := []string{"a"}
	f := StringSliceField("l", WithDefault(def))
	got := f.DefaultValue().([]string)
	got[0] = "changed"
	require.Equal(t, []string{"a"}, def, "DefaultValue must return a copy")
	for _, v := range []any{nil, "", false, 0, []string{}, time.Duration(0)} {
		require.True(t, IsZero(v), "%#v", v)
	}
	for _, v := range []any{"x", true, -1, []string{""}, time.Second, struct{}{}} {
		require.False(t, IsZero(v), "%#v", v)
	}
	require.True(t, errors.Is(badValue(StringField("x"), "y", "z"), ErrBadValue))
}
