package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/baton-confluence/baton-confluence/internal/baton/field"
)

// ConfigSchemaOptions are the inputs of the `config` subcommand.
type ConfigSchemaOptions struct {
	IO     *IOStreams
	Fields []field.Field // SDK fields then connector fields; only SDK ops fields are printed
	Meta   field.Meta
}

func newCmdConfig(f *Factory, fields []field.Field, meta field.Meta,
	runF func(context.Context, *ConfigSchemaOptions) error) *cobra.Command {
	opts := &ConfigSchemaOptions{IO: f.IOStreams, Fields: fields, Meta: meta}
	return &cobra.Command{
		Use:   "config",
		Short: "Print the connector's configuration schema as JSON",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return configRun(opts)
		},
	}
}

// configRun prints the SDK's operational fields, then the connector's fields.
func configRun(opts *ConfigSchemaOptions) error {
	sdk := map[string]bool{}
	for _, fd := range field.SDKFields() {
		sdk[fd.Name] = true
	}
	var out []field.Field
	for _, fd := range opts.Fields {
		if sdk[fd.Name] && fd.Ops {
			out = append(out, fd)
		}
	}
	for _, fd := range opts.Fields {
		if !sdk[fd.Name] {
			out = append(out, fd)
		}
	}
	b, err := field.Schema(out, opts.Meta)
	if err != nil {
		return err
	}
	_, err = opts.IO.Out.Write(b)
	return err
}
