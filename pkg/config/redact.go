package config

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

const redacted = "********"

// String renders the configuration with APIKey masked.
func (c Config) String() string {
	return fmt.Sprintf("{DomainURL:%s Username:%s APIKey:%s Nouns:[%s] Verbs:[%s] SkipPersonalSpaces:%t UseRBAC:%t}",
		c.DomainURL, c.Username, c.maskedKey(), strings.Join(c.Nouns, " "), strings.Join(c.Verbs, " "),
		c.SkipPersonalSpaces, c.UseRBAC)
}

// GoString renders the configuration as Go syntax with APIKey masked (%#v).
func (c Config) GoString() string {
	return fmt.Sprintf("config.Config{DomainURL:%s, Username:%s, APIKey:%s, Nouns:%#v, Verbs:%#v, SkipPersonalSpaces:%t, UseRBAC:%t}",
		strconv.Quote(c.DomainURL), strconv.Quote(c.Username), strconv.Quote(c.maskedKey()), c.Nouns, c.Verbs,
		c.SkipPersonalSpaces, c.UseRBAC)
}

// Format routes every verb through String (GoString for %#v), so no verb prints APIKey.
func (c Config) Format(s fmt.State, verb rune) {
	if verb == 'v' && s.Flag('#') {
		_, _ = s.Write([]byte(c.GoString()))
		return
	}
	_, _ = s.Write([]byte(c.String()))
}

// MarshalJSON encodes the configuration with APIKey masked.
func (c Config) MarshalJSON() ([]byte, error) {
	type plain Config
	p := plain(c)
	p.APIKey = c.maskedKey()
	return json.Marshal(p)
}

func (c Config) maskedKey() string {
	if c.APIKey == "" {
		return ""
	}
	return redacted
}
