package faults_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"
	"github.com/baton-confluence/baton-confluence/test/faults"
)

// maxInFlight bounds the requests one sync has in flight (the client's default concurrency and
// the engine's default workers are both 8).
const maxInFlight = 8

// TestFaultTokenRevoked: the token is revoked half way through the sync (every request after
// that answers 401). The run must fail at once, naming the cause and the fix, without
// retrying the 401s (at most one per request in flight) and without writing the output.
func TestFaultTokenRevoked(t *testing.T) {
	parallel(t)
	base := baselineRun(t)
	e := newEnv(t, sz.sim())
	after := int(base.requests / 2)
	e.sim.SetFaults(confluencetest.Faults{RevokeAfter: after})
	res := e.run()
	st := e.sim.Stats()
	matrix(t, "401 mid-sync (token revoked)", res, st)
	e.requireFailure(res, faults.FileState{}, "authentication failed", "401", "check the username and API token")
	require.Positive(t, st.Unauthorized, "the revocation was never met")
	require.LessOrEqual(t, st.Unauthorized, int64(maxInFlight), "401s were retried")
	require.LessOrEqual(t, st.Total, int64(after+maxInFlight), "requests continued after the 401")
}
