package faults

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// FileState identifies a file's bytes and modification time, to prove it was left untouched.
type FileState struct {
	Exists  bool
	Size    int64
	ModTime int64 // nanoseconds
	SHA256  string
}

// StatFile returns the state of the file at path (Exists false when there is none).
func StatFile(path string) (FileState, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return FileState{}, nil
	}
	if err != nil {
		return FileState{}, err
	}
	f, err := os.Open(path)
	if err != nil {
		return FileState{}, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return FileState{}, err
	}
	return FileState{Exists: true, Size: fi.Size(), ModTime: fi.ModTime().UnixNano(), SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// ListTree returns every path under dir (relative, sorted), directories included; nil for an
// empty or missing directory.
func ListTree(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if p != dir {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	slices.Sort(out)
	return out, err
}
