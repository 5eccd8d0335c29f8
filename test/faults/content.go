package faults

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/baton-confluence/baton-confluence/internal/baton/c1z"
	"github.com/baton-confluence/baton-confluence/pkg/connector/connectortest"
)

// ReadContent reads everything the newest finished sync of the c1z at path holds. It fails when
// the file is missing, unreadable or holds no finished sync: what a reader of the output path
// would see. tempDir receives the reader's decompressed copy.
func ReadContent(ctx context.Context, path, tempDir string) (*connectortest.Content, error) {
	r, err := c1z.OpenReader(ctx, path, c1z.ReaderOptions{TempDir: tempDir, RequireFinished: true})
	if err != nil {
		return nil, err
	}
	c, err := readAll(ctx, r)
	return c, errors.Join(err, r.Close())
}

func readAll(ctx context.Context, r *c1z.Reader) (*connectortest.Content, error) {
	c := connectortest.NewContent()
	rts, err := r.ResourceTypes(ctx)
	if err != nil {
		return nil, fmt.Errorf("read resource types: %w", err)
	}
	for _, rt := range rts {
		c.AddResourceType(rt)
	}
	for res, err := range r.Resources(ctx, c1z.ResourceFilter{}) {
		if err != nil {
			return nil, fmt.Errorf("read resources: %w", err)
		}
		c.AddResource(res)
	}
	for e, err := range r.Entitlements(ctx, c1z.EntitlementFilter{}) {
		if err != nil {
			return nil, fmt.Errorf("read entitlements: %w", err)
		}
		c.AddEntitlement(e)
	}
	for g, err := range r.Grants(ctx, c1z.GrantFilter{}) {
		if err != nil {
			return nil, fmt.Errorf("read grants: %w", err)
		}
		c.AddGrant(g)
	}
	return c, nil
}

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
