package c1z

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

const (
	workDirPrefix = "baton-c1z-"
	dbFileName    = "db"
	metaFileName  = "meta.json"
)

// workDirFor returns the working directory and lock file used for the output file abs:
// <tempDir>/baton-c1z-<first 16 hex digits of sha256(abs)> and the same name + ".lock".
func workDirFor(tempDir, abs string) (dir, lock string) {
	sum := sha256.Sum256([]byte(abs))
	dir = filepath.Join(tempDir, workDirPrefix+hex.EncodeToString(sum[:])[:16])
	return dir, dir + ".lock"
}

// fileState describes the output file as it was when a working directory was created, so a
// later Open can tell whether the working directory still belongs to that file.
type fileState struct {
	Absent  bool   `json:"absent,omitempty"`
	Size    int64  `json:"size,omitempty"`
	ModTime string `json:"mtime,omitempty"` // RFC 3339 with nanoseconds
	SHA256  string `json:"sha256,omitempty"`
}

// workMeta is meta.json, written last when a working directory is created: its presence marks
// the directory as complete.
type workMeta struct {
	Output string    `json:"output"`
	State  fileState `json:"output_state"`
}

// statOutput fingerprints the file at path (or records that it is absent). The checksum is only
// computed when withHash is set: it costs a full read.
func statOutput(path string, withHash bool) (fileState, error) {
	st, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return fileState{Absent: true}, nil
	}
	if err != nil {
		return fileState{}, fmt.Errorf("stat %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return fileState{}, fmt.Errorf("output %s is not a regular file", path)
	}
	fs := fileState{Size: st.Size(), ModTime: st.ModTime().UTC().Format(time.RFC3339Nano)}
	if withHash {
		if fs.SHA256, err = hashFile(path); err != nil {
			return fileState{}, err
		}
	}
	return fs, nil
}

func hashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// sameOutput reports whether the output file is still the one recorded in m. Size and mtime are
// compared first; the checksum only when they match.
func sameOutput(m workMeta, abs string) (bool, error) {
	if m.Output != abs {
		return false, nil
	}
	now, err := statOutput(abs, false)
	if err != nil {
		return false, err
	}
	if now.Absent || m.State.Absent {
		return now.Absent == m.State.Absent, nil
	}
	if now.Size != m.State.Size || now.ModTime != m.State.ModTime {
		return false, nil
	}
	sum, err := hashFile(abs)
	if err != nil {
		return false, err
	}
	return sum == m.State.SHA256, nil
}

func readMeta(dir string) (workMeta, error) {
	var m workMeta
	b, err := os.ReadFile(filepath.Join(dir, metaFileName))
	if err != nil {
		return m, fmt.Errorf("read working dir meta: %w", err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("decode working dir meta: %w", err)
	}
	return m, nil
}

// writeMeta writes meta.json atomically (temp file, fsync, rename).
func writeMeta(dir string, m workMeta) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("encode working dir meta: %w", err)
	}
	tmp := filepath.Join(dir, metaFileName+".tmp")
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("create working dir meta: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		_ = f.Close()
		return diskError(err, "write working dir meta")
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("sync working dir meta: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close working dir meta: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, metaFileName)); err != nil {
		return fmt.Errorf("install working dir meta: %w", err)
	}
	return syncDir(dir)
}

// syncDir fsyncs a directory so a rename or create in it is durable. Platforms that cannot
// fsync directories (Windows) report an error that is ignored.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open dir %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) && !isUnsupportedSync(err) {
		return fmt.Errorf("sync dir %s: %w", dir, err)
	}
	return nil
}
