package connector_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"
	"github.com/baton-confluence/baton-confluence/pkg/connector"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	"github.com/baton-confluence/baton-confluence/internal/baton/connectorbuilder"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// walkCounts is what walk saw.
type walkCounts struct{ resources, entitlements, grants int }

// walk drives the connector like the engine does, without storing anything: every type's
// resources (types in parallel), children, then entitlements and grants of every resource on a
// pool of workers. It measures the connector and the API alone.
func walk(ctx context.Context, conn connectorbuilder.Connector, workers int) (walkCounts, error) {
	if _, err := conn.Validate(ctx); err != nil {
		return walkCounts{}, err
	}
	syncers := conn.ResourceSyncers(ctx)
	lists := make([][]*v2.Resource, len(syncers))
	eg, gctx := errgroup.WithContext(ctx)
	for i, s := range syncers {
		eg.Go(func() (err error) { lists[i], err = listAll(gctx, s, nil); return err })
	}
	if err := eg.Wait(); err != nil {
		return walkCounts{}, err
	}
	byType := map[string]connectorbuilder.ResourceSyncer{}
	var all []*v2.Resource
	for i, s := range syncers {
		byType[s.ResourceType(ctx).GetId()] = s
		all = append(all, lists[i]...)
	}
	for _, r := range all[:len(all):len(all)] {
		var child v2.ChildResourceType
		if ok, _ := annotations.Annotations(r.GetAnnotations()).Pick(&child); ok {
			kids, err := listAll(ctx, byType[child.GetResourceTypeId()], r.GetId())
			if err != nil {
				return walkCounts{}, err
			}
			all = append(all, kids...)
		}
	}
	return walkDetails(ctx, byType, all, workers)
}

func listAll(ctx context.Context, s connectorbuilder.ResourceSyncer, parent *v2.ResourceId) ([]*v2.Resource, error) {
	var out []*v2.Resource
	for token := ""; ; {
		rs, next, _, err := s.List(ctx, parent, token)
		if err != nil {
			return nil, err
		}
		out = append(out, rs...)
		if token = next; token == "" {
			return out, nil
		}
	}
}

func walkDetails(ctx context.Context, byType map[string]connectorbuilder.ResourceSyncer, all []*v2.Resource, workers int) (walkCounts, error) {
	c := walkCounts{resources: len(all)}
	ents, grants := make([]int, len(all)), make([]int, len(all))
	eg, gctx := errgroup.WithContext(ctx)
	eg.SetLimit(workers)
	for i, r := range all {
		s := byType[r.GetId().GetResourceType()]
		eg.Go(func() error {
			for token := ""; ; {
				es, next, _, err := s.Entitlements(gctx, r, token)
				if err != nil {
					return err
				}
				ents[i] += len(es)
				if token = next; token == "" {
					break
				}
			}
			for token := ""; ; {
				gs, next, _, err := s.Grants(gctx, r, token)
				if err != nil {
					return err
				}
				grants[i] += len(gs)
				if token = next; token == "" {
					return nil
				}
			}
		})
	}
	err := eg.Wait()
	for i := range all {
		c.entitlements += ents[i]
		c.grants += grants[i]
	}
	return c, err
}

// BenchmarkConnectorWalk lists a tenant through the connector alone (no storage): Medium and
// Large at zero latency, and Medium with 20 ms per request to show what reading members in
// batches saves.
func BenchmarkConnectorWalk(b *testing.B) {
	for _, tc := range []struct {
		name    string
		tenant  func() confluencetest.Config
		latency time.Duration
		batch   int
	}{
		{"medium/latency=0", confluencetest.Medium, 0, connector.DefaultMembersBatch},
		{"medium/latency=20ms/members-batch=1", confluencetest.Medium, 20 * time.Millisecond, 1},
		{"medium/latency=20ms/members-batch=16", confluencetest.Medium, 20 * time.Millisecond, connector.DefaultMembersBatch},
		{"large/latency=0", confluencetest.Large, 0, connector.DefaultMembersBatch},
	} {
		b.Run(tc.name, func(b *testing.B) {
			cfg := tc.tenant()
			cfg.Faults.Latency = tc.latency
			srv := startSim(b, cfg)
			conn := newConnector(b, srv, nil, connector.WithMembersBatch(tc.batch))
			var c walkCounts
			b.ResetTimer()
			for range b.N {
				srv.ResetStats()
				var err error
				c, err = walk(context.Background(), conn, 8)
				require.NoError(b, err)
			}
			b.ReportMetric(float64(srv.Stats().Total), "requests/op")
			b.ReportMetric(float64(c.resources), "resources/op")
			b.ReportMetric(float64(c.grants), "grants/op")
		})
	}
}
