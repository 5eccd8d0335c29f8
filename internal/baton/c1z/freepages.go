package c1z

import (
	"encoding/binary"
	"io"
)

// SQLite keeps the pages it no longer uses in a free list: trunk pages, each listing up to
// (page size / 4 - 2) leaf pages. SQLite never reads a leaf page's content (without
// secure_delete it does not even write it back), nor a trunk page past its list, so those
// bytes may hold anything; with PRAGMA secure_delete SQLite writes zeros there itself. The
// writer sends them as zeros: the same database for every reader, and stale copies of dropped
// rows and indexes cost nothing compressed.

// freePages is the set of free-list leaf pages of a database file (page numbers start at 1),
// and its trunk pages with the length of their used part.
type freePages struct {
	pageSize int64
	bits     []uint64 // bit n-1 set: page n is a free leaf page
	count    int
	trunks   map[int64]int64 // trunk page -> bytes in use (next pointer, count, list)
}

func (f *freePages) add(n uint32) {
	i := int(n - 1)
	if f.bits[i/64]&(1<<(i%64)) == 0 {
		f.bits[i/64] |= 1 << (i % 64)
		f.count++
	}
}

func (f *freePages) has(n int64) bool {
	i := n - 1
	return i >= 0 && i/64 < int64(len(f.bits)) && f.bits[i/64]&(1<<(i%64)) != 0
}

// readFreePages walks the free list of the SQLite file r of size bytes. Whatever does not look
// like a consistent free list (bad header, page numbers out of range, a trunk listed twice,
// more pages than the header announces) yields nil: the file is then sent as it is.
func readFreePages(r io.ReaderAt, size int64) *freePages {
	var hdr [100]byte
	if _, err := r.ReadAt(hdr[:], 0); err != nil || string(hdr[:16]) != string(sqliteMagic) {
		return nil
	}
	ps := int64(binary.BigEndian.Uint16(hdr[16:18]))
	if ps == 1 {
		ps = 65536
	}
	if ps < 512 || ps&(ps-1) != 0 || size%ps != 0 {
		return nil
	}
	pages := size / ps
	trunk := binary.BigEndian.Uint32(hdr[32:36])
	total := int64(binary.BigEndian.Uint32(hdr[36:40]))
	if trunk == 0 || total == 0 || total >= pages {
		return nil
	}
	f := &freePages{pageSize: ps, bits: make([]uint64, (pages+63)/64)}
	seen := make(map[uint32]bool)
	f.trunks = make(map[int64]int64)
	buf := make([]byte, ps)
	listed := int64(0) // trunks and leaves seen, against the header's total
	maxLeaves := uint32(ps/4 - 2)
	for trunk != 0 {
		if int64(trunk) > pages || trunk < 2 || seen[trunk] {
			return nil
		}
		seen[trunk] = true
		if _, err := r.ReadAt(buf, (int64(trunk)-1)*ps); err != nil {
			return nil
		}
		n := binary.BigEndian.Uint32(buf[4:8])
		listed += 1 + int64(n)
		if n > maxLeaves || listed > total {
			return nil
		}
		f.trunks[int64(trunk)] = 8 + 4*int64(n)
		for i := uint32(0); i < n; i++ {
			leaf := binary.BigEndian.Uint32(buf[8+4*i:])
			if leaf < 2 || int64(leaf) > pages || seen[leaf] || f.has(int64(leaf)) {
				return nil
			}
			f.add(leaf)
		}
		trunk = binary.BigEndian.Uint32(buf[0:4])
	}
	for t := range seen {
		if f.has(int64(t)) {
			return nil // a trunk listed as a leaf
		}
	}
	if listed != total {
		return nil
	}
	return f
}

// zeroFreeReader reads a database file sequentially, replacing free-list leaf pages by zeros.
type zeroFreeReader struct {
	r    io.Reader
	free *freePages // nil: nothing replaced
	off  int64
}

func (z *zeroFreeReader) Read(p []byte) (int, error) {
	n, err := z.r.Read(p)
	if z.free != nil {
		ps := z.free.pageSize
		for pos := z.off; pos < z.off+int64(n); {
			page := pos/ps + 1
			end := min(page*ps, z.off+int64(n))
			from := pos // first byte of this piece to zero
			if used, ok := z.free.trunks[page]; ok {
				from = max(pos, (page-1)*ps+used)
			} else if !z.free.has(page) {
				from = end
			}
			if from < end {
				clear(p[from-z.off : end-z.off])
			}
			pos = end
		}
	}
	z.off += int64(n)
	return n, err
}
