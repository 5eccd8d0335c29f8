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
	dir, err := os.MkdirTemp("", "baton-security-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binPath, err = faults.Build(context.Background(), dir, "baton-confluence", faults.BuildOptions{Race: raceEnabled})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}
