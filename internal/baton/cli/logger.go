package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// newLogger builds the zap logger of a run: JSON or console encoding at the configured level,
// written to errOut and appended to every --log-path file. close syncs and closes the files.
func newLogger(cfg *Config, errOut io.Writer) (*zap.Logger, func() error, error) {
	if err := cfg.checkLogging(); err != nil {
		return nil, nil, err
	}
	level, err := zapcore.ParseLevel(cfg.LogLevel)
	if err != nil {
		return nil, nil, fmt.Errorf("log level: %w", err)
	}
	var enc zapcore.Encoder
	if cfg.LogFormat == "console" {
		ec := zap.NewDevelopmentEncoderConfig()
		ec.EncodeTime = zapcore.ISO8601TimeEncoder
		enc = zapcore.NewConsoleEncoder(ec)
	} else {
		ec := zap.NewProductionEncoderConfig()
		ec.EncodeTime = zapcore.ISO8601TimeEncoder
		enc = zapcore.NewJSONEncoder(ec)
	}
	sinks := []zapcore.WriteSyncer{zapcore.Lock(zapcore.AddSync(errOut))}
	var files []*os.File
	closeAll := func() error {
		var errs []error
		for _, f := range files {
			errs = append(errs, f.Sync(), f.Close())
		}
		return errors.Join(errs...)
	}
	for _, p := range cfg.LogPaths {
		f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			_ = closeAll()
			return nil, nil, fmt.Errorf("open --log-path file: %w", err)
		}
		files = append(files, f)
		sinks = append(sinks, zapcore.Lock(f))
	}
	core := zapcore.NewCore(enc, zapcore.NewMultiWriteSyncer(sinks...), level)
	logger := zap.New(core, zap.ErrorOutput(zapcore.Lock(zapcore.AddSync(errOut))))
	return logger, func() error {
		_ = logger.Sync()
		return closeAll()
	}, nil
}
