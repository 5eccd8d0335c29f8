package sync

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/internal/baton/sync/fakeconnector"
)

// The child process mode of the test binary: it syncs killConfig into childPathEnv and prints
// killLine when its connector receives call number childSignalEnv, so the parent can SIGKILL it
// while it keeps working.
const (
	childEnv       = "BATON_SYNC_TEST_CHILD"
	childPathEnv   = "BATON_SYNC_TEST_PATH"
	childTmpEnv    = "BATON_SYNC_TEST_TMP"
	childSignalEnv = "BATON_SYNC_TEST_SIGNAL_AT"
	killLine       = "KILL ME"
)

func killConfig() fakeconnector.Config {
	cfg := smallConfig()
	cfg.Users, cfg.Spaces, cfg.PageSize = 60, 14, 3
	return cfg
}

func killOptions() Options {
	return Options{Workers: 4, CheckpointEvery: time.Millisecond, Fingerprint: "kill-test"}
}

func runChild() int {
	at, _ := strconv.Atoi(os.Getenv(childSignalEnv))
	var n atomic.Int64
	cfg := killConfig()
	cfg.Delay = func() time.Duration { return 100 * time.Microsecond }
	cfg.Fail = func(fakeconnector.Call) error {
		if n.Add(1) == int64(at) {
			fmt.Println(killLine)
		}
		return nil
	}
	_, err := syncFile(context.Background(), os.Getenv(childPathEnv), os.Getenv(childTmpEnv), fakeconnector.New(cfg), killOptions())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// killChildAt runs the child sync and SIGKILLs it as soon as it reports call number at (or
// lets it finish if it never gets there).
func killChildAt(t *testing.T, path, tmp string, at int) (killed bool) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=1", childPathEnv+"="+path, childTmpEnv+"="+tmp,
		childSignalEnv+"="+strconv.Itoa(at))
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if sc.Text() == killLine {
			require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
			killed = true
			break
		}
	}
	_ = cmd.Wait()
	return killed
}

func TestResumeAfterSIGKILL(t *testing.T) {
	t.Parallel()
	refPath := filepath.Join(t.TempDir(), "ref.c1z")
	refConn := fakeconnector.New(killConfig())
	_, err := syncFile(t.Context(), refPath, t.TempDir(), refConn, killOptions())
	require.NoError(t, err)
	want := dump(t, refPath)
	total := len(refConn.Calls())

	seeds := 8
	if testing.Short() {
		seeds = 5
	}
	for seed := range seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(uint64(seed), 42))
			path, tmp := filepath.Join(t.TempDir(), "sync.c1z"), t.TempDir()
			var kills []int
			for range 2 {
				at := 1 + rng.IntN(total)
				if killChildAt(t, path, tmp, at) {
					kills = append(kills, at)
				}
			}
			_, err := syncFile(t.Context(), path, tmp, fakeconnector.New(killConfig()), killOptions())
			require.NoError(t, err, "killed at calls %v", kills)
			got := dump(t, path)
			require.Equal(t, want.Tables, got.Tables, "killed at calls %v", kills)
			require.Equal(t, TypeFull, got.Type)
			requireClean(t, tmp, path)
			t.Logf("killed at calls %v of %d", kills, total)
		})
	}
}
