package security_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/baton-confluence/baton-confluence/test/faults"
)

// binPath is the baton-confluence binary, built once by TestMain.
var binPath string

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	var cleanup func()
	var err error
	binPath, cleanup, err = faults.BuildTemp(context.Background(), "baton-security-bin-", "baton-confluence", faults.BuildOptions{Race: raceEnabled})
	defer cleanup()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}
