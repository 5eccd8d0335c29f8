package field

import (
	"fmt"
	"strings"
	"time"
)

// Markdown renders the supported fields as a Markdown table (flag, environment variable,
// default, description), followed by one line listing the fields accepted only for
// compatibility. The README embeds it, and a test keeps it current.
func Markdown(fields []Field) string {
	var b strings.Builder
	b.WriteString("| flag | environment variable | default | description |\n|---|---|---|---|\n")
	var compat []string
	for _, f := range fields {
		if f.Support != Supported {
			compat = append(compat, "`--"+f.Name+"`")
			continue
		}
		flag := "`--" + f.Name + "`"
		if f.Short != "" {
			flag = "`-" + f.Short + "`, " + flag
		}
		desc := f.Description
		if f.Required {
			desc = "**required.** " + desc
		}
		if f.Secret {
			desc += " (secret: never printed)"
		}
		if f.Hidden {
			desc += " (hidden from --help)"
		}
		fmt.Fprintf(&b, "| %s | `%s` | %s | %s |\n", flag, EnvVar(f.Name), markdownDefault(f), strings.ReplaceAll(desc, "|", "\\|"))
	}
	if len(compat) > 0 {
		fmt.Fprintf(&b, "\nAccepted for compatibility with the canonical connector, but not supported here (a run that "+
			"needs one says so): %s.\n", strings.Join(compat, ", "))
	}
	return b.String()
}

func markdownDefault(f Field) string {
	switch d := f.DefaultValue().(type) {
	case string:
		if d == "" {
			return ""
		}
		return "`" + d + "`"
	case bool:
		if !d {
			return "`false`"
		}
		return "`true`"
	case int:
		return fmt.Sprintf("`%d`", d)
	case []string:
		if len(d) == 0 {
			return ""
		}
		return "`" + strings.Join(d, ",") + "`"
	case time.Duration:
		return "`" + d.String() + "`"
	}
	return ""
}
