package field

import (
	"strings"
	"testing"
)

// FuzzParseList checks list parsing of environment values: it never fails on comma-free
// input, and never yields empty or untrimmed items.
func FuzzParseList(f *testing.F) {
	for _, s := range []string{"page,space", "page space", `"a,b",c`, " , ,", "", `"unterminated,x`, "a\nb,c"} {
		f.Add(s)
	}
	fd := StringSliceField("noun")
	f.Fuzz(func(t *testing.T, s string) {
		v, err := Parse(fd, s)
		if err != nil {
			if !strings.Contains(s, ",") {
				t.Fatalf("comma-free input %q failed: %v", s, err)
			}
			return
		}
		for _, it := range v.([]string) {
			if it == "" || it != strings.TrimSpace(it) {
				t.Fatalf("input %q gave item %q", s, it)
			}
		}
	})
}

// FuzzParseSecret checks that a secret's value never appears in a parse error.
func FuzzParseSecret(f *testing.F) {
	for _, s := range []string{"hunter2", "12x", "", "  7  "} {
		f.Add(s)
	}
	fd := IntField("k", WithSecret())
	f.Fuzz(func(t *testing.T, s string) {
		_, err := Parse(fd, s)
		if err != nil && strings.TrimSpace(s) != "" && strings.Contains(err.Error(), s) &&
			!strings.Contains("bad value for --k: expected a whole number", s) {
			t.Fatalf("secret %q echoed: %v", s, err)
		}
	})
}
