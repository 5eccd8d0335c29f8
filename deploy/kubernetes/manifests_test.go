package kubernetes_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/baton-confluence/baton-confluence/internal/baton/field"
	"github.com/baton-confluence/baton-confluence/pkg/config"
)

// envOutsideFields are the environment variables baton-confluence reads besides its fields'
// (spec §2.3 of the service-mode fact sheet).
var envOutsideFields = []string{"BATON_C1_API_HOST", "BATON_HOST_ID", "BATON_CONFIG_PATH", "BATON_TMPDIR"}

// knownEnv is every BATON_* variable the binary reads: one per SDK and connector field, plus
// envOutsideFields.
func knownEnv() []string {
	var out []string
	for _, f := range append(field.SDKFields(), config.Fields()...) {
		out = append(out, field.EnvVar(f.Name))
	}
	return append(out, envOutsideFields...)
}

var secretEnv = []string{"BATON_CLIENT_ID", "BATON_CLIENT_SECRET", "BATON_DOMAIN_URL", "BATON_USERNAME", "BATON_API_KEY"}

type obj = map[string]any

// load parses every YAML document of every manifest, keyed by kind.
func load(t *testing.T) map[string]obj {
	t.Helper()
	files, err := filepath.Glob("*.yaml")
	require.NoError(t, err)
	out := map[string]obj{}
	sep := regexp.MustCompile(`(?m)^---\s*$`)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, doc := range sep.Split(string(raw), -1) {
			if strings.TrimSpace(doc) == "" {
				continue
			}
			var o obj
			require.NoError(t, yaml.Unmarshal([]byte(doc), &o), f)
			kind, _ := o["kind"].(string)
			require.NotEmpty(t, kind, f)
			require.NotContains(t, out, kind, "two %s manifests", kind)
			out[kind] = o
		}
	}
	return out
}

// get walks a path of map keys and list indexes.
func get(t *testing.T, o any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := o.(obj)
			require.True(t, ok, "%v: not a map at %q", path, k)
			o = m[k]
		case int:
			l, ok := o.([]any)
			require.True(t, ok && k < len(l), "%v: no index %d", path, k)
			o = l[k]
		}
	}
	return o
}

// deployment is the parsed manifests' pod spec, its only container and that container's env
// entries by name.
type deployment struct {
	m         map[string]obj
	pod, ctr  obj
	env       map[string]obj
	envValues map[string]string // literal values and Secret references resolved from secret.yaml
}

func loadDeployment(t *testing.T) deployment {
	t.Helper()
	m := load(t)
	require.Contains(t, m, "Secret")
	require.Contains(t, m, "Deployment")
	d := deployment{m: m, pod: get(t, m["Deployment"], "spec", "template", "spec").(obj),
		env: map[string]obj{}, envValues: map[string]string{}}
	containers := get(t, d.pod, "containers").([]any)
	require.Len(t, containers, 1)
	d.ctr = containers[0].(obj)
	secret := get(t, m["Secret"], "stringData").(obj)
	for _, e := range get(t, d.ctr, "env").([]any) {
		name := e.(obj)["name"].(string)
		require.NotContains(t, d.env, name, "%s set twice", name)
		d.env[name] = e.(obj)
		if v, ok := e.(obj)["value"].(string); ok {
			d.envValues[name] = v
		} else if key, ok := get(t, e, "valueFrom", "secretKeyRef", "key").(string); ok {
			d.envValues[name], _ = secret[key].(string)
		}
	}
	return d
}

func TestPodHardening(t *testing.T) {
	t.Parallel()
	d := loadDeployment(t)
	require.Equal(t, true, get(t, d.pod, "securityContext", "runAsNonRoot"))
	require.Equal(t, true, get(t, d.ctr, "securityContext", "readOnlyRootFilesystem"))
	require.Equal(t, false, get(t, d.ctr, "securityContext", "allowPrivilegeEscalation"))
	for _, kind := range []string{"requests", "limits"} {
		require.NotEmpty(t, get(t, d.ctr, "resources", kind, "cpu"), kind)
		require.NotEmpty(t, get(t, d.ctr, "resources", kind, "memory"), kind)
	}
}

func TestEnvIsKnownToTheBinary(t *testing.T) {
	t.Parallel()
	d := loadDeployment(t)
	known := knownEnv()
	require.Contains(t, known, "BATON_CLIENT_ID", "the allow-list comes from the real field list")
	require.Contains(t, known, "BATON_SHUTDOWN_GRACE")
	require.Nil(t, get(t, d.ctr, "envFrom"), "env vars are listed one by one so the allow-list sees them all")
	for name := range d.env {
		require.Contains(t, known, name, "%s is not read by baton-confluence", name)
	}
	secretKeys := get(t, d.m["Secret"], "stringData").(obj)
	require.Len(t, secretKeys, len(secretEnv))
	for _, name := range secretEnv {
		require.Contains(t, secretKeys, name)
		require.Equal(t, "baton-confluence", get(t, d.env[name], "valueFrom", "secretKeyRef", "name"), name)
		require.Equal(t, name, get(t, d.env[name], "valueFrom", "secretKeyRef", "key"), name)
	}
	require.Equal(t, "false", d.envValues["BATON_PROVISIONING"], "provisioning is opt-in")
	require.Equal(t, "true", d.envValues["BATON_HEALTH_CHECK"])
	require.NotContains(t, d.env, "BATON_HEALTH_CHECK_BIND_ADDRESS", "exec probes keep the health server on loopback")

	// The temp dir is an emptyDir mounted where BATON_C1Z_TEMP_DIR points.
	mount := get(t, d.ctr, "volumeMounts", 0).(obj)
	require.Equal(t, d.envValues["BATON_C1Z_TEMP_DIR"], mount["mountPath"])
	vol := get(t, d.pod, "volumes", 0).(obj)
	require.Equal(t, mount["name"], vol["name"])
	require.NotNil(t, vol["emptyDir"])
}

// TestTerminationGraceExceedsShutdownGrace: Kubernetes must not SIGKILL the pod before the
// connector's own shutdown grace period (after which it reports running tasks) is over.
func TestTerminationGraceExceedsShutdownGrace(t *testing.T) {
	t.Parallel()
	d := loadDeployment(t)
	grace, err := time.ParseDuration(d.envValues["BATON_SHUTDOWN_GRACE"])
	require.NoError(t, err, "BATON_SHUTDOWN_GRACE")
	require.Positive(t, grace)
	seconds, ok := get(t, d.pod, "terminationGracePeriodSeconds").(float64)
	require.True(t, ok, "terminationGracePeriodSeconds must be set")
	require.Greater(t, time.Duration(seconds)*time.Second, grace)
}

// TestImagePathMatchesDockerfiles: the probes run the binary where both images put it.
func TestImagePathMatchesDockerfiles(t *testing.T) {
	t.Parallel()
	d := loadDeployment(t)
	binary := probeArgs(t, d, "livenessProbe")[0]
	require.Equal(t, binary, probeArgs(t, d, "readinessProbe")[0])
	for _, name := range []string{"Dockerfile", "Dockerfile.release"} {
		raw, err := os.ReadFile(filepath.Join("..", "..", name))
		require.NoError(t, err)
		text := string(raw)
		require.Regexp(t, `(?m)^COPY\s+.*\S+\s+`+regexp.QuoteMeta(binary)+`\s*$`, text, "%s copies the binary to %s", name, binary)
		require.Contains(t, text, `ENTRYPOINT ["`+binary+`"]`, name)
	}
	raw, err := os.ReadFile(filepath.Join("..", "..", ".goreleaser.yaml"))
	require.NoError(t, err)
	var gr struct {
		Builds []struct {
			Binary string `json:"binary"`
		} `json:"builds"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &gr))
	require.Len(t, gr.Builds, 1)
	require.Equal(t, filepath.Base(binary), gr.Builds[0].Binary, "the release image copies goreleaser's binary")
}

// probeArgs returns the exec command of a probe.
func probeArgs(t *testing.T, d deployment, probe string) []string {
	t.Helper()
	require.Nil(t, get(t, d.ctr, probe, "httpGet"), probe)
	cmd := get(t, d.ctr, probe, "exec", "command").([]any)
	require.NotEmpty(t, cmd, probe)
	out := make([]string, len(cmd))
	for i, a := range cmd {
		out[i] = a.(string)
	}
	return out
}

// flagValue returns the value after flag in args.
func flagValue(t *testing.T, args []string, flag string) string {
	t.Helper()
	i := slices.Index(args, flag)
	require.True(t, i >= 0 && i+1 < len(args), "%v has no %s value", args, flag)
	return args[i+1]
}
