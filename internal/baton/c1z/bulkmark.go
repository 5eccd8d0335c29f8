package c1z

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
)

// bulkMarkName is a file in the working directory whose presence says that the database was
// written without syncing (grant expansion in bulk mode) since the directory was created. It
// holds the boot id of the system that wrote it: a process that was merely killed left
// everything it wrote in the operating system's cache, so the database is sound and resumes;
// after a restart of the system (another boot id, or none known) unsynced pages may be lost
// and the working directory is not trusted. It goes away with the working directory.
const bulkMarkName = "unsynced"

// bootIDPath is where Linux tells the id of the current boot.
const bootIDPath = "/proc/sys/kernel/random/boot_id"

func bootID() []byte {
	b, err := os.ReadFile(bootIDPath)
	if err != nil {
		return nil
	}
	return bytes.TrimSpace(b)
}

// markUnsynced writes the marker durably (before any unsynced write).
func markUnsynced(dir string) error {
	path := filepath.Join(dir, bulkMarkName)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if _, err := f.Write(bootID()); err != nil {
		_ = f.Close()
		return diskError(err, "write %s", path)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	return syncDir(dir)
}

// unsyncedSinceBoot reports whether the working directory holds unsynced writes made before
// the system last started (or on a system whose boot cannot be told).
func unsyncedSinceBoot(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, bulkMarkName))
	if err != nil {
		return false // no marker: everything was written with syncing
	}
	id := bootID()
	return len(id) == 0 || !bytes.Equal(b, id)
}
