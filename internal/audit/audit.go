// Package audit verifies Kasa's tamper-evident audit log (API-6): one hash
// chain over every row, each row's hash = SHA-256(previous hash ||
// canonical row) (store.AuditEvent.ChainHash), and a chain head naming the
// last row. Rows are written by the API (internal/api/audit.go) through
// store.AuditStore, or in a state change's own transaction via store.AuditTx.
package audit

import (
	"bytes"
	"context"
	"fmt"

	"github.com/kasapos/kasa/internal/store"
)

// Result is the outcome of Verify.
type Result struct {
	Rows int   // rows checked
	Head int64 // the chain head's pos
	OK   bool
	// BadPos is the position of the first row that fails (0 when OK, or
	// when the problem is at the head); Problem says how.
	BadPos  int64
	Problem string
}

func (r Result) String() string {
	if r.OK {
		return fmt.Sprintf("audit chain OK: %d rows, head at %d", r.Rows, r.Head)
	}
	if r.BadPos > 0 {
		return fmt.Sprintf("audit chain BROKEN at row %d: %s (%d rows checked before it)", r.BadPos, r.Problem, r.Rows)
	}
	return fmt.Sprintf("audit chain BROKEN: %s (%d rows checked)", r.Problem, r.Rows)
}

// Verify walks the whole chain in order and reports the first row that was
// edited, deleted, inserted or moved, or a truncated end.
func Verify(ctx context.Context, st store.Store) (Result, error) {
	headPos, headHash, err := st.AuditHead(ctx)
	if err != nil {
		return Result{}, err
	}
	res := Result{Head: headPos}
	prevHash := []byte{}
	var prevPos int64
	const page = 500
	for {
		rows, err := st.AuditChain(ctx, prevPos, page)
		if err != nil {
			return res, err
		}
		for _, e := range rows {
			switch {
			case e.Pos != prevPos+1:
				return res.fail(prevPos+1, fmt.Sprintf("row %d is missing (deleted), next stored row is %d", prevPos+1, e.Pos)), nil
			case !bytes.Equal(e.PrevHash, prevHash):
				return res.fail(e.Pos, "its prev_hash does not match the previous row's hash (a row was edited, deleted or moved)"), nil
			case !bytes.Equal(e.ChainHash(prevHash), e.Hash):
				return res.fail(e.Pos, "its content does not match its hash (the row was edited or moved)"), nil
			}
			prevPos, prevHash = e.Pos, e.Hash
			res.Rows++
		}
		if len(rows) < page {
			break
		}
	}
	switch {
	case prevPos < headPos:
		return res.fail(prevPos+1, fmt.Sprintf("the chain ends at row %d but its head is at %d (rows deleted at the end)", prevPos, headPos)), nil
	case prevPos > headPos:
		return res.fail(headPos+1, fmt.Sprintf("rows after the chain head (%d) exist (inserted outside the application)", headPos)), nil
	case !bytes.Equal(prevHash, headHash):
		return res.fail(0, "the chain head's hash does not match the last row"), nil
	}
	res.OK = true
	return res, nil
}

func (r Result) fail(pos int64, problem string) Result {
	r.BadPos, r.Problem = pos, problem
	return r
}

// Actor is who made a change, when it is not the API key of the request
// (a dashboard user, the CLI).
type Actor struct{ Type, ID string }

type actorKey struct{}

// WithActor returns ctx naming the actor; the API's audit rows use it
// instead of the API key (the dashboard sets its signed-in user here).
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor WithActor set.
func ActorFrom(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}
