package confluencetest

import (
	"io"
	"net/http"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// BenchmarkNewServerLarge measures generating the Large tenant and starting to listen, and
// reports the live heap with one Large server running.
func BenchmarkNewServerLarge(b *testing.B) {
	for b.Loop() {
		srv, err := NewServer(Large())
		if err != nil {
			b.Fatal(err)
		}
		srv.Close()
	}
	b.StopTimer()
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	srv, err := NewServer(Large())
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "heapMB")
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/start")
}

// mixPaths is a mix of the list calls a sync makes, over the whole Large tenant.
func mixPaths(tr *Truth) []string {
	var paths []string
	for i := range 40 {
		g := tr.Groups[i*len(tr.Groups)/40]
		sp := tr.Spaces[i*len(tr.Spaces)/40]
		paths = append(paths,
			"/wiki/rest/api/group?limit=200&start="+strconv.Itoa(i%5*200),
			"/wiki/rest/api/group/"+g.ID+"/membersByGroupId?limit=200",
			"/wiki/rest/api/search/user?cql=type%3Duser&limit=200&start="+strconv.Itoa(i*200),
			"/wiki/api/v2/spaces?limit=250",
			"/wiki/api/v2/spaces/"+sp.ID+"/permissions?limit=250",
			"/wiki/api/v2/spaces/"+sp.ID+"/permissions?limit=250",
		)
	}
	return paths
}

// BenchmarkServeLargeMix drives the Large tenant over real HTTP on 127.0.0.1 with a mix of list
// calls (groups, members, user search, spaces, space permissions) from 8 concurrent clients,
// with zero latency, and reports requests per second.
func BenchmarkServeLargeMix(b *testing.B) {
	srv, err := NewServer(Large())
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	paths := mixPaths(srv.Truth())
	hc := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	get := func(path string) error {
		req, err := http.NewRequest(http.MethodGet, srv.URL()+path, nil)
		if err != nil {
			return err
		}
		req.SetBasicAuth(DefaultUsername, DefaultAPIToken)
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return &statusError{resp.StatusCode, path}
		}
		return nil
	}
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if err := get(paths[i%len(paths)]); err != nil {
				b.Error(err)
				return
			}
			i += 7
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	b.ReportMetric(float64(srv.Stats().MaxConcurrent), "maxConcurrent")
}

type statusError struct {
	status int
	path   string
}

func (e *statusError) Error() string { return "status " + strconv.Itoa(e.status) + " for " + e.path }
