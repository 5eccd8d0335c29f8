// Package annotations reads and writes the google.protobuf.Any lists that every Baton message
// carries in its annotations field.
//
// Readers pick the first annotation of a type, so Update replaces in place (keeping the position)
// and Append always adds at the end, as upstream does.
package annotations

import (
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
)

// Annotations is an ordered list of annotation messages.
type Annotations []*anypb.Any

// New builds a list from messages, in order.
func New(msgs ...proto.Message) Annotations {
	var a Annotations
	for _, m := range msgs {
		a.Append(m)
	}
	return a
}

// marshal wraps m in an Any with deterministic encoding; it panics only on a programming error
// (a message that cannot be encoded), which protobuf never reports for generated messages.
func marshal(m proto.Message) *anypb.Any {
	a := &anypb.Any{}
	if err := anypb.MarshalFrom(a, m, proto.MarshalOptions{Deterministic: true}); err != nil {
		panic("annotations: encode " + string(m.ProtoReflect().Descriptor().FullName()) + ": " + err.Error())
	}
	return a
}

// Append adds m at the end, even if an annotation of the same type exists.
func (a *Annotations) Append(m proto.Message) {
	*a = append(*a, marshal(m))
}

// Update replaces the first annotation of m's type in place, or appends m.
func (a *Annotations) Update(m proto.Message) {
	v := marshal(m)
	for i, x := range *a {
		if x.GetTypeUrl() == v.GetTypeUrl() {
			(*a)[i] = v
			return
		}
	}
	*a = append(*a, v)
}

// Merge appends every annotation of other.
func (a *Annotations) Merge(other ...*anypb.Any) {
	*a = append(*a, other...)
}

// Contains reports whether an annotation of m's type is present.
func (a Annotations) Contains(m proto.Message) bool {
	url := typeURL(m)
	for _, x := range a {
		if x.GetTypeUrl() == url {
			return true
		}
	}
	return false
}

// Pick decodes the first annotation of into's type into it and reports whether one was found.
func (a Annotations) Pick(into proto.Message) (bool, error) {
	url := typeURL(into)
	for _, x := range a {
		if x.GetTypeUrl() == url {
			if err := x.UnmarshalTo(into); err != nil {
				return false, err
			}
			return true, nil
		}
	}
	return false, nil
}

// Without returns a copy of the list with every annotation of m's type removed.
func (a Annotations) Without(m proto.Message) Annotations {
	url := typeURL(m)
	out := make(Annotations, 0, len(a))
	for _, x := range a {
		if x.GetTypeUrl() != url {
			out = append(out, x)
		}
	}
	return out
}

func typeURL(m proto.Message) string {
	return "type.googleapis.com/" + string(m.ProtoReflect().Descriptor().FullName())
}
