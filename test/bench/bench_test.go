package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"
)

func TestParsePhases(t *testing.T) {
	t.Parallel()
	log := strings.Join([]string{
		`{"level":"info","msg":"starting sync","sync_id":"x"}`,
		`{"level":"info","msg":"synced 200 group resources in 66ms (3050/s)","phase":"resources","resource_type":"group","elapsed":0.06}`,
		`{"level":"info","msg":"resources done: 5720 items in 4.4s (1301/s)","phase":"resources","resource_type":"","elapsed":4.397}`,
		`not json at all`,
		`{"level":"info","msg":"grants done: 34860 items in 4.3s (8020/s)","phase":"grants","resource_type":"","elapsed":4.346}`,
		`{"level":"info","msg":"grant expansion done","stats":{"Nodes":1},"elapsed":37.1}`,
		`{"level":"info","msg":"sync written to m.c1z","file":"m.c1z","elapsed":46.96}`,
	}, "\n")
	got := parsePhases(strings.NewReader(log))
	require.Equal(t, phaseTimes{
		Resources: 4397 * time.Millisecond, Grants: 4346 * time.Millisecond,
		Expansion: 37100 * time.Millisecond, Total: 46960 * time.Millisecond,
	}, got)
	require.Equal(t, phaseTimes{}, parsePhases(strings.NewReader("")))
}

func TestMedianOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   []int64
		want int64
	}{
		{nil, 0}, {[]int64{5}, 5}, {[]int64{9, 1, 5}, 5}, {[]int64{4, 1, 3, 2}, 2}, {[]int64{7, 7}, 7},
	} {
		require.Equal(t, tc.want, medianOf(tc.in), "%v", tc.in)
	}
	in := []time.Duration{3, 1, 2}
	require.Equal(t, time.Duration(2), medianOf(in))
	require.Equal(t, []time.Duration{3, 1, 2}, in, "the input is not reordered")
}

func TestParseSweep(t *testing.T) {
	t.Parallel()
	got, err := parseSweep("8x8, 16x24")
	require.NoError(t, err)
	require.Equal(t, []sweepPoint{{8, 8}, {16, 24}}, got)
	for _, bad := range []string{"8", "8x", "x8", "0x8", "8x-1", "8x8,,"} {
		_, err := parseSweep(bad)
		require.Error(t, err, bad)
	}
}

func TestPickScenarios(t *testing.T) {
	t.Parallel()
	all, err := pickScenarios("")
	require.NoError(t, err)
	require.Len(t, all, len(allScenarios))
	two, err := pickScenarios("rate20,medium@50ms")
	require.NoError(t, err)
	require.Equal(t, []string{"rate20", "medium@50ms"}, []string{two[0].Name, two[1].Name})
	_, err = pickScenarios("medium,nope")
	require.ErrorContains(t, err, `unknown scenario "medium"`)
}

func TestPrintTable(t *testing.T) {
	t.Parallel()
	rate := allScenarios[2]
	res := []result{{
		Scenario: rate,
		Runs: []syncRun{
			{Wall: 44 * time.Second, PeakRSS: 100 << 20, C1ZSize: 3 << 20, Phases: phaseTimes{Grants: 30 * time.Second}},
			{Wall: 42 * time.Second, PeakRSS: 90 << 20, C1ZSize: 3 << 20, Phases: phaseTimes{Grants: 20 * time.Second}},
			{Wall: 50 * time.Second, PeakRSS: 95 << 20, C1ZSize: 3 << 20, Phases: phaseTimes{Grants: 25 * time.Second}},
		},
		Stats: []confluencetest.Stats{
			{Total: 840, Throttled: 2, MaxConcurrent: 3, Routes: map[string]int64{"GET /a": 40, "GET /b": 800}},
			{Total: 840, Throttled: 0, MaxConcurrent: 2},
			{Total: 840, Throttled: 1, MaxConcurrent: 2},
		},
		Verdict: verdict{Checked: true},
	}, {Scenario: allScenarios[0], Err: errTest}}
	var b bytes.Buffer
	printTable(&b, res, 3)
	out := b.String()
	row := lineWith(t, out, "rate20 ")
	require.Equal(t, []string{"rate20", "44.0", "42.0", "1.05", "840", "1", "2", "95", "3", "-", "25.0", "-", "yes"}, strings.Fields(row))
	require.Contains(t, lineWith(t, out, "medium@50ms "), "failed: boom")
	require.Contains(t, out, "GET /b 800; GET /a 40", "largest endpoint first")
}

var errTest = errorString("boom")

type errorString string

func (e errorString) Error() string { return string(e) }

func lineWith(t *testing.T, s, sub string) string {
	t.Helper()
	for l := range strings.Lines(s) {
		if strings.Contains(l, sub) {
			return l
		}
	}
	t.Fatalf("no line with %q in:\n%s", sub, s)
	return ""
}

func TestVerdictString(t *testing.T) {
	t.Parallel()
	require.Equal(t, "-", verdict{}.String())
	require.Equal(t, "yes", verdict{Checked: true}.String())
	v := verdict{Checked: true, Missing: 2, Changed: 1}
	require.False(t, v.ok())
	require.Equal(t, "NO (2 missing, 0 extra, 1 changed)", v.String())
}
