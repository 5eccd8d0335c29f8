package sync

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/baton-confluence/baton-confluence/internal/baton/connectorbuilder"
	"github.com/baton-confluence/baton-confluence/internal/baton/logging"
	"go.uber.org/zap"
)

// Retry policy defaults. A connector error asking for a delay (RetryAfter) is repeated after that
// delay; a transient error (Temporary/Timeout) is repeated with capped exponential backoff; any
// other error is permanent.
const (
	// backoffBase is the first transient backoff delay; it doubles on every attempt.
	backoffBase = time.Second
	// backoffCap bounds a single transient backoff delay.
	backoffCap = 30 * time.Second
	// maxTransientAttempts is how many times one call is made when it keeps failing transiently.
	maxTransientAttempts = 6
	// maxRetryAfterWaits bounds how often one call may be repeated on RetryAfter, so a connector
	// that is rate limited forever fails the sync instead of hanging it.
	maxRetryAfterWaits = 20
	// retryAfterFloor replaces a non-positive RetryAfter delay.
	retryAfterFloor = time.Second
	// retryAfterCap bounds a single RetryAfter wait.
	retryAfterCap = 15 * time.Minute
)

// sleepCtx waits d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// transientDelay is the backoff before attempt+1 after attempt (0-based) failed: base doubling,
// capped, with "equal jitter" (half fixed, half random) so parallel workers spread out.
func transientDelay(attempt int) time.Duration {
	d := backoffCap
	if attempt < 16 {
		d = min(backoffBase<<attempt, backoffCap)
	}
	half := d / 2
	return half + rand.N(half+1) //nolint:gosec // G404: jitter for backoff, not security
}

// retryAfterDelay clamps a RetryAfter delay to [retryAfterFloor, retryAfterCap].
func retryAfterDelay(d time.Duration) time.Duration {
	return min(max(d, retryAfterFloor), retryAfterCap)
}

// retry calls fn until it succeeds, fails permanently, runs out of attempts or ctx ends. what
// names the call for log lines. The last error is returned unwrapped.
func (e *engine) retry(ctx context.Context, what string, fn func(context.Context) error) error {
	transient, waits := 0, 0
	for {
		err := fn(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var delay time.Duration
		if d, ok := connectorbuilder.RetryAfter(err); ok && waits < maxRetryAfterWaits {
			waits++
			delay = retryAfterDelay(d)
		} else if connectorbuilder.IsTransient(err) && transient+1 < maxTransientAttempts {
			delay = transientDelay(transient)
			transient++
		} else {
			return err
		}
		logging.From(ctx).Debug("retrying connector call",
			zap.String("call", what), zap.Duration("delay", delay), zap.Error(err))
		if serr := e.opts.Sleep(ctx, delay); serr != nil {
			// err is detail only: the result is the context's error and must not classify (exit
			// code, gRPC status) as the connector error it interrupted.
			return fmt.Errorf("%w (while waiting to retry after: %v)", serr, err) //nolint:errorlint // err deliberately not wrapped
		}
	}
}
