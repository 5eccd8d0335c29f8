package c1z

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fuzzSeeds are the interesting shapes of input: valid, empty, wrong magic, v3, truncated or
// corrupt zstd, non-SQLite payload.
func fuzzSeeds(t testing.TB) map[string][]byte {
	valid := validFile(t)
	corrupt := append([]byte{}, valid...)
	corrupt[len(corrupt)/2] ^= 0xff
	return map[string][]byte{
		"valid":           valid,
		"empty":           {},
		"bad_magic":       []byte("C1ZX\x00\x28\xb5\x2f\xfd"),
		"v3":              []byte("C1Z3\x00\x00\x00\x00\x05\x0a\x03abc"),
		"truncated_zstd":  valid[:len(valid)*2/3],
		"corrupt_zstd":    corrupt,
		"magic_only":      []byte("C1ZF\x00"),
		"not_sqlite":      append([]byte("C1ZF\x00"), zstdWithSize(t, []byte("SQLite format 2\x00 nope"))...),
		"sqlite_header":   append([]byte("C1ZF\x00"), zstdWithSize(t, append([]byte("SQLite format 3\x00"), make([]byte, 600)...))...),
		"huge_fcs_header": []byte("C1ZF\x00\x28\xb5\x2f\xfd\xe4\x00\xff\xff\xff\xff\xff\xff\xff\x7f"),
	}
}

// FuzzOpenReader feeds arbitrary bytes to OpenReader and lists everything it can: it must never
// panic, and must leave no temporary files behind on error.
func FuzzOpenReader(f *testing.F) {
	// Keep a decompression bomb from filling the disk while fuzzing.
	f.Setenv("BATON_DECODER_MAX_DECODED_SIZE_MB", "64")
	f.Setenv("BATON_DECODER_MAX_MEMORY_MB", "16")
	for _, b := range fuzzSeeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// A hang is a bug too: crash the worker so the fuzzer records the input.
		hang := time.AfterFunc(time.Minute, func() { panic(fmt.Sprintf("OpenReader hangs on %q", data)) })
		defer hang.Stop()
		dir := t.TempDir()
		path := filepath.Join(dir, "in.c1z")
		require.NoError(t, os.WriteFile(path, data, 0o600))
		tmp := filepath.Join(dir, "tmp")
		r, err := OpenReader(t.Context(), path, ReaderOptions{TempDir: tmp})
		if err != nil {
			left, _ := os.ReadDir(tmp)
			require.Empty(t, left, "temp copy left behind after %v", err)
			return
		}
		ctx := t.Context()
		_, _ = r.Syncs(ctx)
		_, _ = r.ResourceTypes(ctx)
		_, _ = r.Stats(ctx)
		_ = r.Sync()
		for res, err := range r.Resources(ctx, ResourceFilter{}) {
			if err == nil {
				_, _ = r.Resource(ctx, res.GetId())
			}
		}
		for e, err := range r.Entitlements(ctx, EntitlementFilter{}) {
			if err == nil {
				_, _ = r.Entitlement(ctx, e.GetId())
			}
		}
		for g, err := range r.Grants(ctx, GrantFilter{}) {
			if err == nil {
				_, _ = r.Grant(ctx, g.GetId())
			}
		}
		require.NoError(t, r.Close())
		left, _ := os.ReadDir(tmp)
		require.Empty(t, left, "temp copy left behind by Close")
	})
}

// TestWriteFuzzCorpus regenerates testdata/fuzz/FuzzOpenReader (run with C1Z_WRITE_CORPUS=1).
func TestWriteFuzzCorpus(t *testing.T) {
	if os.Getenv("C1Z_WRITE_CORPUS") == "" {
		t.Skip("set C1Z_WRITE_CORPUS=1 to regenerate the committed fuzz seed corpus")
	}
	writeCorpus(t, "FuzzOpenReader", fuzzSeeds(t))
}

// writeCorpus writes seeds as the committed seed corpus of the []byte fuzz target.
func writeCorpus(t *testing.T, target string, seeds map[string][]byte) {
	t.Helper()
	dir := filepath.Join("testdata", "fuzz", target)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for name, b := range seeds {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%s)\n", strconv.Quote(string(b)))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "seed_"+name), []byte(body), 0o644))
	}
}
