package c1fake

import (
	"fmt"
	"regexp"

	"google.golang.org/protobuf/types/known/anypb"

	batonv1 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connectorapi/baton/v1"
)

// Validation limits declared by the real service.
const (
	maxHostID      = 256
	maxInfoString  = 256
	maxAnnotations = 16
	maxChunk       = 1 << 20
	checksumSize   = 32
)

var taskIDRE = regexp.MustCompile(`^[a-zA-Z0-9]{27}$`)

func checkHostID(id string) error {
	if len(id) < 1 || len(id) > maxHostID {
		return fmt.Errorf("host_id must be 1..%d characters, got %d", maxHostID, len(id))
	}
	return nil
}

func checkTaskID(id string) error {
	if !taskIDRE.MatchString(id) {
		return fmt.Errorf("task_id %q must be 27 alphanumeric characters", id)
	}
	return nil
}

func checkAnnotations(field string, a []*anypb.Any) error {
	if len(a) > maxAnnotations {
		return fmt.Errorf("%s: at most %d annotations, got %d", field, maxAnnotations, len(a))
	}
	return nil
}

// checkHello applies the Hello rules plus the minimum-subset requirements: no empty build or OS
// string, connector metadata with a display name and capabilities.
func checkHello(r *batonv1.BatonServiceHelloRequest) error {
	if err := checkHostID(r.GetHostId()); err != nil {
		return err
	}
	if r.GetTaskId() != "" {
		if err := checkTaskID(r.GetTaskId()); err != nil {
			return err
		}
	}
	bi, oi := r.GetBuildInfo(), r.GetOsInfo()
	strs := map[string]string{
		"build_info.lang_version": bi.GetLangVersion(), "build_info.package": bi.GetPackage(),
		"build_info.package_version": bi.GetPackageVersion(),
		"os_info.hostname":           oi.GetHostname(), "os_info.os": oi.GetOs(), "os_info.platform": oi.GetPlatform(),
		"os_info.platform_version": oi.GetPlatformVersion(), "os_info.platform_family": oi.GetPlatformFamily(),
		"os_info.kernel_version": oi.GetKernelVersion(), "os_info.kernel_arch": oi.GetKernelArch(),
		"os_info.virtualization_system": oi.GetVirtualizationSystem(),
	}
	for k, v := range strs {
		if v == "" || len(v) > maxInfoString {
			return fmt.Errorf("%s must be 1..%d characters", k, maxInfoString)
		}
	}
	md := r.GetConnectorMetadata()
	switch {
	case md == nil:
		return fmt.Errorf("connector_metadata is required")
	case md.GetDisplayName() == "" || len(md.GetDisplayName()) > 1024:
		return fmt.Errorf("connector_metadata.display_name must be 1..1024 bytes")
	case len(md.GetDescription()) > 4096:
		return fmt.Errorf("connector_metadata.description is longer than 4096 bytes")
	case md.GetCapabilities() == nil:
		return fmt.Errorf("connector_metadata.capabilities is missing")
	}
	return checkAnnotations("annotations", r.GetAnnotations())
}

func checkFinish(r *batonv1.BatonServiceFinishTaskRequest) error {
	if err := checkHostID(r.GetHostId()); err != nil {
		return err
	}
	if err := checkTaskID(r.GetTaskId()); err != nil {
		return err
	}
	switch fs := r.GetFinalState().(type) {
	case *batonv1.BatonServiceFinishTaskRequest_Error_:
		if r.GetStatus() == nil {
			return fmt.Errorf("error final state without status")
		}
		return checkAnnotations("error.annotations", fs.Error.GetAnnotations())
	case *batonv1.BatonServiceFinishTaskRequest_Success_:
		if r.GetStatus() != nil {
			return fmt.Errorf("success final state with a status")
		}
		return checkAnnotations("success.annotations", fs.Success.GetAnnotations())
	}
	return fmt.Errorf("final_state is required")
}
