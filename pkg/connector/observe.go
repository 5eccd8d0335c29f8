package connector

import (
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/baton-confluence/baton-confluence/pkg/confluence"
)

// eventLogger adapts client events to debug log lines. It returns nil when debug logging is off,
// so the client skips the call entirely. Events carry no credentials, headers or bodies.
func eventLogger(log *zap.Logger) func(confluence.Event) {
	if !log.Core().Enabled(zapcore.DebugLevel) {
		return nil
	}
	return func(e confluence.Event) {
		fields := make([]zap.Field, 0, 8)
		if e.Method != "" {
			fields = append(fields, zap.String("method", e.Method), zap.String("path", e.Path))
		}
		if e.Attempt > 0 {
			fields = append(fields, zap.Int("attempt", e.Attempt))
		}
		if e.Status != 0 {
			fields = append(fields, zap.Int("status", e.Status))
		}
		if e.Duration > 0 {
			fields = append(fields, zap.Duration("duration", e.Duration))
		}
		if e.Wait > 0 {
			fields = append(fields, zap.Duration("wait", e.Wait))
		}
		if e.Reason != "" {
			fields = append(fields, zap.String("reason", e.Reason))
		}
		if e.Err != nil {
			fields = append(fields, zap.Error(e.Err))
		}
		if e.Kind == confluence.EventConcurrency {
			fields = append(fields, zap.Int("limit", e.Limit))
		}
		log.Debug("confluence "+e.Kind.String(), fields...)
	}
}

// fanOut calls every non-nil observer in order; nil when there are none.
func fanOut(fns ...func(confluence.Event)) func(confluence.Event) {
	var live []func(confluence.Event)
	for _, fn := range fns {
		if fn != nil {
			live = append(live, fn)
		}
	}
	switch len(live) {
	case 0:
		return nil
	case 1:
		return live[0]
	}
	return func(e confluence.Event) {
		for _, fn := range live {
			fn(e)
		}
	}
}
