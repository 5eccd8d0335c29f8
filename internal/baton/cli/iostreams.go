package cli

import (
	"bytes"
	"context"
	"io"
	"os"

	"golang.org/x/term"
)

// IOStreams are the streams every command reads and writes, swappable for tests.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdoutTTY *bool
}

// SystemIO returns the process's standard streams.
func SystemIO() *IOStreams {
	return &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
}

// TestIO returns streams backed by buffers (stdin, stdout, stderr), not a terminal.
func TestIO() (*IOStreams, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	in, out, errOut := &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

// SetStdoutTTY overrides terminal detection for Out.
func (s *IOStreams) SetStdoutTTY(isTTY bool) { s.stdoutTTY = &isTTY }

// IsStdoutTTY reports whether Out is a terminal (it decides the default log format).
func (s *IOStreams) IsStdoutTTY() bool {
	if s.stdoutTTY != nil {
		return *s.stdoutTTY
	}
	if f, ok := s.Out.(*os.File); ok {
		return term.IsTerminal(int(f.Fd()))
	}
	return false
}

// Factory holds what commands get from their surroundings, so tests can replace all of it.
type Factory struct {
	IOStreams *IOStreams
	// LookupEnv reads an environment variable (os.LookupEnv by default).
	LookupEnv func(key string) (string, bool)
	// WorkDir is where ./.baton.yaml is looked for and relative BATON_CONFIG_PATH values are
	// resolved; "" means the process working directory.
	WorkDir string
}

// NewFactory returns the factory of a real process: standard streams and the real environment.
func NewFactory() *Factory {
	return &Factory{IOStreams: SystemIO(), LookupEnv: os.LookupEnv}
}

func (f *Factory) lookupEnv(key string) (string, bool) {
	if f.LookupEnv == nil {
		return "", false
	}
	return f.LookupEnv(key)
}

type ioKey struct{}

// WithIO returns a context carrying the command's streams.
func WithIO(ctx context.Context, s *IOStreams) context.Context {
	return context.WithValue(ctx, ioKey{}, s)
}

// IOFrom returns the streams of the running command (the process's when there is none), so
// App.Run can print results where tests can read them.
func IOFrom(ctx context.Context) *IOStreams {
	if s, ok := ctx.Value(ioKey{}).(*IOStreams); ok && s != nil {
		return s
	}
	return SystemIO()
}
