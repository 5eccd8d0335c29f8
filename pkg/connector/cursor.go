package connector

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Page tokens are small typed structs encoded as JSON. They hold everything needed to fetch the
// next page (offsets, the server's opaque cursor, the phase of a multi-phase listing), never a
// reference to process memory, so a token saved in a checkpoint works in a new process.

// Limits a decoded token must respect.
const (
	maxTokenLen  = 32 << 10 // bytes of the whole token
	maxCursorLen = 16 << 10 // bytes of a server cursor
	maxOffset    = 1 << 30  // v1 start offsets
	maxSeenRoles = 256      // role ids remembered by a role-assignment listing
	maxPageSize  = 1000     // page size remembered by a search listing
)

// Phases of the user listing.
const (
	phaseSearch  = "search"
	phaseMembers = "members"
)

// token is implemented by every page-token struct.
type token interface {
	validate() error
}

// userToken pages the user listing: phase "search" walks search/user from Start (Size is the
// page size the server was seen to honour, 0 when not known: see searchBatch); phase "members"
// walks the group list page at Start, one batch of groups from Index.
type userToken struct {
	Phase string `json:"phase"`
	Start int    `json:"start,omitempty"`
	Index int    `json:"index,omitempty"`
	Size  int    `json:"size,omitempty"`
}

func (t userToken) validate() error {
	switch t.Phase {
	case phaseSearch, phaseMembers:
	default:
		return fmt.Errorf("unknown phase %q", t.Phase)
	}
	if t.Size < 0 || t.Size > maxPageSize {
		return fmt.Errorf("page size %d out of range", t.Size)
	}
	return checkOffsets(t.Start, t.Index)
}

// offsetToken pages a v1 list (groups, group members) from Start.
type offsetToken struct {
	Start int `json:"start"`
}

func (t offsetToken) validate() error { return checkOffsets(t.Start) }

// cursorToken pages a v2 list with the server's cursor, passed back unchanged.
type cursorToken struct {
	Cursor string `json:"cursor"`
}

func (t cursorToken) validate() error { return checkCursor(t.Cursor) }

// assignmentsToken pages a space's role assignments while listing bindings: the server cursor
// and the role ids already turned into bindings by earlier pages.
type assignmentsToken struct {
	Cursor string   `json:"cursor,omitempty"`
	Seen   []string `json:"seen,omitempty"`
}

func (t assignmentsToken) validate() error {
	if len(t.Seen) > maxSeenRoles {
		return fmt.Errorf("%d role ids, at most %d", len(t.Seen), maxSeenRoles)
	}
	return checkCursor(t.Cursor)
}

func checkOffsets(offsets ...int) error {
	for _, o := range offsets {
		if o < 0 || o > maxOffset {
			return fmt.Errorf("offset %d out of range", o)
		}
	}
	return nil
}

func checkCursor(c string) error {
	if len(c) > maxCursorLen {
		return fmt.Errorf("cursor of %d bytes, at most %d", len(c), maxCursorLen)
	}
	return nil
}

// encodeToken returns the token text, or "" when next is nil (no more pages).
func encodeToken[T token](next *T) (string, error) {
	if next == nil {
		return "", nil
	}
	if err := (*next).validate(); err != nil {
		return "", fmt.Errorf("encode page token: %w", err)
	}
	b, err := json.Marshal(next)
	if err != nil {
		return "", fmt.Errorf("encode page token: %w", err)
	}
	return string(b), nil
}

// errBadToken is wrapped by every token decoding error.
var errBadToken = errors.New("invalid page token")

// decodeToken parses a token made by encodeToken; "" is the zero value (the first page). Unknown
// fields, trailing data and out-of-range values are errors.
func decodeToken[T token](s string) (T, error) {
	var t T
	if s == "" {
		return t, nil
	}
	if len(s) > maxTokenLen {
		return t, fmt.Errorf("%w: %d bytes, at most %d", errBadToken, len(s), maxTokenLen)
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return t, fmt.Errorf("%w: %w", errBadToken, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return t, fmt.Errorf("%w: trailing data", errBadToken)
	}
	if err := t.validate(); err != nil {
		return t, fmt.Errorf("%w: %w", errBadToken, err)
	}
	return t, nil
}
