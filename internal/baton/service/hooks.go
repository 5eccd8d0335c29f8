package service

import (
	"context"
	"crypto/x509"
	"os"
	"time"
)

// hooks are the process-level dependencies Run uses; tests replace them (a sleep that returns at
// once and records what was asked, a fixed clock, a private environment, a private CA pool).
type hooks struct {
	sleep    func(ctx context.Context, d time.Duration) error
	now      func() time.Time
	getenv   func(string) string
	hostname func() (string, error)
	// rootCAs, when set, replaces the system roots (production leaves it nil so SSL_CERT_FILE and
	// SSL_CERT_DIR work).
	rootCAs *x509.CertPool
	// osRoot is where OS facts are read from ("/" in production).
	osRoot string
}

func defaultHooks() hooks {
	return hooks{sleep: sleepCtx, now: time.Now, getenv: os.Getenv, hostname: os.Hostname, osRoot: "/"}
}

// sleepCtx waits d or until ctx is done, returning ctx's error in the latter case.
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
