package c1z

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"syscall"

	"github.com/klauspost/compress/zstd"
)

// The container of spec §1: a 5-byte magic followed by one zstd frame holding a SQLite file.
var (
	magicV1     = []byte("C1ZF\x00")
	magicV3     = []byte("C1Z3\x00")
	sqliteMagic = []byte("SQLite format 3\x00")
)

const (
	mib = 1 << 20
	// defaultMaxDecoded is the decoded-size cap of the new SDK: 10 GiB.
	defaultMaxDecoded = 10 << 30
	// defaultMaxMemory caps the decoder window (and single-segment frames): 128 MiB.
	defaultMaxMemory = 128 * mib
	// encoderWindow is the zstd window the writer uses: modest, to keep memory low.
	encoderWindow = 8 * mib
)

// decodeLimits bound what decoding a (possibly hostile) file may cost.
type decodeLimits struct {
	maxDecoded  uint64 // total decompressed bytes
	maxMemory   uint64 // decoder window / single-segment frame size
	fcsFailFast bool   // reject before decoding when the frame header announces too much
}

// limitsFromEnv reads the limits the SDK honours: BATON_DECODER_MAX_DECODED_SIZE_MB,
// BATON_DECODER_MAX_MEMORY_MB (both MiB) and BATON_DISABLE_FCS_FAIL_FAST.
func limitsFromEnv() decodeLimits {
	l := decodeLimits{maxDecoded: defaultMaxDecoded, maxMemory: defaultMaxMemory, fcsFailFast: true}
	if n, ok := envMiB("BATON_DECODER_MAX_DECODED_SIZE_MB"); ok {
		l.maxDecoded = n
	}
	if n, ok := envMiB("BATON_DECODER_MAX_MEMORY_MB"); ok {
		l.maxMemory = n
	}
	if b, err := strconv.ParseBool(os.Getenv("BATON_DISABLE_FCS_FAIL_FAST")); err == nil && b {
		l.fcsFailFast = false
	}
	return l
}

func envMiB(name string) (uint64, bool) {
	n, err := strconv.ParseUint(os.Getenv(name), 10, 64)
	if err != nil || n == 0 || n > 1<<43 {
		return 0, false
	}
	return n * mib, true
}

// sniff reads the magic of path and reports its size. It returns ErrEmptyFile for a zero-length
// file, ErrV3Unsupported for C1Z3 and ErrNotC1Z for anything else that is not C1ZF.
func sniff(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("stat %s: %w", path, err)
	}
	if st.Size() == 0 {
		return 0, newFileError(ErrEmptyFile, nil, "%s is empty (zero bytes)", path)
	}
	head := make([]byte, len(magicV1))
	if _, err := io.ReadFull(f, head); err != nil {
		return 0, newFileError(ErrNotC1Z, nil, "%s is not a c1z file", path)
	}
	switch {
	case bytes.Equal(head, magicV1):
		return st.Size(), nil
	case bytes.Equal(head, magicV3):
		return 0, newFileError(ErrV3Unsupported, nil, "%s: %s", path, ErrV3Unsupported.Error())
	default:
		return 0, newFileError(ErrNotC1Z, nil, "%s is not a c1z file", path)
	}
}

// decodeFile decompresses the c1z at src into the SQLite file dst (created, fsynced). Errors
// match ErrEmptyFile, ErrNotC1Z, ErrV3Unsupported, ErrCorrupt, ErrTooLarge or ErrNotSQLite.
// dst is left behind on error; the caller owns its directory.
func decodeFile(ctx context.Context, src, dst string, lim decodeLimits) error {
	if _, err := sniff(src); err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("open %s: %w", src, err)
	}
	defer in.Close()
	br := bufio.NewReaderSize(in, 1<<20)
	if _, err := br.Discard(len(magicV1)); err != nil {
		return fmt.Errorf("read %s: %w", src, err)
	}
	if err := checkFrameHeader(src, br, lim); err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", dst, err)
	}
	defer out.Close()
	if err := inflate(ctx, src, br, out, lim); err != nil {
		return err
	}
	if err := out.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dst, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("close %s: %w", dst, err)
	}
	return checkSQLiteHeader(src, dst)
}

// checkFrameHeader rejects, before decoding anything, a stream that is not zstd and a frame whose
// announced content size exceeds the caps.
func checkFrameHeader(src string, br *bufio.Reader, lim decodeLimits) error {
	peek, _ := br.Peek(zstd.HeaderMaxSize)
	var h zstd.Header
	if err := h.Decode(peek); err != nil {
		return newFileError(ErrCorrupt, err, "%s: %s", src, ErrCorrupt.Error())
	}
	if h.HasFCS && lim.fcsFailFast && h.FrameContentSize > lim.maxDecoded {
		return newFileError(ErrTooLarge, nil,
			"%s: decompressed size %d bytes exceeds the limit of %d bytes (BATON_DECODER_MAX_DECODED_SIZE_MB)",
			src, h.FrameContentSize, lim.maxDecoded)
	}
	if h.SingleSegment && h.HasFCS && h.FrameContentSize > lim.maxMemory {
		return newFileError(ErrTooLarge, nil,
			"%s: single-segment frame of %d bytes exceeds the decoder memory limit of %d bytes (BATON_DECODER_MAX_MEMORY_MB)",
			src, h.FrameContentSize, lim.maxMemory)
	}
	return nil
}

// inflate streams the zstd data of r into w, enforcing the caps.
func inflate(ctx context.Context, src string, r io.Reader, w io.Writer, lim decodeLimits) error {
	dec, err := zstd.NewReader(r,
		zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderMaxMemory(lim.maxMemory),
		zstd.WithDecoderMaxWindow(max(lim.maxMemory, zstd.MinWindowSize)),
	)
	if err != nil {
		return fmt.Errorf("create zstd decoder: %w", err)
	}
	defer dec.Close()
	cw := &capWriter{w: w, limit: lim.maxDecoded, ctx: ctx}
	_, err = io.Copy(cw, dec)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errCapExceeded):
		return newFileError(ErrTooLarge, nil,
			"%s: decompressed data exceeds the limit of %d bytes (BATON_DECODER_MAX_DECODED_SIZE_MB)", src, lim.maxDecoded)
	case errors.Is(err, zstd.ErrWindowSizeExceeded), errors.Is(err, zstd.ErrDecoderSizeExceeded):
		return newFileError(ErrTooLarge, err,
			"%s: zstd window exceeds the decoder memory limit of %d bytes (BATON_DECODER_MAX_MEMORY_MB)", src, lim.maxMemory)
	case cw.werr != nil:
		return diskError(cw.werr, "write decompressed copy of %s", src)
	case ctx.Err() != nil:
		return ctx.Err()
	default:
		return newFileError(ErrCorrupt, err, "%s: %s", src, ErrCorrupt.Error())
	}
}

var errCapExceeded = errors.New("decoded size cap exceeded")

// capWriter counts bytes written through it and fails once more than limit were written. It
// also remembers errors of the underlying writer (so they are not mistaken for zstd errors) and
// stops when ctx is done.
type capWriter struct {
	ctx   context.Context
	w     io.Writer
	limit uint64
	n     uint64
	werr  error
}

func (c *capWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		c.werr = err
		return 0, err
	}
	if c.n+uint64(len(p)) > c.limit {
		return 0, errCapExceeded
	}
	n, err := c.w.Write(p)
	c.n += uint64(n)
	if err != nil {
		c.werr = err
	}
	return n, err
}

// checkSQLiteHeader makes sure the decoded payload is a SQLite file.
func checkSQLiteHeader(src, dst string) error {
	f, err := os.Open(dst)
	if err != nil {
		return fmt.Errorf("open %s: %w", dst, err)
	}
	defer f.Close()
	head := make([]byte, len(sqliteMagic))
	if _, err := io.ReadFull(f, head); err != nil || !bytes.Equal(head, sqliteMagic) {
		return newFileError(ErrNotSQLite, nil, "%s: the decompressed data is not a SQLite database", src)
	}
	return nil
}

// diskError wraps a write error, marking "no space left on device" with ErrDiskFull so the
// caller can say clearly that the disk is full.
func diskError(err error, format string, args ...any) error {
	what := fmt.Sprintf(format, args...)
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, ErrDiskFull) {
		return newFileError(ErrDiskFull, err, "%s: disk full", what)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// encodeTo writes magic + one zstd frame of the file at dbPath into w. The frame has its
// content size set and a checksum, and uses a small window. Free-list leaf pages are sent as
// zeros (see freePages).
func encodeTo(ctx context.Context, w io.Writer, dbPath string) error {
	in, err := os.Open(dbPath)
	if err != nil {
		return fmt.Errorf("open %s: %w", dbPath, err)
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return fmt.Errorf("stat %s: %w", dbPath, err)
	}
	if _, err := w.Write(magicV1); err != nil {
		return diskError(err, "write c1z header")
	}
	enc, err := zstd.NewWriter(nil,
		zstd.WithWindowSize(encoderWindow),
		zstd.WithEncoderCRC(true),
		// Fastest (the new SDK's level when it compresses with non-default concurrency): on the
		// databases of the simulated Medium and Large syncs 23-24 % less time than the default
		// level for a file 1.4-1.6 % larger (Large: 3.76 -> 2.86 s, 144.7 -> 146.8 MB). Less
		// repetitive content loses more (BenchmarkExpandMedium's synthetic site: +11 %).
		zstd.WithEncoderLevel(zstd.SpeedFastest),
		// Two: one goroutine compresses while the caller reads the next block (-14 % time per
		// GB here, the same bytes; the frame and its content stay one sequential stream).
		zstd.WithEncoderConcurrency(2),
	)
	if err != nil {
		return fmt.Errorf("create zstd encoder: %w", err)
	}
	enc.ResetContentSize(w, st.Size())
	src := &zeroFreeReader{r: &ctxReader{ctx: ctx, r: in}, free: readFreePages(in, st.Size())}
	if _, err := io.Copy(enc, src); err != nil {
		_ = enc.Close()
		return diskError(err, "compress database")
	}
	if err := enc.Close(); err != nil {
		return diskError(err, "finish zstd frame")
	}
	return nil
}

// ctxReader stops a long copy when ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
