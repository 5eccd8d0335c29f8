package service

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestCredentialsHint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want string
	}{
		{name: "unauthenticated", err: status.Error(codes.Unauthenticated, "get token: 401 Unauthorized"), want: "check --client-id and --client-secret"},
		{name: "wrapped unauthenticated", err: fmt.Errorf("hello: %w", status.Error(codes.Unauthenticated, "x")), want: "rejected the client credentials"},
		{name: "permission denied", err: status.Error(codes.PermissionDenied, "no"), want: "denied this client"},
		{name: "unavailable", err: status.Error(codes.Unavailable, "down"), want: ""},
		{name: "plain error", err: errors.New("boom"), want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := credentialsHint(tt.err)
			if tt.want == "" {
				require.Empty(t, got)
				return
			}
			require.Contains(t, got, tt.want)
		})
	}
}
