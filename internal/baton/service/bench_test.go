package service

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/segmentio/ksuid"
	"github.com/stretchr/testify/require"

	batonv1 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connectorapi/baton/v1"
	"github.com/baton-confluence/baton-confluence/internal/baton/service/c1fake"
)

// BenchmarkUpload measures one UploadAsset of an 8 MiB c1z to the fake over loopback TLS
// (checksum, 16 chunks of 512 KiB, eof, server-side verification).
func BenchmarkUpload(b *testing.B) {
	fake, err := c1fake.New(c1fake.Options{})
	require.NoError(b, err)
	defer fake.Close()
	id, err := parseClientID(fake.Credentials().ClientID)
	require.NoError(b, err)
	key, err := parseClientSecret(fake.Credentials().ClientSecret)
	require.NoError(b, err)
	h := defaultHooks()
	h.rootCAs = fake.CAPool()
	ep := newEndpoint(id, fake.Addr())
	httpClient := newTokenClient(h)
	defer httpClient.CloseIdleConnections()
	ts := &tokenSource{client: httpClient, tokenURL: ep.tokenURL(), id: id, key: key, now: h.now}
	conn, err := dial(ep, id, ts, h)
	require.NoError(b, err)
	defer conn.Close()
	r := &runner{client: batonv1.NewBatonServiceClient(conn), hostID: "bench", hooks: h}

	path := filepath.Join(b.TempDir(), "sync.c1z")
	data := make([]byte, 8<<20)
	for i := range data {
		data[i] = byte(i * 31)
	}
	require.NoError(b, os.WriteFile(path, data, 0o600))
	taskID := ksuid.New().String()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		require.NoError(b, r.upload(b.Context(), taskID, path))
	}
}
