package connector

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// Fingerprint identifies the configuration that shapes what a sync stores (site, username,
// nouns, verbs, personal-space and RBAC settings; never the API key), for the engine's
// Options.Fingerprint: an interrupted sync is resumed only with the same fingerprint.
func (c *Connector) Fingerprint() string {
	b, _ := json.Marshal(struct {
		Domain, Username   string
		Nouns, Verbs       []string
		SkipPersonalSpaces bool
		UseRBAC            bool
	}{c.cfg.DomainURL, c.cfg.Username, c.cfg.Nouns, c.cfg.Verbs, c.cfg.SkipPersonalSpaces, c.cfg.UseRBAC})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}
