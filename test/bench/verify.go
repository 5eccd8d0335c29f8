package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"
	"github.com/baton-confluence/baton-confluence/pkg/connector/connectortest"

	"github.com/baton-confluence/baton-confluence/internal/baton/c1z"
	"github.com/baton-confluence/baton-confluence/internal/baton/types/resource"
)

// verdict is the outcome of comparing a c1z with the ground truth.
type verdict struct {
	Checked bool
	Missing int
	Extra   int
	Changed int
	Example string // one differing item, for the report
}

// ok reports whether the content matched exactly.
func (v verdict) ok() bool { return v.Checked && v.Missing+v.Extra+v.Changed == 0 }

// String is the table cell.
func (v verdict) String() string {
	switch {
	case !v.Checked:
		return "-"
	case v.ok():
		return "yes"
	}
	return fmt.Sprintf("NO (%d missing, %d extra, %d changed)", v.Missing, v.Extra, v.Changed)
}

func (v *verdict) note(kind, table, key string) {
	if v.Example == "" {
		v.Example = fmt.Sprintf("%s %s %s", kind, table, key)
	}
}

// verifyContent compares the latest finished sync in the c1z at path with what truth says a
// sync must store (connectortest.Expected with the connector's defaults). It streams the file
// and consumes the expectation, so only one copy of the large tenant's grants is in memory.
func verifyContent(ctx context.Context, path, tempDir string, truth *confluencetest.Truth) (verdict, error) {
	want := connectortest.Expected(truth, connectortest.Options{})
	r, err := c1z.OpenReader(ctx, path, c1z.ReaderOptions{TempDir: tempDir, RequireFinished: true})
	if err != nil {
		return verdict{}, fmt.Errorf("open %s: %w", path, err)
	}
	defer func() { _ = r.Close() }()
	v := verdict{Checked: true}
	rts, err := r.ResourceTypes(ctx)
	if err != nil {
		return v, fmt.Errorf("read resource types: %w", err)
	}
	for _, rt := range rts {
		compare(&v, "resource type", want.ResourceTypes, rt.GetId(), rt)
	}
	for res, err := range r.Resources(ctx, c1z.ResourceFilter{}) {
		if err != nil {
			return v, fmt.Errorf("read resources: %w", err)
		}
		compare(&v, "resource", want.Resources, resource.ExternalID(res.GetId()), res)
	}
	for e, err := range r.Entitlements(ctx, c1z.EntitlementFilter{}) {
		if err != nil {
			return v, fmt.Errorf("read entitlements: %w", err)
		}
		compare(&v, "entitlement", want.Entitlements, e.GetId(), e)
	}
	for g, err := range r.Grants(ctx, c1z.GrantFilter{}) {
		if err != nil {
			return v, fmt.Errorf("read grants: %w", err)
		}
		compare(&v, "grant", want.Grants, g.GetId(), g)
	}
	missing(&v, "resource type", want.ResourceTypes)
	missing(&v, "resource", want.Resources)
	missing(&v, "entitlement", want.Entitlements)
	missing(&v, "grant", want.Grants)
	return v, nil
}

// compare checks one stored item against the expectation and forgets the expected one.
func compare[M proto.Message](v *verdict, table string, want map[string]M, key string, got M) {
	w, ok := want[key]
	switch {
	case !ok:
		v.Extra++
		v.note("extra", table, key)
	case !proto.Equal(w, got):
		v.Changed++
		v.note("changed", table, key)
	}
	delete(want, key)
}

// missing counts the expected items no stored item matched.
func missing[M proto.Message](v *verdict, table string, want map[string]M) {
	v.Missing += len(want)
	for key := range want {
		v.note("missing", table, key)
		break
	}
}

// verifyCommand is the argument that makes the benchmark binary verify one c1z and print the
// verdict as JSON: the comparison holds the whole expected content (gigabytes for the large
// tenant), so it runs in a child process and the parent stays small. A large parent would also
// skew the peak RSS of later syncs: a child started with vfork reports the parent's high-water
// mark as its own.
const verifyCommand = "verify-c1z"

// verifyInChild runs `<this binary> verify-c1z` for the c1z at path against the simulator at
// simURL and returns its verdict.
func verifyInChild(ctx context.Context, path, simURL, tempDir string) (verdict, error) {
	self, err := os.Executable()
	if err != nil {
		return verdict{}, fmt.Errorf("find the benchmark binary: %w", err)
	}
	cmd := exec.CommandContext(ctx, self, verifyCommand, path, simURL, tempDir)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return verdict{}, fmt.Errorf("verify %s: %w", path, err)
	}
	var v verdict
	if err := json.Unmarshal(out, &v); err != nil {
		return verdict{}, fmt.Errorf("read the verdict on %s: %w", path, err)
	}
	return v, nil
}

// runVerifyCommand is the child side: args are the c1z path, the simulator URL and a temp dir.
func runVerifyCommand(ctx context.Context, args []string, out io.Writer) error {
	if len(args) != 3 {
		return fmt.Errorf("usage: bench %s C1Z SIMULATOR_URL TEMP_DIR", verifyCommand)
	}
	sim := &simProcess{ready: simReady{URL: args[1]}, http: &http.Client{Timeout: 5 * time.Minute}}
	truth, err := sim.truth(ctx)
	if err != nil {
		return err
	}
	v, err := verifyContent(ctx, args[0], args[2], truth)
	if err != nil {
		return err
	}
	return json.NewEncoder(out).Encode(v)
}
