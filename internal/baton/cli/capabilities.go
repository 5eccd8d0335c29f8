package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/anypb"

	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// CapabilitiesOptions are the inputs of the `capabilities` subcommand.
type CapabilitiesOptions struct {
	IO           *IOStreams
	Capabilities func(ctx context.Context) (*v2.ConnectorCapabilities, error)
}

func newCmdCapabilities(f *Factory, caps func(context.Context) (*v2.ConnectorCapabilities, error),
	runF func(context.Context, *CapabilitiesOptions) error) *cobra.Command {
	opts := &CapabilitiesOptions{IO: f.IOStreams, Capabilities: caps}
	return &cobra.Command{
		Use:   "capabilities",
		Short: "Print the connector's capabilities as JSON",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return capabilitiesRun(cmd.Context(), opts)
		},
	}
}

func capabilitiesRun(ctx context.Context, opts *CapabilitiesOptions) error {
	if opts.Capabilities == nil {
		return errors.New("this build declares no capabilities")
	}
	caps, err := opts.Capabilities(ctx)
	if err != nil {
		return fmt.Errorf("get capabilities: %w", err)
	}
	out, err := MarshalCapabilities(caps)
	if err != nil {
		return err
	}
	_, err = opts.IO.Out.Write(out)
	return err
}

// MarshalCapabilities renders caps as the canonical `capabilities` output: protojson of the
// message wrapped in google.protobuf.Any ("@type" first, fields in declaration order),
// re-indented with two spaces and no trailing newline. protojson's own multi-line output
// varies its spacing on purpose, so the compact form is re-indented with encoding/json.
func MarshalCapabilities(caps *v2.ConnectorCapabilities) ([]byte, error) {
	a, err := anypb.New(caps)
	if err != nil {
		return nil, fmt.Errorf("wrap capabilities: %w", err)
	}
	compact, err := protojson.Marshal(a)
	if err != nil {
		return nil, fmt.Errorf("marshal capabilities: %w", err)
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, compact, "", "  "); err != nil {
		return nil, fmt.Errorf("indent capabilities: %w", err)
	}
	return buf.Bytes(), nil
}
