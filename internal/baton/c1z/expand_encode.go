package c1z

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// Field numbers of the messages expansion encodes and parses by hand.
const (
	grantEntitlement protowire.Number = 1
	grantPrincipal   protowire.Number = 2
	grantID          protowire.Number = 3
	grantAnnotations protowire.Number = 4
	grantSources     protowire.Number = 5

	sourcesMap    protowire.Number = 1 // GrantSources.sources
	mapKey        protowire.Number = 1
	mapValue      protowire.Number = 2
	sourceDirect  protowire.Number = 1 // GrantSource.is_direct
	anyTypeURLNum protowire.Number = 1
)

// sourceRef is one entry of a derived grant's sources map.
type sourceRef struct {
	id     string
	direct bool
}

// immutableAnnotation is field 4 of a derived grant: [GrantImmutable{}] as an Any with only its
// type URL.
var immutableAnnotation = func() []byte {
	url := immutableAny.GetTypeUrl()
	inner := protowire.AppendTag(nil, anyTypeURLNum, protowire.BytesType)
	inner = protowire.AppendString(inner, url)
	b := protowire.AppendTag(nil, grantAnnotations, protowire.BytesType)
	return protowire.AppendBytes(b, inner)
}()

// appendEntitlementField returns field 1 of a grant holding entitlement e (deterministic).
func appendEntitlementField(b []byte, e *v2.Entitlement) ([]byte, error) {
	data, err := marshal.Marshal(e)
	if err != nil {
		return nil, err
	}
	b = protowire.AppendTag(b, grantEntitlement, protowire.BytesType)
	return protowire.AppendBytes(b, data), nil
}

// appendDerivedGrant appends the stored data of a derived grant to b: exactly what
// deterministic proto marshalling gives for Grant{Entitlement: the entitlement encoded in
// entField, Principal: the resource encoded in principal, Id: destID + ":" + ptype + ":" + pid,
// Annotations: [GrantImmutable{}], Sources: srcs}. entField is a complete field 1 (see
// appendEntitlementField), principal a deterministic Resource encoding, srcs sorted by id with
// distinct ids.
func appendDerivedGrant(b, entField, principal []byte, destID, ptype, pid string, srcs []sourceRef) []byte {
	b = append(b, entField...)
	b = protowire.AppendTag(b, grantPrincipal, protowire.BytesType)
	b = protowire.AppendBytes(b, principal)
	b = protowire.AppendTag(b, grantID, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(len(destID)+len(ptype)+len(pid)+2))
	b = append(b, destID...)
	b = append(b, ':')
	b = append(b, ptype...)
	b = append(b, ':')
	b = append(b, pid...)
	b = append(b, immutableAnnotation...)
	size := 0
	for _, s := range srcs {
		size += mapEntrySize(s)
	}
	b = protowire.AppendTag(b, grantSources, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(size))
	for _, s := range srcs {
		b = appendMapEntry(b, s)
	}
	return b
}

// grantSourceSize is the size of an encoded GrantSource.
func grantSourceSize(direct bool) int {
	if direct {
		return 2 // is_direct: tag, 1
	}
	return 0
}

// mapEntryBodySize is the size of one map entry's body: key (always present) and value.
func mapEntryBodySize(s sourceRef) int {
	key := protowire.SizeTag(mapKey) + protowire.SizeBytes(len(s.id))
	return key + protowire.SizeTag(mapValue) + protowire.SizeBytes(grantSourceSize(s.direct))
}

// mapEntrySize is the size of one sources map entry with its tag and length.
func mapEntrySize(s sourceRef) int {
	return protowire.SizeTag(sourcesMap) + protowire.SizeBytes(mapEntryBodySize(s))
}

func appendMapEntry(b []byte, s sourceRef) []byte {
	b = protowire.AppendTag(b, sourcesMap, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(mapEntryBodySize(s)))
	b = protowire.AppendTag(b, mapKey, protowire.BytesType)
	b = protowire.AppendString(b, s.id)
	b = protowire.AppendTag(b, mapValue, protowire.BytesType)
	if !s.direct {
		return protowire.AppendVarint(b, 0)
	}
	b = protowire.AppendVarint(b, 2)
	b = protowire.AppendTag(b, sourceDirect, protowire.VarintType)
	return protowire.AppendVarint(b, 1)
}

var errMalformedGrant = errors.New("malformed grant data")

// parsedSource is what expansion needs from a grant on a source entitlement.
type parsedSource struct {
	principal []byte // deterministic encoding of the principal; nil when the grant has none
	direct    bool   // the grant's sources are empty or name the source entitlement
}

// parseSourceGrant reads the principal and the sources keys of an encoded Grant without
// decoding the rest. The principal is re-encoded deterministically (as marshalling the decoded
// grant's principal would give), so the caller can copy it into derived grants verbatim.
func parseSourceGrant(data []byte, src string) (parsedSource, error) {
	var out parsedSource
	var principal []byte
	whole := data
	principals, entries := 0, 0
	hasSrc := false
	for len(data) > 0 {
		num, typ, n := protowire.ConsumeTag(data)
		if n < 0 {
			return out, errMalformedGrant
		}
		data = data[n:]
		if typ == protowire.BytesType && (num == grantPrincipal || num == grantSources) {
			v, m := protowire.ConsumeBytes(data)
			if m < 0 {
				return out, errMalformedGrant
			}
			data = data[m:]
			if num == grantPrincipal {
				principal, principals = v, principals+1
				continue
			}
			k, found, err := scanSourceKeys(v, src)
			if err != nil {
				return out, err
			}
			entries += k
			hasSrc = hasSrc || found
			continue
		}
		m := protowire.ConsumeFieldValue(num, typ, data)
		if m < 0 {
			return out, errMalformedGrant
		}
		data = data[m:]
	}
	out.direct = entries == 0 || hasSrc
	if principals == 0 {
		return out, nil
	}
	if principals > 1 { // repeated message fields merge: let the proto library do it
		return parseSourceGrantSlow(whole, out)
	}
	p := &v2.Resource{}
	if err := proto.Unmarshal(principal, p); err != nil {
		return out, fmt.Errorf("%w: principal: %w", errMalformedGrant, err)
	}
	var err error
	if out.principal, err = marshal.Marshal(p); err != nil {
		return out, fmt.Errorf("encode principal: %w", err)
	}
	return out, nil
}

// parseSourceGrantSlow handles the rare grant encodings the fast path does not (several
// principal fields) by decoding the whole grant.
func parseSourceGrantSlow(data []byte, out parsedSource) (parsedSource, error) {
	g := &v2.Grant{}
	if err := proto.Unmarshal(data, g); err != nil {
		return out, fmt.Errorf("%w: %w", errMalformedGrant, err)
	}
	var err error
	if out.principal, err = marshal.Marshal(g.GetPrincipal()); err != nil {
		return out, fmt.Errorf("encode principal: %w", err)
	}
	return out, nil
}

// scanSourceKeys counts the map entries of an encoded GrantSources and reports whether one has
// key src.
func scanSourceKeys(b []byte, src string) (int, bool, error) {
	entries, found := 0, false
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return 0, false, errMalformedGrant
		}
		b = b[n:]
		if num != sourcesMap || typ != protowire.BytesType {
			m := protowire.ConsumeFieldValue(num, typ, b)
			if m < 0 {
				return 0, false, errMalformedGrant
			}
			b = b[m:]
			continue
		}
		entry, m := protowire.ConsumeBytes(b)
		if m < 0 {
			return 0, false, errMalformedGrant
		}
		b = b[m:]
		entries++
		key, err := mapEntryKey(entry)
		if err != nil {
			return 0, false, err
		}
		found = found || key == src
	}
	return entries, found, nil
}

// mapEntryKey returns the key of an encoded map entry (the last one wins, "" when absent).
func mapEntryKey(entry []byte) (string, error) {
	key := ""
	for len(entry) > 0 {
		num, typ, n := protowire.ConsumeTag(entry)
		if n < 0 {
			return "", errMalformedGrant
		}
		entry = entry[n:]
		if num == mapKey && typ == protowire.BytesType {
			v, m := protowire.ConsumeBytes(entry)
			if m < 0 {
				return "", errMalformedGrant
			}
			key, entry = string(v), entry[m:]
			continue
		}
		m := protowire.ConsumeFieldValue(num, typ, entry)
		if m < 0 {
			return "", errMalformedGrant
		}
		entry = entry[m:]
	}
	return key, nil
}
