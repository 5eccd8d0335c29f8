package e2e

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"go.uber.org/goleak"

	"github.com/baton-confluence/baton-confluence/test/faults"
)

// Paths of the binaries TestMain builds; empty in -short mode.
var (
	connectorBin string
	fakeBin      string
)

// TestMain builds baton-confluence and c1-fake once for every test (with the race detector when
// the tests themselves run with -race, so a race in the binaries fails the run too).
func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		os.Exit(m.Run()) // every test skips without binaries
	}
	dir, err := os.MkdirTemp("", "baton-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: create binary dir:", err)
		os.Exit(1)
	}
	code := 1
	if err := faults.BuildCommands(context.Background(), dir, faults.BuildOptions{Race: raceEnabled}, "baton-confluence", "c1-fake"); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
	} else {
		connectorBin, fakeBin = filepath.Join(dir, "baton-confluence"), filepath.Join(dir, "c1-fake")
		code = m.Run()
		if err := goleak.Find(); code == 0 && err != nil {
			fmt.Fprintln(os.Stderr, "e2e: goroutines left behind:", err)
			code = 1
		}
	}
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// needBinaries skips t in -short mode, and on Windows (the tests send POSIX signals).
func needBinaries(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("end-to-end tests send SIGTERM and SIGINT")
	}
	if connectorBin == "" {
		t.Skip("-short: end-to-end tests build and run the binaries")
	}
}
