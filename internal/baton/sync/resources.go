package sync

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// maxChildRounds bounds the nesting of child resource types (a parent whose children have
// children...), so a connector that nests forever fails instead of looping.
const maxChildRounds = 64

// syncResources lists the top-level resources of every stored type, types in parallel.
func (e *engine) syncResources(ctx context.Context) error {
	m := e.newMeter(phaseResources, int64(len(e.types)))
	_, _, err := e.runUnits(ctx, phaseRun{
		meter: m,
		enumerate: func(ctx context.Context, from scanPos, yield func(*unit) error, passed func(int)) (scanPos, error) {
			for t := from.T; t < len(e.types); t++ {
				pos := scanPos{T: t + 1}
				if err := yield(&unit{key: e.types[t].rt.GetId(), t: t, pos: pos}); err != nil {
					return pos, err
				}
				passed(t)
			}
			return scanPos{T: len(e.types)}, nil
		},
		work: func(ctx context.Context, u *unit) error {
			return e.listResources(ctx, m, u, u.t, nil, e.trk.resumeToken(u), func(next string) { e.trk.advance(u, next) })
		},
	})
	if err != nil {
		return err
	}
	m.finish(ctx)
	return nil
}

// listResources lists the resources of type index ti (under parent, for child types) from
// token to the end and stores them.
func (e *engine) listResources(ctx context.Context, m *meter, u *unit, ti int, parent *v2.ResourceId, token string, save func(string)) error {
	info := e.types[ti]
	desc := "list " + info.rt.GetId() + " resources"
	if parent != nil {
		desc += " under " + parent.GetResourceType() + " " + parent.GetResource()
	}
	return e.pages(ctx, desc, token, save, func(ctx context.Context, token string) (string, error) {
		var rs []*v2.Resource
		var next string
		err := e.retry(ctx, desc, func(ctx context.Context) error {
			var err error
			rs, next, _, err = info.syncer.List(ctx, parent, token)
			return err
		})
		if err != nil {
			return "", err
		}
		for _, r := range rs {
			if err := e.checkResource(info, r); err != nil {
				return "", err
			}
		}
		if err := e.store.PutResources(ctx, e.syncID, rs...); err != nil {
			return "", fmt.Errorf("store resources: %w", err)
		}
		m.add(ctx, u.t, len(rs))
		return next, nil
	})
}

// childTypes returns the indexes of the child resource types r names that are part of the sync.
func (e *engine) childTypes(r *v2.Resource) ([]int, error) {
	var out []int
	for _, a := range r.GetAnnotations() {
		var c v2.ChildResourceType
		if ok, err := (annotations.Annotations{a}).Pick(&c); err != nil {
			return nil, fmt.Errorf("resource %s:%s: decode ChildResourceType: %w", r.GetId().GetResourceType(), r.GetId().GetResource(), err)
		} else if !ok {
			continue
		}
		if ti, ok := e.typeIdx[c.GetResourceTypeId()]; ok {
			out = append(out, ti)
		} else if _, served := e.byType[c.GetResourceTypeId()]; !served {
			return nil, fmt.Errorf("resource %s:%s names child resource type %q, which no syncer serves",
				r.GetId().GetResourceType(), r.GetId().GetResource(), c.GetResourceTypeId())
		}
	}
	return out, nil
}

// childToken is the resume state of a child-listing unit: which of the parent's child types
// is being listed, and the page token.
type childToken struct {
	Step  int    `json:"i,omitempty"`
	Token string `json:"t,omitempty"`
}

// syncChildren lists the children of every stored resource that has ChildResourceType
// annotations, once per parent, in rounds: each round scans the resources stored since the
// previous one (children may themselves have children).
func (e *engine) syncChildren(ctx context.Context) error {
	m := e.newMeter(phaseChildResources, 0)
	m.perTypeAtEnd = true
	e.mu.Lock()
	// A round resumed from a checkpoint may have found parents before the restart: always
	// follow it with one more round.
	resumedInside := e.st.Cursor != nil
	e.mu.Unlock()
	for {
		e.mu.Lock()
		round := e.st.Round
		e.mu.Unlock()
		if round >= maxChildRounds {
			return fmt.Errorf("child resource types nest more than %d levels deep", maxChildRounds)
		}
		end, n, err := e.runUnits(ctx, phaseRun{
			meter: m,
			enumerate: e.enumResources(m, func(*typeInfo) bool { return true }, func(_ *typeInfo, r *v2.Resource) bool {
				for _, a := range r.GetAnnotations() {
					if a.GetTypeUrl() == "type.googleapis.com/c1.connector.v2.ChildResourceType" {
						return true
					}
				}
				return false
			}),
			work: func(ctx context.Context, u *unit) error { return e.listChildren(ctx, m, u) },
		})
		if err != nil {
			return err
		}
		if n == 0 && !resumedInside {
			break
		}
		resumedInside = false
		e.mu.Lock()
		e.st.Round++
		e.st.Cursor, e.trk = &cursor{Pos: scanPos{Cur: end.Cur}}, nil
		e.mu.Unlock()
		if err := e.checkpoint(ctx, true); err != nil {
			return err
		}
	}
	m.finish(ctx)
	return nil
}

// listChildren lists every child type of one parent, resuming at the saved step and page.
func (e *engine) listChildren(ctx context.Context, m *meter, u *unit) error {
	kids, err := e.childTypes(u.res)
	if err != nil {
		return err
	}
	var ct childToken
	if tok := e.trk.resumeToken(u); tok != "" {
		if err := json.Unmarshal([]byte(tok), &ct); err != nil {
			return fmt.Errorf("resume children of %s: bad checkpoint token: %w", u.key, err)
		}
	}
	for step := ct.Step; step < len(kids); step++ {
		token := ""
		if step == ct.Step {
			token = ct.Token
		}
		save := func(next string) {
			st := childToken{Step: step, Token: next}
			if next == "" {
				st = childToken{Step: step + 1}
			}
			b, _ := json.Marshal(st)
			e.trk.advance(u, string(b))
		}
		if err := e.listResources(ctx, m, u, kids[step], u.res.GetId(), token, save); err != nil {
			return err
		}
	}
	return nil
}
