package confluence

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// SpacesService lists spaces and their permissions and changes permissions.
type SpacesService service

// SpaceListOptions filters and pages the v2 space list.
type SpaceListOptions struct {
	IDs    []string // numeric space ids
	Keys   []string
	Type   string // global, collaboration, knowledge_base, personal, ... (one value)
	Status string // current or archived
	// Sort is id, -id, key, -key, name or -name (server default: id ascending).
	Sort string
	// DescriptionFormat is plain or view; empty leaves descriptions out.
	DescriptionFormat string
	CursorOptions
}

// SpaceGetOptions selects what a single-space answer embeds.
type SpaceGetOptions struct {
	// IncludeOperations embeds the operations the caller may perform in the space (≤ 50).
	IncludeOperations bool
	// DescriptionFormat is plain or view; empty leaves the description out.
	DescriptionFormat string
}

// List returns one page of spaces the caller can view (GET /wiki/api/v2/spaces).
func (s *SpacesService) List(ctx context.Context, opts *SpaceListOptions) ([]Space, *Response, error) {
	var o SpaceListOptions
	if opts != nil {
		o = *opts
	}
	q := url.Values{}
	setList(q, "ids", o.IDs)
	setList(q, "keys", o.Keys)
	setIf(q, "type", o.Type)
	setIf(q, "status", o.Status)
	setIf(q, "sort", o.Sort)
	setIf(q, "description-format", o.DescriptionFormat)
	return getV2List[Space](ctx, s.client, "/wiki/api/v2/spaces", q, o.CursorOptions)
}

// All walks every page of the space list.
func (s *SpacesService) All(ctx context.Context, opts *SpaceListOptions) iter.Seq2[Space, error] {
	var o SpaceListOptions
	if opts != nil {
		o = *opts
	}
	return allByCursor(o.Cursor, func(cursor string) ([]Space, *Response, error) {
		o.Cursor = cursor
		return s.List(ctx, &o)
	})
}

// Get returns one space by its numeric id (GET /wiki/api/v2/spaces/{id}).
func (s *SpacesService) Get(ctx context.Context, spaceID string, opts *SpaceGetOptions) (*Space, *Response, error) {
	if spaceID == "" {
		return nil, nil, errors.New("get space: space id is empty")
	}
	q := url.Values{}
	if opts != nil {
		if opts.IncludeOperations {
			q.Set("include-operations", strconv.FormatBool(true))
		}
		setIf(q, "description-format", opts.DescriptionFormat)
	}
	req, err := s.client.newRequest(ctx, http.MethodGet, "/wiki/api/v2/spaces/"+url.PathEscape(spaceID), q, "", nil)
	if err != nil {
		return nil, nil, err
	}
	var sp Space
	resp, err := s.client.do(req, requestMeta{}, &sp)
	if err != nil {
		return nil, resp, err
	}
	return &sp, resp, nil
}

// setIf sets key when value is not empty.
func setIf(q url.Values, key, value string) {
	if value != "" {
		q.Set(key, value)
	}
}

// setList sets key to the comma-separated values, when there are any.
func setList(q url.Values, key string, values []string) {
	if len(values) > 0 {
		q.Set(key, strings.Join(values, ","))
	}
}
