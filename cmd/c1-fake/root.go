package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	batonv1 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connectorapi/baton/v1"
	"github.com/baton-confluence/baton-confluence/internal/baton/service/c1fake"
)

// Exit codes.
const (
	exitOK         = 0
	exitUnfinished = 1 // timeout or signal with queued tasks still unfinished
	exitUsage      = 2
)

type iostreams struct {
	out, errOut io.Writer
}

// options are the command line of c1-fake.
type options struct {
	io iostreams

	fake             c1fake.Options
	printCredentials bool
	credentialsFile  string
	timeout          time.Duration

	helloTasks int
	syncs      int
	grants     []string
	revokes    []string
	revokeJSON []string
}

// exitError carries the process exit code out of RunE.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

func execute(ctx context.Context, args []string, ios iostreams) int {
	cmd := newCmdRoot(ios, nil)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	var ee exitError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ee):
		return ee.code
	default:
		fmt.Fprintln(ios.errOut, "c1-fake:", err)
		return exitUsage
	}
}

func newCmdRoot(ios iostreams, runF func(context.Context, *options) error) *cobra.Command {
	opts := &options{io: ios}
	cmd := &cobra.Command{
		Use:   "c1-fake",
		Short: "Fake ConductorOne control plane (loopback only) for service-mode tests",
		Long: `c1-fake listens on 127.0.0.1 with TLS from a throwaway CA, serves POST /auth/v1/token and the
BatonService gRPC API on the same port, queues the tasks given by flags (in the order: hello tasks,
syncs, grants, revokes, revoke-json), and prints a JSON summary on stdout when every queued task has
finished, on --timeout, or on SIGINT/SIGTERM. Exit status: 0 when every queued task finished,
1 when some did not, 2 for usage errors.

Point a connector at it with the environment written by --credentials-file:
  BATON_CLIENT_ID, BATON_CLIENT_SECRET, BATON_C1_API_HOST=127.0.0.1:<port>, SSL_CERT_FILE=<ca file>.

A grant is "<entitlement-id> <principal-type> <principal-id>"; the entitlement id is
"<resource-type>:<resource-id>:<slug>" (type before the first ':', slug after the last ':',
resource id in between). A revoke is a grant id "<entitlement-id>:<principal-type>:<principal-id>"
whose principal is the last two ':'-separated parts (ambiguous if a principal id contains ':';
use --revoke-json with a protojson c1.connector.v2.Grant then).`,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return fakeRun(cmd.Context(), opts)
		},
	}
	cmd.SetOut(ios.out)
	cmd.SetErr(ios.errOut)
	f := cmd.Flags()
	o := &opts.fake
	f.StringVar(&o.Addr, "addr", "127.0.0.1:0", "listen address (loopback only)")
	f.StringVar(&o.CAFile, "ca-file", "", "write the CA certificate (PEM) here (default: a temp file, path printed on stderr)")
	f.StringVar(&o.ClientName, "client-name", "connector", "client name in the issued client id")
	f.StringVar(&o.Tenant, "tenant", "fake-tenant.conductor.one", "tenant host in the issued client id (the assertion audience)")
	f.BoolVar(&opts.printCredentials, "print-credentials", false, "print the issued credentials and connection environment on stderr")
	f.StringVar(&opts.credentialsFile, "credentials-file", "", "write the connection environment (KEY=value lines, mode 0600) to this file")
	f.CountVar(&opts.syncs, "sync", "queue a full sync task (repeatable)")
	f.CountVar(&opts.helloTasks, "hello-task", "queue a hello task (repeatable)")
	f.StringArrayVar(&opts.grants, "grant", nil, `queue a grant task: "<entitlement-id> <principal-type> <principal-id>" (repeatable)`)
	f.StringArrayVar(&opts.revokes, "revoke", nil, `queue a revoke task by grant id "<entitlement-id>:<principal-type>:<principal-id>" (repeatable)`)
	f.StringArrayVar(&opts.revokeJSON, "revoke-json", nil, "queue a revoke task for the protojson c1.connector.v2.Grant in this file (repeatable)")
	f.IntVar(&o.CancelAfterHeartbeats, "cancel-after-heartbeats", 0, "answer the Nth heartbeat of each task with cancelled=true (0: never)")
	f.DurationVar(&o.NextPoll, "next-poll", 500*time.Millisecond, "next_poll sent with a task")
	f.DurationVar(&o.IdleNextPoll, "idle-poll", 3*time.Second, "next_poll sent when there is no task")
	f.DurationVar(&o.HeartbeatInterval, "heartbeat-interval", 30*time.Second, "next_heartbeat sent with heartbeat answers")
	f.IntVar(&o.TokenExpiresIn, "token-expires-in", 3600, "expires_in (seconds) of issued tokens")
	f.StringVar(&o.TokenType, "token-type", "Bearer", "token_type of issued tokens")
	f.BoolVar(&o.FailToken, "fail-token", false, "answer every token request with 401")
	f.IntVar(&o.TokenDown, "token-down", 0, "abort the first N token requests at the transport level")
	f.IntVar(&o.GetTaskErrors, "get-task-errors", 0, "fail the first N GetTask calls with Unavailable")
	f.IntVar(&o.UploadFail, "upload-fail", 0, "abort the first N upload streams after their first data message")
	f.StringVar(&o.OutDir, "out-dir", "", "store each verified upload as <task-id>.c1z in this directory")
	f.DurationVar(&opts.timeout, "timeout", 10*time.Minute, "stop after this long (0: no limit)")
	return cmd
}

// tasks builds the queued tasks from the flags.
func (o *options) tasks() ([]*batonv1.Task, error) {
	var out []*batonv1.Task
	for range o.helloTasks {
		out = append(out, c1fake.HelloTask())
	}
	for range o.syncs {
		out = append(out, c1fake.SyncTask())
	}
	for _, g := range o.grants {
		t, err := c1fake.GrantTask(g)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	for _, r := range o.revokes {
		t, err := c1fake.RevokeTask(r)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	for _, path := range o.revokeJSON {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("revoke-json: %w", err)
		}
		t, err := c1fake.RevokeTaskFromJSON(data)
		if err != nil {
			return nil, fmt.Errorf("revoke-json %s: %w", path, err)
		}
		out = append(out, t)
	}
	return out, nil
}

// fakeRun serves until every queued task finished, the timeout passes or ctx ends, then prints
// the summary.
func fakeRun(ctx context.Context, opts *options) error {
	tasks, err := opts.tasks()
	if err != nil {
		return err
	}
	srv, err := c1fake.New(opts.fake)
	if err != nil {
		return err
	}
	defer srv.Close()
	if err := announce(srv, opts); err != nil {
		return err
	}
	for _, t := range tasks {
		srv.Enqueue(t)
	}
	if opts.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.timeout)
		defer cancel()
	}
	if len(tasks) > 0 {
		_ = srv.WaitIdle(ctx)
	} else {
		<-ctx.Done()
	}
	sum := srv.Summary()
	enc := json.NewEncoder(opts.io.out)
	enc.SetIndent("", "  ")
	if err := enc.Encode(sum); err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	if !sum.AllTasksFinished {
		return exitError{code: exitUnfinished}
	}
	return nil
}

// announce tells the user where the fake listens and, if asked, the credentials.
func announce(srv *c1fake.Server, opts *options) error {
	fmt.Fprintf(opts.io.errOut, "c1-fake listening on %s (CA: %s)\n", srv.Addr(), srv.CAFile())
	if opts.credentialsFile != "" {
		if err := srv.WriteEnvFile(opts.credentialsFile); err != nil {
			return err
		}
	}
	if opts.printCredentials {
		for _, kv := range srv.Env() {
			fmt.Fprintln(opts.io.errOut, kv)
		}
	}
	fmt.Fprintln(opts.io.errOut, "c1-fake ready")
	return nil
}
