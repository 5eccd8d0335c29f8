package connector

import (
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/baton-confluence/baton-confluence/pkg/confluence"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// rateLimitAnnotations describes the rate-limit headers of an answer, when it had any, as the
// canonical connector does on its responses (never stored in a c1z).
func rateLimitAnnotations(resp *confluence.Response) annotations.Annotations {
	if resp == nil || resp.RateLimit.Limit < 0 {
		return nil
	}
	d := &v2.RateLimitDescription{
		Status:    v2.RateLimitDescription_STATUS_OK,
		Limit:     int64(resp.RateLimit.Limit),
		Remaining: int64(max(resp.RateLimit.Remaining, 0)),
	}
	if !resp.RateLimit.ResetAt.IsZero() {
		d.ResetAt = timestamppb.New(resp.RateLimit.ResetAt)
	}
	return annotations.New(d)
}
