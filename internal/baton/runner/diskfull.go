package runner

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/baton-confluence/baton-confluence/internal/baton/c1z"
)

// sqliteFull is SQLite's primary result code SQLITE_FULL ("database or disk is full"); extended
// codes keep it in the low byte.
const sqliteFull = 13

// isDiskFull reports whether err says a disk ran out of space: the c1z sentinel, ENOSPC, or a
// SQLite error whose code is SQLITE_FULL (matched through its Code method, so no driver import).
func isDiskFull(err error) bool {
	if errors.Is(err, c1z.ErrDiskFull) || errors.Is(err, syscall.ENOSPC) {
		return true
	}
	var coded interface{ Code() int }
	return errors.As(err, &coded) && coded.Code()&0xff == sqliteFull
}

// where a disk filled up: the working copy under the temp dir (loading the previous file and
// syncing), or either disk while saving (the new file is written next to the output).
type stage int

const (
	stageWorking stage = iota
	stageSave
)

// withDiskFullHint adds to err, when it says a disk is full, which directory needs space and
// what to do; other errors are returned unchanged.
func withDiskFullHint(err error, st stage, file, tempDir string) error {
	if err == nil || !isDiskFull(err) {
		return err
	}
	if tempDir == "" {
		tempDir = os.TempDir()
	}
	outDir := filepath.Dir(file)
	if abs, aerr := filepath.Abs(outDir); aerr == nil {
		outDir = abs
	}
	if st == stageSave {
		return fmt.Errorf("%w\nThe disk is full and %s was not replaced. Free some disk space in %s (the new "+
			"file is written there first) and in the temp dir %s, then run the same command again",
			err, file, outDir, tempDir)
	}
	return fmt.Errorf("%w\nThe disk is full and nothing was written to %s. Free some disk space in the temp dir %s, "+
		"or point --c1z-temp-dir (BATON_C1Z_TEMP_DIR) at a disk with more room, then run the same command again",
		err, file, tempDir)
}
