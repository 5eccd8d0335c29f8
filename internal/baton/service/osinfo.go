package service

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	batonv1 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connectorapi/baton/v1"
)

// osInfo describes the host for Hello. No field is ever empty: hostname falls back to "unknown",
// platform to the OS, family to the platform, kernel to "unknown", platform version to the kernel,
// architecture to GOARCH and virtualization to "none". Facts are read below h.osRoot.
func osInfo(h hooks) *batonv1.BatonServiceHelloRequest_OSInfo {
	info := &batonv1.BatonServiceHelloRequest_OSInfo{Os: runtime.GOOS}
	if name, err := h.hostname(); err == nil {
		info.Hostname = name
	}
	rel := readOSRelease(filepath.Join(h.osRoot, "etc", "os-release"))
	info.Platform = rel["ID"]
	info.PlatformVersion = rel["VERSION_ID"]
	info.PlatformFamily = platformFamily(info.Platform, rel["ID_LIKE"])
	if info.Platform == "debian" {
		if v := readTrimmed(filepath.Join(h.osRoot, "etc", "debian_version")); v != "" {
			info.PlatformVersion = v
		}
	}
	info.KernelVersion = readTrimmed(filepath.Join(h.osRoot, "proc", "sys", "kernel", "osrelease"))
	info.KernelArch = readTrimmed(filepath.Join(h.osRoot, "proc", "sys", "kernel", "arch"))
	info.VirtualizationSystem = virtualization(h.osRoot)
	fillOSFallbacks(info)
	return info
}

func fillOSFallbacks(info *batonv1.BatonServiceHelloRequest_OSInfo) {
	orDefault := func(p *string, def string) {
		if *p == "" {
			*p = def
		}
	}
	orDefault(&info.Hostname, "unknown")
	orDefault(&info.Os, runtime.GOOS)
	orDefault(&info.Platform, info.Os)
	orDefault(&info.PlatformFamily, info.Platform)
	orDefault(&info.KernelVersion, "unknown")
	orDefault(&info.PlatformVersion, info.KernelVersion)
	orDefault(&info.KernelArch, goarchToMachine(runtime.GOARCH))
	orDefault(&info.VirtualizationSystem, "none")
}

// goarchToMachine maps GOARCH to the uname machine name where they differ.
func goarchToMachine(a string) string {
	switch a {
	case "amd64":
		return "x86_64"
	case "arm64":
		return "aarch64"
	case "386":
		return "i686"
	}
	return a
}

func platformFamily(id, like string) string {
	for _, cand := range append([]string{id}, strings.Fields(like)...) {
		switch cand {
		case "debian", "ubuntu", "linuxmint", "raspbian":
			return "debian"
		case "rhel", "centos", "fedora", "rocky", "almalinux", "amzn", "ol":
			if cand == "fedora" {
				return "fedora"
			}
			return "rhel"
		case "alpine":
			return "alpine"
		case "suse", "opensuse", "sles":
			return "suse"
		case "arch":
			return "arch"
		}
	}
	return id
}

// virtualization names the container runtime the process runs in, if it can tell.
func virtualization(root string) string {
	if exists(filepath.Join(root, ".dockerenv")) {
		return "docker"
	}
	if exists(filepath.Join(root, "run", ".containerenv")) {
		return "podman"
	}
	cg, _ := os.ReadFile(filepath.Join(root, "proc", "1", "cgroup"))
	switch {
	case bytes.Contains(cg, []byte("docker")), bytes.Contains(cg, []byte("kubepods")), bytes.Contains(cg, []byte("containerd")):
		return "docker"
	case bytes.Contains(cg, []byte("lxc")):
		return "lxc"
	}
	return "none"
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func readTrimmed(p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// readOSRelease parses KEY=value lines, unquoting values.
func readOSRelease(p string) map[string]string {
	out := map[string]string{}
	f, err := os.Open(p)
	if err != nil {
		return out
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), "=")
		if !ok || strings.HasPrefix(k, "#") {
			continue
		}
		out[k] = strings.Trim(v, `"'`)
	}
	return out
}
