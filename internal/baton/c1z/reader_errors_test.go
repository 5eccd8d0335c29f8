package c1z

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/require"
)

// validFile writes a small finished c1z and returns its bytes.
func validFile(t testing.TB) []byte {
	t.Helper()
	s, out := newStore(t, Options{})
	run, err := s.StartSync(t.Context(), SyncTypeFull, "")
	require.NoError(t, err)
	require.NoError(t, s.PutResourceTypes(t.Context(), run.ID, userRT))
	require.NoError(t, s.PutResources(t.Context(), run.ID, userRes("a")))
	require.NoError(t, s.EndSync(t.Context(), run.ID))
	require.NoError(t, s.Save(t.Context()))
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	return b
}

func zstdBytes(t testing.TB, payload []byte, opts ...zstd.EOption) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc, err := zstd.NewWriter(&buf, opts...)
	require.NoError(t, err)
	_, err = enc.Write(payload)
	require.NoError(t, err)
	require.NoError(t, enc.Close())
	return buf.Bytes()
}

// zstdWithSize compresses payload into one frame that records its content size.
func zstdWithSize(t testing.TB, payload []byte) []byte {
	t.Helper()
	enc, err := zstd.NewWriter(nil)
	require.NoError(t, err)
	defer enc.Close()
	return enc.EncodeAll(payload, nil)
}

func TestOpenReaderErrors(t *testing.T) {
	t.Parallel()
	valid := validFile(t)
	corrupt := bytes.Clone(valid)
	for i := len(corrupt) / 2; i < len(corrupt)/2+64 && i < len(corrupt); i++ {
		corrupt[i] ^= 0x5a
	}
	tests := []struct {
		name    string
		content []byte
		is      error
		msg     string
	}{
		{"zero length", []byte{}, ErrEmptyFile, "is empty"},
		{"bad magic", []byte("PK\x03\x04 this is a zip file"), ErrNotC1Z, "is not a c1z file"},
		{"shorter than magic", []byte("C1Z"), ErrNotC1Z, "is not a c1z file"},
		{"v3", append([]byte("C1Z3\x00\x00\x00\x00\x17"), make([]byte, 40)...), ErrV3Unsupported,
			"v3 (C1Z3) files are not supported; re-run the sync with --storage-engine sqlite to write v1"},
		{"truncated zstd", valid[:len(valid)/2], ErrCorrupt, "corrupt or truncated zstd data"},
		{"corrupt zstd", corrupt, ErrCorrupt, "corrupt or truncated zstd data"},
		{"not zstd after magic", append([]byte("C1ZF\x00"), []byte("plain text, not zstd at all")...), ErrCorrupt, "corrupt"},
		{"magic only", []byte("C1ZF\x00"), ErrCorrupt, "corrupt"},
		{"not sqlite inside", append([]byte("C1ZF\x00"), zstdBytes(t, []byte("hello, world"))...), ErrNotSQLite, "not a SQLite database"},
		{"sqlite header, garbage body", append([]byte("C1ZF\x00"), zstdBytes(t, append([]byte("SQLite format 3\x00"), bytes.Repeat([]byte{0xff}, 5000)...))...),
			ErrNotSQLite, "not a usable SQLite database"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "in.c1z")
			require.NoError(t, os.WriteFile(path, tt.content, 0o644))
			tmp := filepath.Join(dir, "tmp")
			r, err := OpenReader(t.Context(), path, ReaderOptions{TempDir: tmp})
			require.Nil(t, r)
			require.ErrorIs(t, err, tt.is)
			require.ErrorContains(t, err, tt.msg)
			require.Contains(t, err.Error(), path, "the error names the file")
			left, _ := os.ReadDir(tmp)
			require.Empty(t, left, "temp copy removed on error")
		})
	}
}

func TestOpenReaderMissingFile(t *testing.T) {
	t.Parallel()
	_, err := OpenReader(t.Context(), filepath.Join(t.TempDir(), "nope.c1z"), ReaderOptions{TempDir: t.TempDir()})
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestDecodeLimits(t *testing.T) {
	t.Parallel()
	payload := append([]byte("SQLite format 3\x00"), bytes.Repeat([]byte("0123456789abcdef"), 1<<16)...) // 1 MiB
	tests := []struct {
		name string
		data []byte
		lim  decodeLimits
		msg  string
	}{
		{"content size fails fast", zstdWithSize(t, payload), decodeLimits{maxDecoded: 1000, maxMemory: defaultMaxMemory, fcsFailFast: true},
			"decompressed size 1048592 bytes exceeds the limit of 1000 bytes"},
		{"streaming cap without content size", zstdBytes(t, payload, zstd.WithEncoderCRC(true)),
			decodeLimits{maxDecoded: 1000, maxMemory: defaultMaxMemory, fcsFailFast: false}, "decompressed data exceeds the limit of 1000 bytes"},
		{"window above memory cap", zstdBytes(t, payload, zstd.WithWindowSize(8<<20), zstd.WithSingleSegment(false)),
			decodeLimits{maxDecoded: defaultMaxDecoded, maxMemory: 64 << 10, fcsFailFast: true}, "exceeds the decoder memory limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			src := filepath.Join(dir, "in.c1z")
			require.NoError(t, os.WriteFile(src, append([]byte("C1ZF\x00"), tt.data...), 0o644))
			err := decodeFile(t.Context(), src, filepath.Join(dir, "db"), tt.lim)
			require.ErrorIs(t, err, ErrTooLarge)
			require.ErrorContains(t, err, tt.msg)
		})
	}
	// Within the limits the same data decodes.
	dir := t.TempDir()
	src := filepath.Join(dir, "in.c1z")
	require.NoError(t, os.WriteFile(src, append([]byte("C1ZF\x00"), zstdBytes(t, payload)...), 0o644))
	require.NoError(t, decodeFile(t.Context(), src, filepath.Join(dir, "db"), limitsFromEnv()))
	got, err := os.ReadFile(filepath.Join(dir, "db"))
	require.NoError(t, err)
	require.Equal(t, payload, got)
}

// TestLimitsFromEnv is not parallel: it sets process environment variables.
func TestLimitsFromEnv(t *testing.T) {
	t.Setenv("BATON_DECODER_MAX_DECODED_SIZE_MB", "3")
	t.Setenv("BATON_DECODER_MAX_MEMORY_MB", "2")
	t.Setenv("BATON_DISABLE_FCS_FAIL_FAST", "1")
	require.Equal(t, decodeLimits{maxDecoded: 3 << 20, maxMemory: 2 << 20, fcsFailFast: false}, limitsFromEnv())
	t.Setenv("BATON_DECODER_MAX_DECODED_SIZE_MB", "junk")
	t.Setenv("BATON_DECODER_MAX_MEMORY_MB", "")
	t.Setenv("BATON_DISABLE_FCS_FAIL_FAST", "")
	require.Equal(t, decodeLimits{maxDecoded: defaultMaxDecoded, maxMemory: defaultMaxMemory, fcsFailFast: true}, limitsFromEnv())
}

// TestReaderSyncChoice covers the readers' rule of spec §2.10 and the "no finished sync" errors.
func TestReaderSyncChoice(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	clock := newClock()
	s, out := newStore(t, Options{Now: clock.Now})
	run, err := s.StartSync(ctx, SyncTypeFull, "")
	require.NoError(t, err)
	require.NoError(t, s.PutResources(ctx, run.ID, userRes("a")))
	require.NoError(t, s.Save(ctx))

	open := func(opts ReaderOptions) (*Reader, error) {
		opts.TempDir = t.TempDir()
		r, err := OpenReader(ctx, out, opts)
		if r != nil {
			t.Cleanup(func() { _ = r.Close() })
		}
		return r, err
	}
	// Only an unfinished sync, started recently: it is shown, but Stats says nothing finished.
	r, err := open(ReaderOptions{Now: clock.Now})
	require.NoError(t, err)
	require.Equal(t, run.ID, r.Sync().ID)
	require.False(t, r.Sync().Finished())
	require.Len(t, collect(t, r.Resources(ctx, ResourceFilter{})), 1)
	_, err = r.Stats(ctx)
	require.ErrorIs(t, err, ErrNoFinishedSync)
	require.ErrorContains(t, err, "no finished sync in "+out)

	// RequireFinished turns that into an open error.
	_, err = open(ReaderOptions{Now: clock.Now, RequireFinished: true})
	require.ErrorIs(t, err, ErrNoFinishedSync)
	require.ErrorContains(t, err, "no finished sync in "+out)

	// Older than 7 days: no sync filter at all.
	r, err = open(ReaderOptions{Now: func() time.Time { return clock.Now().Add(8 * 24 * time.Hour) }})
	require.NoError(t, err)
	require.Nil(t, r.Sync())
	require.Len(t, collect(t, r.Resources(ctx, ResourceFilter{})), 1)
	_, err = r.Stats(ctx)
	require.ErrorIs(t, err, ErrNoFinishedSync)

	// An explicit id is shown even unfinished, and counted.
	r, err = open(ReaderOptions{SyncID: run.ID})
	require.NoError(t, err)
	st, err := r.Stats(ctx)
	require.NoError(t, err)
	require.Equal(t, int64(1), st.Resources)
	_, err = open(ReaderOptions{SyncID: "2b7nIYk6WbsOGvZ1hFJvX6j2Qwc"})
	require.ErrorIs(t, err, ErrNotFound)
}

func TestReaderFiltersAndLookups(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, out := newStore(t, Options{})
	d := newRoundTripData(t)
	run, err := s.StartSync(ctx, SyncTypeFull, "")
	require.NoError(t, err)
	require.NoError(t, s.PutResourceTypes(ctx, run.ID, d.rts...))
	require.NoError(t, s.PutResources(ctx, run.ID, d.res...))
	require.NoError(t, s.PutEntitlements(ctx, run.ID, d.ents...))
	require.NoError(t, s.PutGrants(ctx, run.ID, d.grts...))
	require.NoError(t, s.EndSync(ctx, run.ID))
	require.NoError(t, s.Save(ctx))
	r, err := OpenReader(ctx, out, ReaderOptions{TempDir: t.TempDir()})
	require.NoError(t, err)
	defer r.Close()

	require.Len(t, collect(t, r.Resources(ctx, ResourceFilter{ResourceTypeID: "user"})), 2)
	require.Len(t, collect(t, r.Resources(ctx, ResourceFilter{Parent: rid("space", "100")})), 1)
	require.Len(t, collect(t, r.Entitlements(ctx, EntitlementFilter{ResourceTypeID: "space"})), 1)
	require.Len(t, collect(t, r.Entitlements(ctx, EntitlementFilter{Resource: rid("group", "g1")})), 1)
	require.Len(t, collect(t, r.Grants(ctx, GrantFilter{EntitlementID: "space:100:read-space"})), 2)
	require.Len(t, collect(t, r.Grants(ctx, GrantFilter{Principal: rid("group", "g1")})), 2)
	require.Len(t, collect(t, r.Grants(ctx, GrantFilter{Resource: rid("space_role_assignment", "100:r1")})), 2)
	require.Len(t, collect(t, r.Grants(ctx, GrantFilter{ResourceTypeID: "group", Principal: rid("user", "u1")})), 1)
	require.Empty(t, collect(t, r.Grants(ctx, GrantFilter{Principal: rid("user", "nobody")})))

	_, err = r.Resource(ctx, rid("user", "nobody"))
	require.ErrorIs(t, err, ErrNotFound)
	_, err = r.Entitlement(ctx, "nope")
	require.ErrorIs(t, err, ErrNotFound)
	_, err = r.Grant(ctx, "nope")
	require.ErrorIs(t, err, ErrNotFound)

	// Breaking out of a loop early is fine, and other calls work inside the loop.
	for g, err := range r.Grants(ctx, GrantFilter{}) {
		require.NoError(t, err)
		_, err := r.Entitlement(ctx, g.GetEntitlement().GetId())
		require.NoError(t, err)
		break
	}
	require.NoError(t, r.Close())
	require.NoError(t, r.Close(), "closing twice is fine")
	_, err = r.Syncs(ctx)
	require.Error(t, err, "a closed reader fails")
}
