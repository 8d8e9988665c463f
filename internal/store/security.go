package store

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"strconv"
	"time"
)

// Key rotation (issue #5, KEY-2).

// SealedColumn names one column that holds values sealed by internal/secret,
// and the column that keys its rows.
type SealedColumn struct {
	Table, Key, Column string
}

// The sealed columns. kasa keys rotate re-wraps every value of each.
var (
	SealedPOSCredentials    = SealedColumn{"pos", "id", "credentials"}
	SealedWebhookSecret     = SealedColumn{"webhook_endpoints", "id", "secret"}
	SealedWebhookPrevSecret = SealedColumn{"webhook_endpoints", "id", "prev_secret"}
	SealedVault             = SealedColumn{"card_vault", "payment_id", "sealed"}
	SealedKeyringMeta       = SealedColumn{"keyring_meta", "name", "sealed"}
)

// SealedColumns lists every sealed column; a store refuses any other.
var SealedColumns = []SealedColumn{SealedPOSCredentials, SealedWebhookSecret, SealedWebhookPrevSecret, SealedVault, SealedKeyringMeta}

func (c SealedColumn) String() string { return c.Table + "." + c.Column }

// SealedValue is one row's sealed value.
type SealedValue struct {
	Key    string
	Sealed []byte
}

// SealedStore reads and compare-and-swaps sealed values generically, for
// key rotation, and keeps the keyring's own sealed material.
type SealedStore interface {
	// ListSealed pages col's non-empty values in key order after the key after.
	ListSealed(ctx context.Context, col SealedColumn, after string, limit int) ([]SealedValue, error)
	// GetSealed reads one row's value (ErrNotFound if the row is gone).
	GetSealed(ctx context.Context, col SealedColumn, key string) ([]byte, error)
	// SwapSealed writes val only if the row still holds old, and reports
	// whether it did: an optimistic write that never overwrites a value
	// another writer changed since it was read.
	SwapSealed(ctx context.Context, col SealedColumn, key string, old, val []byte) (bool, error)
	// PutKeyringMeta stores sealed under name unless a value is already
	// there, and returns the stored value (the existing one, if any).
	PutKeyringMeta(ctx context.Context, name string, sealed []byte) ([]byte, error)
}

// Audit log (issue #5, API-6).

// Audit actor types.
const (
	ActorAPIKey        = "api_key"
	ActorDashboardUser = "dashboard_user"
	ActorCLI           = "cli"
	ActorSystem        = "system"
)

// AuditEvent is one row of the append-only audit log: who (ActorType,
// ActorID), when (CreatedAt), what (Action on ResourceType/ResourceID, with
// a redacted Summary: JSON without secrets or card data), from where
// (ClientIP, RequestID) and the outcome. Rows form one hash chain in Pos
// order: Hash = ChainHash(PrevHash), PrevHash the previous row's Hash.
type AuditEvent struct {
	Pos          int64 // 1-based place in the chain, set by the store
	ID           string
	MerchantID   string
	Mode         Mode
	ActorType    string
	ActorID      string
	Action       string // e.g. "pos.create", "payment.refund"
	ResourceType string
	ResourceID   string
	Summary      []byte // JSON
	Outcome      string // "success" or "failure"
	ClientIP     string
	RequestID    string
	CreatedAt    time.Time
	PrevHash     []byte // set by the store
	Hash         []byte // set by the store
}

// ChainHash is SHA-256(prev || canonical e): the canonical form is every
// field but the hashes, in a fixed order, each length-prefixed, so no two
// different rows serialise alike.
func (e *AuditEvent) ChainHash(prev []byte) []byte {
	h := sha256.New()
	h.Write(prev)
	var n [8]byte
	put := func(s string) {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	put("kasa-audit-v1")
	put(strconv.FormatInt(e.Pos, 10))
	for _, s := range []string{e.ID, e.MerchantID, string(e.Mode), e.ActorType, e.ActorID, e.Action,
		e.ResourceType, e.ResourceID, string(e.Summary), e.Outcome, e.ClientIP, e.RequestID} {
		put(s)
	}
	put(strconv.FormatInt(e.CreatedAt.UnixMicro(), 10))
	return h.Sum(nil)
}

// AuditFilter pages a merchant's audit events newest first by Pos.
type AuditFilter struct {
	MerchantID string
	BeforePos  int64 // cursor: rows with Pos < BeforePos; 0 means from the newest
	Limit      int
}

// AuditStore is the audit log.
type AuditStore interface {
	// AppendAudit appends e to the chain in its own transaction, setting
	// Pos, PrevHash and Hash. Writers are serialised on the chain head.
	AppendAudit(ctx context.Context, e *AuditEvent) error
	// ListAuditEvents pages one merchant's events newest first.
	ListAuditEvents(ctx context.Context, f AuditFilter) ([]*AuditEvent, error)
	// AuditChain reads the whole chain in stored order (by Pos) from
	// after Pos after, for verification.
	AuditChain(ctx context.Context, after int64, limit int) ([]*AuditEvent, error)
	// AuditHead returns the chain head: the last Pos and Hash appended.
	AuditHead(ctx context.Context) (pos int64, hash []byte, err error)
}

// AuditTx is implemented by the Tx that InTx passes: code that changes
// state in a transaction appends its audit row in the same commit with
// t.(store.AuditTx).AppendAudit.
type AuditTx interface {
	AppendAudit(ctx context.Context, e *AuditEvent) error
}
