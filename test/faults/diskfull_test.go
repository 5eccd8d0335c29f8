package faults_test

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/test/faults"
)

// c1zMagic is the header in front of the zstd frame of a v1 c1z.
const c1zMagic = "C1ZF\x00"

// TestFaultDiskFull: the disk fills up while the sync writes, under --c1z-temp-dir (while the
// previous file is decoded, or while the new sync is written) or under the output directory
// (while the new file is saved). Each run must fail cleanly, saying the disk is full and what
// to do, with the previous file at the output path untouched; with space back, the same command
// then succeeds and leaves no temp files (at medium size only where it resumes the failed run:
// the other recoveries are plain syncs). Needs a size-limited tmpfs (root, mount permitted).
func TestFaultDiskFull(t *testing.T) {
	parallel(t)
	prev, decoded := previousFile(t)
	for _, tc := range []struct {
		name string
		// where is the directory that fills up; size its size from the previous file's
		// compressed and decoded sizes.
		where   func(e *env) string
		size    func(compressed, decoded int64) int64
		resumes bool // the recovery run resumes the failed one
	}{
		{name: "temp dir full while loading the previous file", where: func(e *env) string { return e.tmpDir },
			size: func(_, decoded int64) int64 { return decoded / 2 }},
		{name: "temp dir full while writing the new sync", where: func(e *env) string { return e.tmpDir },
			size: func(_, decoded int64) int64 { return decoded + decoded/4 }, resumes: true},
		{name: "output dir full while saving", where: func(e *env) string { return e.outDir },
			size: func(compressed, _ int64) int64 { return compressed + compressed/4 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parallel(t)
			e := newEnv(t, sz.sim())
			dir := tc.where(e)
			size := pageAlign(tc.size(prev.Size, decoded))
			mountTmpfs(t, dir, size)
			copyFile(t, prev.path, e.out())
			before, err := faults.StatFile(e.out())
			require.NoError(t, err)

			res := e.run()
			matrix(t, fmt.Sprintf("disk full: %s (tmpfs %d KiB; previous file %d KiB, decoded %d KiB)",
				tc.name, size>>10, prev.Size>>10, decoded>>10), res, e.sim.Stats())
			e.requireFailure(res, before, "The disk is full")
			require.Contains(t, res.Message(), "Free some disk space in", "the message says what to do")
			require.Contains(t, res.Message(), "run the same command again")

			if sz.name == "medium" && !tc.resumes {
				return
			}
			remountTmpfs(t, dir, 64*size+(64<<20))
			res = e.run()
			e.requireSuccess(res, nil)
		})
	}
}

// prevFile is a finished sync used as the previous file at the output path.
type prevFile struct {
	faults.FileState
	path string
}

// previousFile syncs the current size once, fault-free, and returns the file with the size of
// the database inside it.
func previousFile(t *testing.T) (prevFile, int64) {
	t.Helper()
	e := newEnv(t, sz.sim())
	e.requireSuccess(e.run(), nil)
	st, err := faults.StatFile(e.out())
	require.NoError(t, err)
	return prevFile{FileState: st, path: e.out()}, decodedSize(t, e.out())
}

// copyFile copies src to dst with src's modification time.
func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	require.NoError(t, err)
	fi, err := os.Stat(src)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(dst, b, 0o644))
	require.NoError(t, os.Chtimes(dst, fi.ModTime(), fi.ModTime()))
}

// decodedSize is the size of the SQLite database inside the c1z at path.
func decodedSize(t *testing.T, path string) int64 {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	br := bufio.NewReader(f)
	magic := make([]byte, len(c1zMagic))
	_, err = io.ReadFull(br, magic)
	require.NoError(t, err)
	require.Equal(t, c1zMagic, string(magic))
	d, err := zstd.NewReader(br, zstd.WithDecoderMaxWindow(1<<30))
	require.NoError(t, err)
	defer d.Close()
	n, err := io.Copy(io.Discard, d)
	require.NoError(t, err)
	return n
}

func pageAlign(n int64) int64 { return (n + 4095) &^ 4095 }

// mountTmpfs mounts a tmpfs of size bytes on dir for the rest of the test, or skips the test
// when mounting is not permitted here.
func mountTmpfs(t *testing.T, dir string, size int64) {
	t.Helper()
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d,mode=0700", size), "tmpfs", dir).CombinedOutput()
	if err != nil {
		t.Skipf("disk-full faults need a size-limited tmpfs, and mounting one is not permitted here (run as root "+
			"with CAP_SYS_ADMIN): mount -t tmpfs: %v: %s", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
}

// remountTmpfs changes the size of the tmpfs on dir.
func remountTmpfs(t *testing.T, dir string, size int64) {
	t.Helper()
	out, err := exec.Command("mount", "-o", fmt.Sprintf("remount,size=%d", size), dir).CombinedOutput()
	require.NoError(t, err, "remount %s: %s", dir, out)
}
