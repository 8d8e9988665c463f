// Package store defines Kasa's persistent records and the Store interface the
// services use. Two backends implement it with one shared SQL core:
// store/sqlite (embedded default, modernc.org/sqlite) and store/postgres (pgx).
// The conformance suite in store/storetest runs against both.
//
// Card data rule: no record here can hold a full PAN or any CVV. Cards appear
// only as BIN + last 4 + brand.
package store

import (
	"context"
	"errors"
	"time"
)

var (
	// ErrNotFound: no such row (or it belongs to another merchant).
	ErrNotFound = errors.New("store: not found")
	// ErrConflict: a unique constraint was violated.
	ErrConflict = errors.New("store: conflict")
	// ErrInvariant: a write would break a database integrity rule: a CHECK
	// (money invariants, modes) or a reference to a missing row.
	ErrInvariant = errors.New("store: invariant violated")
)

// Mode separates test data from live data; they never mix.
type Mode string

const (
	ModeTest Mode = "test"
	ModeLive Mode = "live"
)

// Merchant is a tenant.
type Merchant struct {
	ID   string
	Name string
	// ReturnDomains are the hosts a 3D or checkout return_url may point at
	// (exact host or "*.example.com"); anything else is refused (no open redirect).
	ReturnDomains []string
	CreatedAt     time.Time
}

// APIKey is a merchant's secret key, stored only as a keyed hash.
type APIKey struct {
	ID         string
	MerchantID string
	Mode       Mode
	Prefix     string // displayable start of the key, e.g. "sk_test_4fQ2"
	Hash       []byte // HMAC-SHA-256(pepper, key)
	CreatedAt  time.Time
	RevokedAt  time.Time // zero while active
}

// POS is one virtual POS of a merchant at one bank.
type POS struct {
	ID          string
	MerchantID  string
	Mode        Mode   // test POS are reachable only with test keys
	Protocol    string // gateway registry name, e.g. "est3"
	Bank        string // e.g. "isbank"
	Name        string
	Environment string // "test" or "production" (the bank's environment)
	APIURL      string
	ThreeDURL   string
	Credentials []byte // sealed by internal/secret; never returned by the API
	Currencies  []string
	BatchCutoff string // "HH:MM" Europe/Istanbul; a full refund before it is sent as a void
	ThreeDModel string // default 3D model: "", "3d", "3d_pay", "3d_host"
	// AllowAttempted3D lets half-secure (attempted) authentications proceed
	// to provisioning; by default only full authentication does.
	AllowAttempted3D bool
	// Routing is the POS's routing configuration as JSON (weight, card
	// programmes, commission rates, installment plans); the payment package
	// owns its shape.
	Routing   []byte
	Enabled   bool
	Priority  int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Payment statuses.
const (
	StatusRequiresAction    = "requires_action"
	StatusProcessing        = "processing"
	StatusAuthorized        = "authorized"
	StatusSucceeded         = "succeeded"
	StatusDeclined          = "declined"
	StatusFailed            = "failed"
	StatusUnknown           = "unknown"
	StatusPartiallyRefunded = "partially_refunded"
	StatusRefunded          = "refunded"
	StatusCanceled          = "canceled"
)

// Payment is one merchant payment and its money ledger. Amount invariants:
// CapturedAmount ≤ AuthorizedAmount and RefundedAmount ≤ CapturedAmount.
type Payment struct {
	ID               string
	MerchantID       string
	Mode             Mode
	POSID            string
	OrderID          string // the merchant's order id
	BankOrderID      string // Kasa's order id at the bank, stable for the payment's life
	Status           string
	Amount           int64 // requested, minor units
	Currency         string
	Installments     int
	Capture          bool // sale (true) or pre-authorisation (false)
	AuthorizedAmount int64
	CapturedAmount   int64
	RefundedAmount   int64
	CardBIN          string
	CardLast4        string
	CardBrand        string
	CardHolder       string
	// Issuer facts from the BIN table, kept with the payment for analytics
	// and routing explanations.
	CardBankCode   string
	CardBankName   string
	CardType       string // credit, debit, prepaid
	CardProgram    string
	CardCommercial bool
	// InstallmentFee is the commission added to Amount when the customer
	// pays it (vade farkı); Amount includes it.
	InstallmentFee int64
	Description    string
	CustomerEmail  string
	CustomerIP     string
	BankCode       string
	BankMessage    string
	DeclineReason  string
	AuthCode       string
	HostRef        string
	TransID        string
	ThreeDModel    string
	MDStatus       string
	ReturnURL      string
	RoutingReason  string
	// CheckoutSessionID names the hosted checkout session the payment was
	// made on ("" for API payments), and PaymentLinkID the link that opened
	// that session ("" if none): a link's payments are listed by it.
	CheckoutSessionID string
	PaymentLinkID     string
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// Checkout session statuses. "expired" is not stored: an open session is
// expired once ExpiresAt has passed.
const (
	CheckoutOpen     = "open"
	CheckoutComplete = "complete"
)

// CheckoutSession is one customer's visit to Kasa's hosted card page: what is
// being paid for and the latest payment attempt. A session has at most one
// succeeded payment; a declined attempt may be followed by another.
type CheckoutSession struct {
	ID            string
	MerchantID    string
	Mode          Mode
	PaymentLinkID string // the link that opened it, "" for an API session
	Status        string
	Amount        int64
	Currency      string
	OrderID       string
	Description   string
	ReturnURL     string // "" means Kasa's receipt page
	Capture       bool
	Installments  []int // allowed counts above 1; a single payment is always offered
	POSID         string
	ThreeD        string
	PaymentID     string // the latest attempt, "" before the first
	ExpiresAt     time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// PaymentLink is a reusable (or single-use) URL that opens a checkout session.
type PaymentLink struct {
	ID           string
	MerchantID   string
	Mode         Mode
	Amount       int64
	Currency     string
	Description  string
	SingleUse    bool
	Active       bool // false once disabled (or a single-use link was paid)
	ReturnURL    string
	Installments []int
	ExpiresAt    time.Time // zero: never
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// PaymentLinkFilter pages a merchant's links newest first, by the keyset
// (CreatedAt, ID) like PaymentFilter.
type PaymentLinkFilter struct {
	MerchantID string
	Mode       Mode
	BeforeTime time.Time
	BeforeID   string
	Limit      int
}

// Transaction kinds.
const (
	KindSale     = "sale"
	KindPreAuth  = "preauth"
	KindCapture  = "capture"
	KindVoid     = "void"
	KindRefund   = "refund"
	KindStatus   = "status"
	KindThreeD   = "three_d"
	TxPending    = "pending" // written before the bank call
	TxApproved   = "approved"
	TxDeclined   = "declined"
	TxRejected   = "rejected"
	TxNotSent    = "not_sent"
	TxUnknown    = "unknown"
	TxSuperseded = "superseded" // an unknown call later settled by status query
)

// Transaction is one bank call of a payment: the timeline.
type Transaction struct {
	ID            string
	PaymentID     string
	MerchantID    string
	Kind          string
	Status        string
	Amount        int64
	Currency      string
	BankCode      string
	BankErrorCode string
	BankMessage   string
	DeclineReason string
	AuthCode      string
	HostRef       string
	TransID       string
	Error         string
	LatencyMS     int64
	CreatedAt     time.Time
	CompletedAt   time.Time // zero while pending
}

// Event is a transactional-outbox row, written with the state change it reports.
type Event struct {
	ID         string
	MerchantID string
	Mode       Mode
	Type       string // e.g. "payment.succeeded"
	PaymentID  string
	Payload    []byte // JSON
	CreatedAt  time.Time
}

// Webhook delivery states. A delivery is one event for one endpoint.
const (
	DeliveryPending   = "pending"   // due at NextAttemptAt (or in flight while ClaimedUntil is ahead)
	DeliverySucceeded = "succeeded" // a 2xx was received
	DeliveryFailed    = "failed"    // retries exhausted (or a manual resend failed)
	DeliveryDisabled  = "disabled"  // the endpoint was disabled before delivery
)

// WebhookEndpoint is a merchant's URL that receives events of one mode.
type WebhookEndpoint struct {
	ID          string
	MerchantID  string
	Mode        Mode
	URL         string
	EventTypes  []string // event types, or "*" for all
	Description string
	// Secret is the sealed signing secret (raw bytes, not the whsec_ text),
	// AAD webhook.SecretAAD. PrevSecret, while PrevSecretUntil is ahead,
	// is the secret before the last rotation and still signs.
	Secret          []byte
	PrevSecret      []byte
	PrevSecretUntil time.Time
	Enabled         bool
	DisabledReason  string
	// The failure streak: attempts failed since the last success, and when
	// the first of them happened (zero after a success). Written only by
	// RecordWebhookAttempt and SetWebhookEndpointEnabled.
	FailureCount int
	FailingSince time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// WebhookDelivery is one event for one endpoint: unique per (EventID,
// EndpointID), so fanning an event out twice creates nothing new.
type WebhookDelivery struct {
	ID         string
	EventID    string
	EndpointID string
	MerchantID string
	Mode       Mode
	EventType  string
	State      string
	// Manual marks a resend requested by the merchant: one attempt, no retries.
	Manual        bool
	Attempts      int
	NextAttemptAt time.Time
	// ClaimedUntil is the lease of the dispatcher delivering it now; a
	// crashed dispatcher's claim lapses and the delivery is claimed again.
	ClaimedUntil  time.Time
	ClaimToken    string
	LastAttemptAt time.Time
	LastStatus    int // HTTP status, 0 when no response
	LastError     string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// WebhookAttempt is one HTTP attempt of a delivery: the delivery log.
type WebhookAttempt struct {
	ID            string
	DeliveryID    string
	EndpointID    string
	Attempt       int // 1-based, per delivery
	Manual        bool
	StartedAt     time.Time
	Status        int // HTTP status, 0 when no response
	LatencyMS     int64
	Error         string
	NextAttemptAt time.Time // the retry it scheduled; zero if none
}

// WebhookDeliveryFilter pages an endpoint's deliveries newest first by the
// keyset (CreatedAt, ID).
type WebhookDeliveryFilter struct {
	MerchantID string
	EndpointID string
	BeforeTime time.Time
	BeforeID   string
	Limit      int
}

// Reconciliation is one stored end-of-day reconciliation report of a
// merchant: the day's payments compared with the bank's view of each order.
// The report itself is JSON owned by internal/reconcile; the columns are
// what lists and the scheduler filter on.
type Reconciliation struct {
	ID         string
	MerchantID string
	Mode       Mode
	Date       string // Istanbul day, "2006-01-02"
	POSID      string // "" when the report covers every POS of the merchant
	Trigger    string // "api", "scheduled", "cli"
	Payments   int    // payments examined
	Mismatches int
	Unverified int // payments the bank did not answer for
	Report     []byte
	CreatedAt  time.Time
}

// ReconciliationFilter selects reports newest first by (CreatedAt, ID).
type ReconciliationFilter struct {
	MerchantID string
	Mode       Mode
	Date       string
	POSID      string
	Trigger    string
	BeforeTime time.Time
	BeforeID   string
	Limit      int
}

// BINRow is one imported BIN table row (the tr-bins.csv format).
type BINRow struct {
	Prefix     string
	BankCode   string
	BankName   string
	Brand      string
	Type       string
	Commercial bool
	Program    string
}

// VaultEntry holds what a 3D Secure payment must keep between the API call,
// the browser's visit to the bank and the bank's callback: the card (needed to
// build the bank form, and by some banks again to provision) and the bank's
// session data, sealed with the keyring. It lives at most VaultTTL and is
// deleted at the payment's terminal state (PCI-1).
type VaultEntry struct {
	PaymentID string
	Sealed    []byte
	ExpiresAt time.Time
}

// Idempotency states.
const (
	IdemInProgress = "in_progress"
	IdemDone       = "done"
)

// Idempotency is a stored request key and, once done, its response.
type Idempotency struct {
	MerchantID     string
	Key            string
	Fingerprint    string // hash of method, path and canonical body
	State          string
	ResponseStatus int
	ResponseBody   []byte
	ResourceID     string // payment id once one exists
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// PaymentFilter selects payments for listing. Results are ordered newest first
// and paginated by keyset: pass the last row's (CreatedAt, ID) as the cursor.
type PaymentFilter struct {
	MerchantID string
	Mode       Mode
	Status     string
	OrderID    string
	Last4      string
	POSID      string
	// CheckoutSessionID and PaymentLinkID select the payments made on one
	// session, or on any session of one link.
	CheckoutSessionID string
	PaymentLinkID     string
	From, To          time.Time // CreatedAt in [From, To); zero means open
	// MinAmount and MaxAmount bound Amount (inclusive); zero means open.
	MinAmount, MaxAmount int64
	// Bank selects payments served by the merchant's POS of that bank.
	Bank string
	// Cursor: return rows strictly older than (BeforeTime, BeforeID).
	BeforeTime time.Time
	BeforeID   string
	Limit      int
}

// Store is Kasa's persistence. Every method is safe for concurrent use.
type Store interface {
	Close() error

	CreateMerchant(ctx context.Context, m *Merchant) error
	GetMerchant(ctx context.Context, id string) (*Merchant, error)

	// UpdateMerchant changes a merchant's name and return domains.
	UpdateMerchant(ctx context.Context, m *Merchant) error

	CreateAPIKey(ctx context.Context, k *APIKey) error
	// APIKeyByHash finds an active (unrevoked) key.
	APIKeyByHash(ctx context.Context, hash []byte) (*APIKey, error)
	ListAPIKeys(ctx context.Context, merchantID string) ([]*APIKey, error)
	RevokeAPIKey(ctx context.Context, merchantID, id string, at time.Time) error

	CreatePOS(ctx context.Context, p *POS) error
	UpdatePOS(ctx context.Context, p *POS) error
	GetPOS(ctx context.Context, merchantID, id string) (*POS, error)
	ListPOS(ctx context.Context, merchantID string) ([]*POS, error)
	// AllPOS lists every POS of every merchant (for re-sealing credentials).
	AllPOS(ctx context.Context) ([]*POS, error)

	GetPayment(ctx context.Context, merchantID, id string) (*Payment, error)
	// PaymentByID finds a payment without a merchant: only for the customer's
	// browser flows (3D callback, hosted pages), where the id is the capability.
	PaymentByID(ctx context.Context, id string) (*Payment, error)
	// POSByID finds a POS without a merchant and PaymentByBankOrder a
	// payment by its POS and bank order id: only for bank notifications
	// posted server to server to /notify/{pos_id}, which name the order
	// and are trusted only once the POS's adapter verified them.
	POSByID(ctx context.Context, id string) (*POS, error)
	PaymentByBankOrder(ctx context.Context, posID, bankOrderID string) (*Payment, error)
	// ListPayments requires f.MerchantID and f.Mode.
	ListPayments(ctx context.Context, f PaymentFilter) ([]*Payment, error)
	ListTransactions(ctx context.Context, paymentID string) ([]*Transaction, error)
	// PaymentsToResolve returns payments in processing or unknown last updated
	// before olderThan, and payments with a capture/void/refund or 3D step
	// still pending or unknown since before olderThan, oldest first: the
	// resolver's work list.
	PaymentsToResolve(ctx context.Context, olderThan time.Time, limit int) ([]*Payment, error)

	// InTx runs fn in one database transaction. On SQLite the transaction is
	// IMMEDIATE (it takes the write lock at once); on PostgreSQL LockPayment
	// takes a row lock. fn's error rolls back. fn must write only through its
	// Tx: a Store write inside fn would wait for the lock fn holds.
	InTx(ctx context.Context, fn func(Tx) error) error

	// ClaimIdempotency atomically inserts rec as in progress. If a row for
	// (MerchantID, Key) already exists it is returned with claimed false.
	ClaimIdempotency(ctx context.Context, rec *Idempotency) (existing *Idempotency, claimed bool, err error)
	// CompleteIdempotency stores the response (and ResourceID, if set) of an
	// in-progress key. ErrNotFound if the key is missing or already done: a
	// stored response is never overwritten.
	CompleteIdempotency(ctx context.Context, rec *Idempotency) error
	// SetIdempotencyResource records the payment a key created, before the bank call.
	SetIdempotencyResource(ctx context.Context, merchantID, key, resourceID string) error
	// DeleteIdempotency removes an in-progress claim whose request had no side
	// effect. A done key is left alone; a missing key is not an error.
	DeleteIdempotency(ctx context.Context, merchantID, key string) error
	// ReleaseStaleIdempotency deletes an in-progress claim only if it is still
	// the row the caller read (same UpdatedAt), and reports whether it did.
	// Two requests taking over one stale claim thus cannot release each
	// other's fresh claim, which DeleteIdempotency would allow.
	ReleaseStaleIdempotency(ctx context.Context, stale *Idempotency) (bool, error)
	// DeleteIdempotencyBefore reaps keys created before t; it never touches payments.
	DeleteIdempotencyBefore(ctx context.Context, t time.Time) (int64, error)

	// ReplaceBINs swaps the imported BIN table for rows, atomically.
	ReplaceBINs(ctx context.Context, rows []BINRow) error
	// ListBINs returns the imported BIN table.
	ListBINs(ctx context.Context) ([]BINRow, error)

	// PutVault stores or replaces a payment's vault entry.
	PutVault(ctx context.Context, e *VaultEntry) error
	// GetVault returns an unexpired entry (ErrNotFound otherwise).
	GetVault(ctx context.Context, paymentID string, now time.Time) (*VaultEntry, error)
	// PurgeVault deletes entries that expire before t.
	PurgeVault(ctx context.Context, before time.Time) (int64, error)

	// ListEvents lists a payment's outbox events in order (for issue #5's dispatcher and tests).
	ListEvents(ctx context.Context, paymentID string) ([]*Event, error)

	CreateCheckoutSession(ctx context.Context, s *CheckoutSession) error
	GetCheckoutSession(ctx context.Context, merchantID, id string) (*CheckoutSession, error)
	// CheckoutSessionByID finds a session without a merchant: only for the
	// customer's browser, where the unguessable id is the capability.
	CheckoutSessionByID(ctx context.Context, id string) (*CheckoutSession, error)
	// UpdateCheckoutSession writes Status, PaymentID and UpdatedAt, but only
	// while the stored PaymentID still equals prevPaymentID (compare and swap),
	// so a slow request cannot roll a session back to an older attempt.
	// ErrNotFound if the session is missing or has moved on.
	UpdateCheckoutSession(ctx context.Context, s *CheckoutSession, prevPaymentID string) error
	// OpenCheckoutSessionOfLink returns the newest open session of a link
	// that expires after notBefore (ErrNotFound if none).
	OpenCheckoutSessionOfLink(ctx context.Context, linkID string, notBefore time.Time) (*CheckoutSession, error)

	CreatePaymentLink(ctx context.Context, l *PaymentLink) error
	GetPaymentLink(ctx context.Context, merchantID, id string) (*PaymentLink, error)
	// PaymentLinkByID finds a link without a merchant (the customer's browser).
	PaymentLinkByID(ctx context.Context, id string) (*PaymentLink, error)
	// UpdatePaymentLink writes Active and UpdatedAt; the rest is fixed.
	UpdatePaymentLink(ctx context.Context, l *PaymentLink) error
	// ListPaymentLinks requires f.MerchantID and f.Mode.
	ListPaymentLinks(ctx context.Context, f PaymentLinkFilter) ([]*PaymentLink, error)

	// Webhooks (issue #5). Endpoints are per merchant and mode.
	CreateWebhookEndpoint(ctx context.Context, e *WebhookEndpoint) error
	GetWebhookEndpoint(ctx context.Context, merchantID, id string) (*WebhookEndpoint, error)
	ListWebhookEndpoints(ctx context.Context, merchantID string, mode Mode) ([]*WebhookEndpoint, error)
	// UpdateWebhookEndpoint writes URL, EventTypes, Description, the secrets
	// and UpdatedAt; enabled state and failure streak have their own writers.
	UpdateWebhookEndpoint(ctx context.Context, e *WebhookEndpoint) error
	// SetWebhookEndpointEnabled enables (resetting the failure streak) or
	// disables an endpoint with a reason; disabling marks its pending
	// deliveries disabled.
	SetWebhookEndpointEnabled(ctx context.Context, merchantID, id string, enabled bool, reason string, at time.Time) error
	// DeleteWebhookEndpoint removes an endpoint with its deliveries and log.
	DeleteWebhookEndpoint(ctx context.Context, merchantID, id string) error
	// GetEvent reads one outbox event of a merchant.
	GetEvent(ctx context.Context, merchantID, id string) (*Event, error)
	// GetEvents reads a merchant's outbox events by id, in no order; ids not
	// found are left out.
	GetEvents(ctx context.Context, merchantID string, ids []string) ([]*Event, error)
	// FanOutEvents turns up to limit events not yet fanned out into pending
	// deliveries, one per enabled endpoint of the event's merchant and mode
	// whose EventTypes hold its type (or "*") and that existed when it was
	// created, and marks those events fanned out, in one transaction.
	// Idempotent; concurrent callers take disjoint events. newID names the
	// deliveries. It returns the number of events handled.
	FanOutEvents(ctx context.Context, limit int, newID func() string) (int, error)
	// ClaimWebhookDeliveries leases up to limit pending deliveries due at now
	// whose endpoint is enabled and whose earlier lease has lapsed, setting
	// ClaimedUntil and ClaimToken. Concurrent callers never get the same row
	// (FOR UPDATE SKIP LOCKED on PostgreSQL; serialised writes on SQLite).
	ClaimWebhookDeliveries(ctx context.Context, now, until time.Time, token string, limit int) ([]*WebhookDelivery, error)
	// RecordWebhookAttempt appends a to the log, updates the failure streak
	// of its endpoint and, if d.ClaimToken still holds the lease, writes d's
	// State, Attempts, NextAttemptAt and Last* fields and releases the lease
	// (a pending delivery of a disabled endpoint becomes disabled). It
	// returns the endpoint after the streak update.
	RecordWebhookAttempt(ctx context.Context, d *WebhookDelivery, a *WebhookAttempt) (*WebhookEndpoint, error)
	// ResendWebhookEvent makes the delivery of event to endpoint due at now:
	// created as a manual delivery if missing; a finished one becomes a
	// pending manual one, and an in-flight lease is dropped (the resend
	// supersedes it); a pending one is just brought forward.
	ResendWebhookEvent(ctx context.Context, ev *Event, endpointID string, newID string, now time.Time) (*WebhookDelivery, error)
	// ListWebhookDeliveries pages an endpoint's deliveries newest first.
	ListWebhookDeliveries(ctx context.Context, f WebhookDeliveryFilter) ([]*WebhookDelivery, error)
	// ListWebhookAttempts returns the attempts of the given deliveries in order.
	ListWebhookAttempts(ctx context.Context, deliveryIDs []string) ([]*WebhookAttempt, error)

	// Reconciliation reports (issue #5). CreateReconciliation stores r and,
	// if ev is not nil, its outbox event in one transaction.
	CreateReconciliation(ctx context.Context, r *Reconciliation, ev *Event) error
	GetReconciliation(ctx context.Context, merchantID, id string) (*Reconciliation, error)
	// ListReconciliations requires f.MerchantID and f.Mode; newest first.
	ListReconciliations(ctx context.Context, f ReconciliationFilter) ([]*Reconciliation, error)

	// InsertIntent and RecordOutcome are Tx.InsertIntent and
	// Tx.RecordOutcome, each run alone as InTx would run it. On PostgreSQL
	// each is one statement, atomic by itself, so it runs without BEGIN and
	// COMMIT around it: one round trip instead of three, twice a sale.
	InsertIntent(ctx context.Context, idem *Idempotency, p *Payment, t *Transaction) (claimed bool, err error)
	RecordOutcome(ctx context.Context, o *Outcome) (written, idemDone bool, err error)

	// Key rotation and the audit log (issue #5): see security.go.
	SealedStore
	AuditStore
	// The merchant dashboard (issue #7): see dashboard.go.
	DashboardStore
}

// EventNotifier is implemented by stores that can tell, in this process,
// when a commit has added outbox events: the webhook dispatcher's cue to
// deliver them now rather than at its next poll. fn runs in the committing
// goroutine after the commit, once per commit that added any; it must not
// block. Other nodes' commits are not seen: their events wait for the poll.
type EventNotifier interface {
	OnEvents(fn func())
}

// Tx is the set of writes that must commit together with a state change.
type Tx interface {
	InsertPayment(ctx context.Context, p *Payment) error
	// LockPayment reads a payment for update (row lock on PostgreSQL).
	LockPayment(ctx context.Context, merchantID, id string) (*Payment, error)
	// UpdatePayment writes a payment's state; what is fixed when it is made
	// (identity, order and bank order ids, card last four, checkout session,
	// created_at) is never changed.
	UpdatePayment(ctx context.Context, p *Payment) error
	InsertTransaction(ctx context.Context, t *Transaction) error
	UpdateTransaction(ctx context.Context, t *Transaction) error
	ListTransactions(ctx context.Context, paymentID string) ([]*Transaction, error)
	InsertEvent(ctx context.Context, e *Event) error
	// DeleteVault destroys a payment's vault entry with the state change
	// that ends its need.
	DeleteVault(ctx context.Context, paymentID string) error
	// SetIdempotencyResource names the payment an in-progress key created,
	// in the transaction that creates it: a retry finds both or neither.
	SetIdempotencyResource(ctx context.Context, merchantID, key, resourceID string) error
	// CompleteIdempotency is Store.CompleteIdempotency in the transaction
	// that records the outcome the response describes.
	CompleteIdempotency(ctx context.Context, rec *Idempotency) error

	// InsertIntent writes a new payment and its first timeline row, after
	// claiming idem (if not nil) in the same step; claimed is false if the
	// key exists, and then nothing was written. PostgreSQL does it in one
	// statement (one round trip).
	InsertIntent(ctx context.Context, idem *Idempotency, p *Payment, t *Transaction) (claimed bool, err error)
	// RecordOutcome writes a payment's new state, its timeline row, its
	// outbox event and (if set) its stored response, in one step and only
	// if the payment is still in the state the outcome replaces; written
	// false means it was not, and nothing was written. The response is
	// stored only if its key is still in progress (idemDone reports it).
	RecordOutcome(ctx context.Context, o *Outcome) (written, idemDone bool, err error)
}

// Outcome is a payment state change for Tx.RecordOutcome.
type Outcome struct {
	Payment       *Payment  // the new state
	PrevStatus    string    // the state it replaces: status…
	PrevUpdatedAt time.Time // …and version
	Transaction   *Transaction
	Event         *Event
	Idempotency   *Idempotency // a completed response, or nil
}
