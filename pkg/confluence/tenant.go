package confluence

import (
	"context"
	"errors"
	"net/http"
)

// TenantService reads facts about the site.
type TenantService service

// ErrGatewayTenantInfo is returned by Tenant.Info on a client whose base is the
// api.atlassian.com gateway: tenant_info lives on the site host, which the gateway base does not
// name (the cloud id is already in the gateway URL).
var ErrGatewayTenantInfo = errors.New("tenant info is served by the site host, not the api.atlassian.com gateway")

// Info returns the site's cloud id (GET /_edge/tenant_info on the site host, without any path
// prefix).
func (s *TenantService) Info(ctx context.Context) (*TenantInfo, *Response, error) {
	if s.client.base.isGateway() {
		return nil, nil, ErrGatewayTenantInfo
	}
	req, err := s.client.newRequestTo(ctx, http.MethodGet, s.client.base.site()+"/_edge/tenant_info", nil, "", nil)
	if err != nil {
		return nil, nil, err
	}
	var info TenantInfo
	resp, err := s.client.do(req, requestMeta{}, &info)
	if err != nil {
		return nil, resp, err
	}
	return &info, resp, nil
}
