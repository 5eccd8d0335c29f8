package c1z

import (
	"bytes"
	"database/sql"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// dbWithFreePages writes a SQLite file of page size ps whose free list holds the pages of a
// dropped index and table, and returns its path and how many free pages SQLite reports.
func dbWithFreePages(t testing.TB, ps, rows int) (string, int) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "free.db")
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, q := range []string{
		"PRAGMA page_size = " + strconv.Itoa(ps),
		"CREATE TABLE kept (id integer primary key, v text)",
		"CREATE TABLE gone (id integer primary key, v text)",
		"CREATE INDEX gone_v ON gone (v)",
	} {
		_, err := db.Exec(q)
		require.NoError(t, err)
	}
	tx, err := db.Begin()
	require.NoError(t, err)
	for i := range rows {
		_, err := tx.Exec("INSERT INTO kept (v) VALUES (?)", fmt.Sprintf("kept row %d %s", i, strings.Repeat("k", i%50)))
		require.NoError(t, err)
		_, err = tx.Exec("INSERT INTO gone (v) VALUES (?)", fmt.Sprintf("secret-looking stale row %d %s", i, strings.Repeat("s", i%70)))
		require.NoError(t, err)
	}
	require.NoError(t, tx.Commit())
	_, err = db.Exec("DROP INDEX gone_v")
	require.NoError(t, err)
	_, err = db.Exec("DROP TABLE gone")
	require.NoError(t, err)
	var free int
	require.NoError(t, db.QueryRow("PRAGMA freelist_count").Scan(&free))
	require.NoError(t, db.Close())
	return path, free
}

// zeroed returns the file at path as the writer sends it.
func zeroed(t testing.TB, path string) ([]byte, *freePages) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	st, err := f.Stat()
	require.NoError(t, err)
	free := readFreePages(f, st.Size())
	var out bytes.Buffer
	// A reader that returns odd-sized pieces, so that pieces straddle page boundaries.
	_, err = io.Copy(&out, &zeroFreeReader{r: &chunkReader{r: f, n: 1000}, free: free})
	require.NoError(t, err)
	return out.Bytes(), free
}

type chunkReader struct {
	r io.Reader
	n int
}

func (c *chunkReader) Read(p []byte) (int, error) { return c.r.Read(p[:min(len(p), c.n)]) }

func TestFreePagesAreSentAsZeros(t *testing.T) {
	t.Parallel()
	for _, ps := range []int{512, 4096, 16384} {
		t.Run(strconv.Itoa(ps), func(t *testing.T) {
			t.Parallel()
			path, freeCount := dbWithFreePages(t, ps, 3000)
			require.Positive(t, freeCount)
			orig, err := os.ReadFile(path)
			require.NoError(t, err)
			out, free := zeroed(t, path)
			require.NotNil(t, free)
			require.Len(t, out, len(orig))
			trunks := freeCount - free.count
			require.Positive(t, trunks, "the free list has trunk pages")
			require.Greater(t, free.count, trunks)
			// Leaf pages are zeros, trunk pages past their list too; every other page is unchanged.
			for p := int64(1); p <= int64(len(orig))/int64(ps); p++ {
				page := out[(p-1)*int64(ps) : p*int64(ps)]
				if used, ok := free.trunks[p]; ok {
					require.Equal(t, orig[(p-1)*int64(ps):(p-1)*int64(ps)+used], page[:used], "trunk page %d", p)
					require.Equal(t, make([]byte, int64(ps)-used), page[used:], "trunk page %d", p)
				} else if free.has(p) {
					require.Equal(t, make([]byte, ps), page, "free page %d", p)
				} else {
					require.Equal(t, orig[(p-1)*int64(ps):p*int64(ps)], page, "page %d", p)
				}
			}
			require.False(t, bytes.Contains(out, []byte("secret-looking stale row")), "stale rows are gone")
			require.True(t, bytes.Contains(orig, []byte("secret-looking stale row")), "the test drops something SQLite leaves behind")

			// The result is the same database for SQLite.
			zpath := filepath.Join(t.TempDir(), "zero.db")
			require.NoError(t, os.WriteFile(zpath, out, 0o600))
			db, err := sql.Open("sqlite", zpath)
			require.NoError(t, err)
			defer db.Close()
			var check string
			require.NoError(t, db.QueryRow("PRAGMA integrity_check").Scan(&check))
			require.Equal(t, "ok", check)
			var n, fl int
			require.NoError(t, db.QueryRow("SELECT count(*) FROM kept").Scan(&n))
			require.Equal(t, 3000, n)
			require.NoError(t, db.QueryRow("PRAGMA freelist_count").Scan(&fl))
			require.Equal(t, freeCount, fl)
			// SQLite reuses the zeroed pages.
			_, err = db.Exec("CREATE TABLE again (v text); INSERT INTO again SELECT v FROM kept")
			require.NoError(t, err)
			require.NoError(t, db.QueryRow("PRAGMA integrity_check").Scan(&check))
			require.Equal(t, "ok", check)
		})
	}
}

func TestFreePagesInconsistentListIsIgnored(t *testing.T) {
	t.Parallel()
	path, _ := dbWithFreePages(t, 512, 500)
	orig, err := os.ReadFile(path)
	require.NoError(t, err)
	free := readFreePages(bytes.NewReader(orig), int64(len(orig)))
	require.NotNil(t, free)
	trunk := binary.BigEndian.Uint32(orig[32:36])
	pages := uint32(len(orig) / 512)
	for name, mutate := range map[string]func(b []byte){
		"total too small":   func(b []byte) { binary.BigEndian.PutUint32(b[36:], 1) },
		"total too large":   func(b []byte) { binary.BigEndian.PutUint32(b[36:], binary.BigEndian.Uint32(b[36:])+1) },
		"trunk out of file": func(b []byte) { binary.BigEndian.PutUint32(b[32:], pages+1) },
		"trunk is page 1":   func(b []byte) { binary.BigEndian.PutUint32(b[32:], 1) },
		"trunk loops":       func(b []byte) { binary.BigEndian.PutUint32(b[(trunk-1)*512:], trunk) },
		"leaf out of file":  func(b []byte) { binary.BigEndian.PutUint32(b[(trunk-1)*512+8:], pages+7) },
		"leaf repeated": func(b []byte) {
			o := (trunk - 1) * 512
			copy(b[o+12:o+16], b[o+8:o+12])
		},
		"leaf is the trunk": func(b []byte) { binary.BigEndian.PutUint32(b[(trunk-1)*512+8:], trunk) },
		"too many leaves":   func(b []byte) { binary.BigEndian.PutUint32(b[(trunk-1)*512+4:], 512/4-1) },
		"bad page size":     func(b []byte) { binary.BigEndian.PutUint16(b[16:], 1000) },
		"not sqlite":        func(b []byte) { b[0] = 'X' },
	} {
		b := bytes.Clone(orig)
		mutate(b)
		require.Nil(t, readFreePages(bytes.NewReader(b), int64(len(b))), name)
	}
	require.Nil(t, readFreePages(bytes.NewReader(orig[:len(orig)-1]), int64(len(orig)-1)), "size not a multiple of the page size")
	require.Nil(t, readFreePages(bytes.NewReader(orig[:50]), 50), "short file")
}

// FuzzReadFreePages feeds arbitrary database images to the free-list walk: it must never panic,
// and whatever it returns must be pages of the file other than page 1, at most as many as the
// header announces; zeroing leaves the size and every other page unchanged.
func FuzzReadFreePages(f *testing.F) {
	for _, b := range freePageSeeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		free := readFreePages(bytes.NewReader(data), int64(len(data)))
		if free == nil {
			return
		}
		pages := int64(len(data)) / free.pageSize
		require.False(t, free.has(1))
		require.LessOrEqual(t, int64(free.count), int64(binary.BigEndian.Uint32(data[36:40])))
		var out bytes.Buffer
		_, err := io.Copy(&out, &zeroFreeReader{r: &chunkReader{r: bytes.NewReader(data), n: 700}, free: free})
		require.NoError(t, err)
		require.Equal(t, len(data), out.Len())
		for p := int64(1); p <= pages; p++ {
			got := out.Bytes()[(p-1)*free.pageSize : p*free.pageSize]
			want := data[(p-1)*free.pageSize : p*free.pageSize]
			if used, ok := free.trunks[p]; ok {
				require.Equal(t, want[:used], got[:used], "trunk page %d keeps its list", p)
			} else if !free.has(p) {
				require.Equal(t, want, got)
			}
		}
	})
}

func freePageSeeds(t testing.TB) map[string][]byte {
	path, _ := dbWithFreePages(t, 512, 200)
	valid, err := os.ReadFile(path)
	require.NoError(t, err)
	looped := bytes.Clone(valid)
	trunk := binary.BigEndian.Uint32(looped[32:36])
	binary.BigEndian.PutUint32(looped[(trunk-1)*512:], trunk)
	return map[string][]byte{
		"valid":      valid,
		"no_free":    valid[:512],
		"looped":     looped,
		"header":     valid[:100],
		"empty":      {},
		"truncated":  valid[:len(valid)-100],
		"page_64k":   append(append([]byte{}, valid[:16]...), append([]byte{0, 1}, valid[18:512]...)...),
		"bad_header": append([]byte("SQLite format 3\x00\x02\x00"), make([]byte, 1000)...),
	}
}

// TestWriteFreePagesCorpus regenerates testdata/fuzz/FuzzReadFreePages (C1Z_WRITE_CORPUS=1).
func TestWriteFreePagesCorpus(t *testing.T) {
	if os.Getenv("C1Z_WRITE_CORPUS") == "" {
		t.Skip("set C1Z_WRITE_CORPUS=1 to regenerate the committed fuzz seed corpus")
	}
	writeCorpus(t, "FuzzReadFreePages", freePageSeeds(t))
}
