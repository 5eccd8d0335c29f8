package kubernetes_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

// allowedEnv are the environment variables the manifests may set. It must match the binary's
// configuration fields (BATON_ + upper-case flag name with '-' → '_'); the lead replaces this
// list with the real field list once the command line exists.
var allowedEnv = []string{
	"BATON_CLIENT_ID", "BATON_CLIENT_SECRET", // service mode
	"BATON_DOMAIN_URL", "BATON_USERNAME", "BATON_API_KEY", // connector
	"BATON_PROVISIONING", "BATON_C1Z_TEMP_DIR", "BATON_SHUTDOWN_GRACE",
	"BATON_HEALTH_CHECK", "BATON_HEALTH_CHECK_PORT", "BATON_HEALTH_CHECK_BIND_ADDRESS",
	"BATON_LOG_FORMAT", "BATON_LOG_LEVEL",
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

func TestManifests(t *testing.T) {
	t.Parallel()
	m := load(t)
	require.Contains(t, m, "Secret")
	require.Contains(t, m, "Deployment")
	dep := m["Deployment"]
	pod := get(t, dep, "spec", "template", "spec")
	require.EqualValues(t, 30, get(t, pod, "terminationGracePeriodSeconds"))
	require.Equal(t, true, get(t, pod, "securityContext", "runAsNonRoot"))
	containers := get(t, pod, "containers").([]any)
	require.Len(t, containers, 1)
	c := containers[0]
	require.Equal(t, true, get(t, c, "securityContext", "readOnlyRootFilesystem"))
	require.Equal(t, false, get(t, c, "securityContext", "allowPrivilegeEscalation"))
	for _, kind := range []string{"requests", "limits"} {
		require.NotEmpty(t, get(t, c, "resources", kind, "cpu"), kind)
		require.NotEmpty(t, get(t, c, "resources", kind, "memory"), kind)
	}

	env := map[string]obj{}
	for _, e := range get(t, c, "env").([]any) {
		env[e.(obj)["name"].(string)] = e.(obj)
	}
	require.Nil(t, get(t, c, "envFrom"), "env vars are listed one by one so the allow-list sees them all")
	for name := range env {
		require.True(t, slices.Contains(allowedEnv, name), "%s is not a known configuration field", name)
	}
	secretKeys := get(t, m["Secret"], "stringData").(obj)
	require.Len(t, secretKeys, len(secretEnv))
	for _, name := range secretEnv {
		require.Contains(t, secretKeys, name)
		require.Equal(t, "baton-confluence", get(t, env[name], "valueFrom", "secretKeyRef", "name"), name)
		require.Equal(t, name, get(t, env[name], "valueFrom", "secretKeyRef", "key"), name)
	}
	require.Equal(t, "false", env["BATON_PROVISIONING"]["value"], "provisioning is opt-in")
	require.Equal(t, "25s", env["BATON_SHUTDOWN_GRACE"]["value"])
	require.Equal(t, "true", env["BATON_HEALTH_CHECK"]["value"])

	// The temp dir is an emptyDir mounted where BATON_C1Z_TEMP_DIR points.
	tmp := env["BATON_C1Z_TEMP_DIR"]["value"].(string)
	mount := get(t, c, "volumeMounts", 0).(obj)
	require.Equal(t, tmp, mount["mountPath"])
	vol := get(t, pod, "volumes", 0).(obj)
	require.Equal(t, mount["name"], vol["name"])
	require.NotNil(t, vol["emptyDir"])

	// Probes: exec health-check against the port the health server uses.
	port := env["BATON_HEALTH_CHECK_PORT"]["value"].(string)
	for probe, endpoint := range map[string]string{"livenessProbe": "live", "readinessProbe": "ready"} {
		cmd := get(t, c, probe, "exec", "command").([]any)
		args := make([]string, len(cmd))
		for i, a := range cmd {
			args[i] = a.(string)
		}
		require.Equal(t, "health-check", args[1], probe)
		require.Equal(t, endpoint, args[slices.Index(args, "--endpoint")+1], probe)
		require.Equal(t, port, args[slices.Index(args, "--health-check-port")+1], probe)
		require.Nil(t, get(t, c, probe, "httpGet"), probe)
	}
	require.NotContains(t, env, "BATON_HEALTH_CHECK_BIND_ADDRESS", "exec probes keep the health server on loopback")
}
