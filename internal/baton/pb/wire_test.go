package pb_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/baton-confluence/baton-confluence/internal/baton/fixture"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// requireNoUnknown walks m (and every Any it holds) and fails if any field was not recognised.
func requireNoUnknown(t *testing.T, where string, m protoreflect.Message) {
	t.Helper()
	require.Empty(t, m.GetUnknown(), "%s: unknown fields in %s", where, m.Descriptor().FullName())
	if a, ok := m.Interface().(*anypb.Any); ok {
		inner, err := a.UnmarshalNew()
		require.NoError(t, err, "%s: resolve %s", where, a.GetTypeUrl())
		requireNoUnknown(t, where, inner.ProtoReflect())
		again, err := proto.MarshalOptions{Deterministic: true}.Marshal(inner)
		require.NoError(t, err)
		require.True(t, bytes.Equal(a.GetValue(), again), "%s: %s re-encodes differently", where, a.GetTypeUrl())
		return
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList() && fd.Message() != nil:
			for i := 0; i < v.List().Len(); i++ {
				requireNoUnknown(t, where, v.List().Get(i).Message())
			}
		case fd.IsMap() && fd.MapValue().Message() != nil:
			v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
				requireNoUnknown(t, where, mv.Message())
				return true
			})
		case !fd.IsList() && !fd.IsMap() && fd.Message() != nil:
			requireNoUnknown(t, where, v.Message())
		}
		return true
	})
}

func TestFixtureBlobsDecodeWithoutUnknownFieldsAndReencodeIdentically(t *testing.T) {
	t.Parallel()
	tables := map[string]func() proto.Message{
		"v1_resource_types": func() proto.Message { return &v2.ResourceType{} },
		"v1_resources":      func() proto.Message { return &v2.Resource{} },
		"v1_entitlements":   func() proto.Message { return &v2.Entitlement{} },
		"v1_grants":         func() proto.Message { return &v2.Grant{} },
	}
	for _, name := range []string{"reference-small.c1z", "reference-rbac.c1z"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			db := fixture.DB(t, name)
			for table, newMsg := range tables {
				rows, err := db.Query("SELECT external_id, data FROM " + table + " ORDER BY id")
				require.NoError(t, err)
				n := 0
				for rows.Next() {
					var id string
					var blob []byte
					require.NoError(t, rows.Scan(&id, &blob))
					m := newMsg()
					require.NoError(t, proto.Unmarshal(blob, m), "%s %s", table, id)
					requireNoUnknown(t, table+" "+id, m.ProtoReflect())
					again, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
					require.NoError(t, err)
					require.Equal(t, blob, again, "%s %s re-encodes differently", table, id)
					n++
				}
				require.NoError(t, rows.Err())
				require.NoError(t, rows.Close())
				require.Positive(t, n, "%s has rows", table)
			}
			rows, err := db.Query("SELECT external_id, expansion FROM v1_grants WHERE expansion IS NOT NULL")
			require.NoError(t, err)
			defer rows.Close()
			for rows.Next() {
				var id string
				var blob []byte
				require.NoError(t, rows.Scan(&id, &blob))
				ge := &v2.GrantExpandable{}
				require.NoError(t, proto.Unmarshal(blob, ge))
				requireNoUnknown(t, "expansion "+id, ge.ProtoReflect())
			}
			require.NoError(t, rows.Err())
		})
	}
}
