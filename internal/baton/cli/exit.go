package cli

import (
	"context"
	"errors"
	"strconv"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Exit codes of the command line (spec §5.9).
const (
	ExitOK       = 0 // success
	ExitFailure  = 1 // a failed run, a cancelled context, or a missing required value
	ExitUsage    = 2 // invalid flags or configuration (types, rules, relationships, unsupported)
	ExitDeadline = 4 // the run's deadline expired
)

// ExitError is an error that ends the process with Code. Only main calls os.Exit; it gets the
// code from [ExitCode].
type ExitError struct {
	Code int
	Err  error
}

// Error returns the message of the wrapped error.
func (e *ExitError) Error() string {
	if e.Err == nil {
		return "exit status " + strconv.Itoa(e.Code)
	}
	return e.Err.Error()
}

// Unwrap returns the wrapped error.
func (e *ExitError) Unwrap() error { return e.Err }

// ExitCode returns the process exit code for err: 0 for nil; the code of an [ExitError] (or of
// any error with an ExitCode() int method); the gRPC code of a gRPC status error (service mode,
// e.g. 16 Unauthenticated); 4 for an expired deadline; otherwise 1.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var coder interface{ ExitCode() int }
	if errors.As(err, &coder) {
		return coder.ExitCode()
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	if s, ok := status.FromError(err); ok && s.Code() != codes.OK && s.Code() != codes.Unknown {
		return int(s.Code())
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return ExitDeadline
	}
	return ExitFailure
}

func usageError(err error) error {
	if err == nil {
		return nil
	}
	return &ExitError{Code: ExitUsage, Err: err}
}
