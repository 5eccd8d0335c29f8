package service

import (
	"context"
	"errors"

	"google.golang.org/grpc/status"
)

// exitCodeConfig is the exit code for configuration and usage errors.
const exitCodeConfig = 2

// configError marks an error as a configuration problem (exit code 2).
type configError struct{ err error }

func (e *configError) Error() string { return e.err.Error() }
func (e *configError) Unwrap() error { return e.err }

// newConfigError marks err as a configuration problem (exit code 2).
func newConfigError(err error) error { return &configError{err: err} }

// ExitCode is the process exit code for an error returned by [Run]: 0 for nil; 2 for
// configuration errors; the gRPC code carried by the error (16 when ConductorOne rejects the
// credentials); 1 for a cancelled context; 4 for a deadline; 2 for anything else.
func ExitCode(err error) int {
	var ce *configError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ce):
		return exitCodeConfig
	}
	if st, ok := status.FromError(err); ok && st != nil {
		return int(st.Code())
	}
	switch {
	case errors.Is(err, context.Canceled):
		return 1
	case errors.Is(err, context.DeadlineExceeded):
		return 4
	}
	return exitCodeConfig
}
