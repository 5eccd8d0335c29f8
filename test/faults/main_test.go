package faults_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"
	"github.com/baton-confluence/baton-confluence/test/faults"
)

// binPath is the baton-confluence binary built once for the package by TestMain; sz is the
// matrix size.
var (
	binPath string
	sz      size
)

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	var err error
	if sz, err = sizeFor(os.Getenv("BATON_FAULTS_SIZE")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	var cleanup func()
	binPath, cleanup, err = faults.BuildTemp(context.Background(), "baton-faults-bin-", "baton-confluence", faults.BuildOptions{Race: raceEnabled})
	defer cleanup()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// size is one size of the matrix (BATON_FAULTS_SIZE).
type size struct {
	name string
	sim  func() confluencetest.Config
	// seeds is how many fault seeds the rate-based faults run (each a full sync).
	seeds int
	// killSeeds is how many SIGKILL seeds run.
	killSeeds int
	// parallel runs the scenarios concurrently (-parallel, default GOMAXPROCS, at a time); the
	// 429 storm, whose timing is checked, is never parallel and so runs alone, first.
	parallel bool
}

func sizeFor(name string) (size, error) {
	switch name {
	case "medium":
		return size{name: name, sim: confluencetest.Medium, seeds: 1, killSeeds: 3, parallel: true}, nil
	case "", "small":
		return size{name: "small", sim: confluencetest.Small, seeds: 4, killSeeds: 20, parallel: true}, nil
	default:
		return size{}, fmt.Errorf("BATON_FAULTS_SIZE must be small or medium, got %q", name)
	}
}

// parallel marks t parallel when the size allows it.
func parallel(t *testing.T) {
	if sz.parallel {
		t.Parallel()
	}
}
