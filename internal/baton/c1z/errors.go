package c1z

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error this package returns for one of these conditions matches the
// sentinel with errors.Is; its message names the file concerned.
var (
	// ErrNotC1Z: the file does not start with the c1z v1 magic "C1ZF\x00".
	ErrNotC1Z = errors.New("not a c1z file")
	// ErrV3Unsupported: the file is a v3 (C1Z3, Pebble) c1z, which this package does not read.
	ErrV3Unsupported = errors.New("v3 (C1Z3) files are not supported; re-run the sync with --storage-engine sqlite to write v1")
	// ErrCorrupt: the zstd stream is truncated or corrupt.
	ErrCorrupt = errors.New("corrupt or truncated zstd data")
	// ErrNotSQLite: the decompressed payload is not a usable SQLite database.
	ErrNotSQLite = errors.New("payload is not a SQLite database")
	// ErrTooLarge: the decompressed payload exceeds the decoded-size cap
	// (BATON_DECODER_MAX_DECODED_SIZE_MB) or needs more decoder memory than allowed
	// (BATON_DECODER_MAX_MEMORY_MB).
	ErrTooLarge = errors.New("decompressed c1z exceeds the size limit")
	// ErrEmptyFile: the file is zero bytes long (a Reader has nothing to show).
	ErrEmptyFile = errors.New("empty c1z file")
	// ErrNoFinishedSync: the file holds no finished sync.
	ErrNoFinishedSync = errors.New("no finished sync")
	// ErrNotFound: the requested object, or sync, is not in the file.
	ErrNotFound = errors.New("not found")
	// ErrLocked: another process holds the lock on the output file's working directory.
	ErrLocked = errors.New("c1z output is locked by another process")
	// ErrDiskFull: the disk ran out of space while writing.
	ErrDiskFull = errors.New("no space left on device")
	// ErrClosed: the Store or Reader was already saved, closed or discarded.
	ErrClosed = errors.New("c1z store is closed")
	// ErrExpansion: grant expansion found data it cannot expand (a source entitlement whose
	// resource is not the grant's principal, or a graph deeper than the depth limit).
	ErrExpansion = errors.New("grant expansion failed")
)

// fileError is an error with a complete, human sentence as its message that still matches a
// sentinel (kind) and, when present, the underlying cause.
type fileError struct {
	msg   string
	kind  error
	cause error
}

func (e *fileError) Error() string {
	if e.cause != nil {
		return e.msg + ": " + e.cause.Error()
	}
	return e.msg
}

func (e *fileError) Unwrap() []error {
	if e.cause != nil {
		return []error{e.kind, e.cause}
	}
	return []error{e.kind}
}

func newFileError(kind, cause error, format string, args ...any) error {
	return &fileError{msg: fmt.Sprintf(format, args...), kind: kind, cause: cause}
}
