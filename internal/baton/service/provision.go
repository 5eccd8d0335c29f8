package service

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/baton-confluence/baton-confluence/internal/baton/connectorbuilder"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
	batonv1 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connectorapi/baton/v1"
)

var (
	errProvisioningDisabled = status.Error(codes.FailedPrecondition, "provisioning is not enabled")
	errMalformedGrant       = status.Error(codes.Unknown, "malformed grant task")
	errMalformedRevoke      = status.Error(codes.Unknown, "malformed revoke task")
)

// grantTask gives the task's principal its entitlement through the connector.
func (r *runner) grantTask(ctx context.Context, task *batonv1.Task) {
	t := task.GetGrant()
	if t.GetEntitlement() == nil || t.GetPrincipal() == nil {
		r.finishError(ctx, task.GetId(), errMalformedGrant, true)
		return
	}
	if !r.cfg.Provisioning {
		r.finishError(ctx, task.GetId(), errProvisioningDisabled, true)
		return
	}
	grants, anns, err := connectorbuilder.Grant(ctx, r.deps.Connector, t.GetPrincipal(), t.GetEntitlement())
	if err != nil {
		r.finishProvisioningError(ctx, task.GetId(), err)
		return
	}
	r.finishSuccess(ctx, task.GetId(), &v2.GrantManagerServiceGrantResponse{Annotations: anns, Grants: grants}, anns)
}

// revokeTask removes the task's grant through the connector.
func (r *runner) revokeTask(ctx context.Context, task *batonv1.Task) {
	g := task.GetRevoke().GetGrant()
	if g.GetEntitlement() == nil || g.GetPrincipal() == nil {
		r.finishError(ctx, task.GetId(), errMalformedRevoke, true)
		return
	}
	if !r.cfg.Provisioning {
		r.finishError(ctx, task.GetId(), errProvisioningDisabled, true)
		return
	}
	anns, err := connectorbuilder.Revoke(ctx, r.deps.Connector, g)
	if err != nil {
		r.finishProvisioningError(ctx, task.GetId(), err)
		return
	}
	r.finishSuccess(ctx, task.GetId(), &v2.GrantManagerServiceRevokeResponse{Annotations: anns}, anns)
}

// finishProvisioningError reports a connector failure as non-retryable, except when the task
// was cut short by shutdown: then C1 should run it again.
func (r *runner) finishProvisioningError(ctx context.Context, taskID string, err error) {
	if ctx.Err() != nil && errors.Is(context.Cause(ctx), errShuttingDown) {
		r.finishError(ctx, taskID, errors.Join(err, errShuttingDown), false)
		return
	}
	r.finishError(ctx, taskID, err, true)
}
