// Package logging carries a zap logger in a context, so every layer logs through the logger the
// command line configured without passing it around.
package logging

import (
	"context"

	"go.uber.org/zap"
)

type ctxKey struct{}

// With returns a context carrying l.
func With(ctx context.Context, l *zap.Logger) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// From returns the logger in ctx, or a no-op logger.
func From(ctx context.Context) *zap.Logger {
	if l, ok := ctx.Value(ctxKey{}).(*zap.Logger); ok && l != nil {
		return l
	}
	return zap.NewNop()
}
