//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package c1z

import (
	"errors"
	"fmt"
	"os"
)

// acquireLock is a no-op on platforms without flock (Windows and others): it creates the lock
// file so the layout is the same, but two processes writing one output are not detected there.
func acquireLock(path, _ string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock %s: %w", path, err)
	}
	return f, nil
}

// releaseLock closes f and, with remove, deletes the lock file.
func releaseLock(f *os.File, path string, remove bool) error {
	if f == nil {
		return nil
	}
	err := f.Close()
	if remove {
		if rerr := os.Remove(path); rerr != nil && !errors.Is(rerr, os.ErrNotExist) && err == nil {
			err = rerr
		}
	}
	if err != nil {
		return fmt.Errorf("release lock %s: %w", path, err)
	}
	return nil
}

// isUnsupportedSync: directory fsync is not meaningful on these platforms; ignore its errors.
func isUnsupportedSync(error) bool { return true }
