//go:build !linux

package c1z

type rssSampler struct{}

func startRSSSampler() *rssSampler { return &rssSampler{} }

func (r *rssSampler) finish() string { return "(not measured on this system)" }
