//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package c1z

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// acquireLock takes an exclusive, non-blocking flock on path (created if needed). The lock file
// may be unlinked by its previous holder between our open and our flock; the loop makes sure the
// locked inode is the one path names, so two processes never both believe they hold it.
func acquireLock(path, output string) (*os.File, error) {
	for range 10 {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
		if err != nil {
			return nil, fmt.Errorf("open lock %s: %w", path, err)
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			_ = f.Close()
			if errors.Is(err, syscall.EWOULDBLOCK) {
				return nil, newFileError(ErrLocked, nil, "another baton-confluence is writing %s (lock %s)", output, path)
			}
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		held, err1 := f.Stat()
		named, err2 := os.Stat(path)
		if err1 == nil && err2 == nil && os.SameFile(held, named) {
			return f, nil
		}
		_ = f.Close() // the file was replaced under us: try again
	}
	return nil, fmt.Errorf("lock %s: the lock file keeps changing", path)
}

// releaseLock unlocks and closes f; with remove it first deletes the lock file (while still
// holding the lock, so no one can be holding the old inode afterwards without noticing).
func releaseLock(f *os.File, path string, remove bool) error {
	if f == nil {
		return nil
	}
	var err error
	if remove {
		if rerr := os.Remove(path); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
			err = fmt.Errorf("remove lock %s: %w", path, rerr)
		}
	}
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	if cerr := f.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("close lock %s: %w", path, cerr)
	}
	return err
}

// isUnsupportedSync reports whether a directory fsync failed only because the file system does
// not support it.
func isUnsupportedSync(err error) bool {
	return errors.Is(err, syscall.EINVAL)
}
