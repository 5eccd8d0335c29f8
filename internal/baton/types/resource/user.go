package resource

import (
	"google.golang.org/protobuf/proto"

	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

type annotationMsg = proto.Message

// UserTraitOption changes a user trait under construction.
type UserTraitOption func(*v2.UserTrait)

// WithEmail adds an email address; empty addresses are ignored.
func WithEmail(address string, primary bool) UserTraitOption {
	return func(t *v2.UserTrait) {
		if address == "" {
			return
		}
		t.Emails = append(t.Emails, &v2.UserTrait_Email{Address: address, IsPrimary: primary})
	}
}

// WithUserStatus sets the trait status (default: enabled).
func WithUserStatus(s v2.UserTrait_Status_Status) UserTraitOption {
	return func(t *v2.UserTrait) { t.Status = &v2.UserTrait_Status{Status: s} }
}

// WithAccountType sets the account type (default: human).
func WithAccountType(at v2.UserTrait_AccountType) UserTraitOption {
	return func(t *v2.UserTrait) { t.AccountType = at }
}

// WithLogin sets the login.
func WithLogin(login string) UserTraitOption {
	return func(t *v2.UserTrait) { t.Login = login }
}

// WithUserTrait marks the resource as a user. Like upstream, an unset status defaults to enabled
// and an unset account type to human.
func WithUserTrait(opts ...UserTraitOption) Option {
	return func(r *v2.Resource) error {
		t := &v2.UserTrait{}
		for _, opt := range opts {
			opt(t)
		}
		if t.Status == nil {
			t.Status = &v2.UserTrait_Status{Status: v2.UserTrait_Status_STATUS_ENABLED}
		}
		if t.AccountType == v2.UserTrait_ACCOUNT_TYPE_UNSPECIFIED {
			t.AccountType = v2.UserTrait_ACCOUNT_TYPE_HUMAN
		}
		addAnnotation(r, true, t)
		return nil
	}
}
