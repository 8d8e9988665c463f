package store

import (
	"context"
	"time"
)

// Merchant dashboard (issue #7): users, server-side sessions, one-time
// tokens (first-owner setup, invitations, password set) and the aggregate
// queries of the analytics page.

// Dashboard roles.
const (
	RoleOwner     = "owner"     // everything
	RoleFinance   = "finance"   // read, refunds/captures/cancels, exports, payment links
	RoleDeveloper = "developer" // read, API keys, webhooks
	RoleViewer    = "viewer"    // read only
)

// DashboardUser is a person who signs in to a merchant's dashboard. E-mails
// are unique across merchants (sign-in asks only for e-mail and password).
type DashboardUser struct {
	ID           string
	MerchantID   string
	Email        string // lower-case
	Role         string
	PasswordHash string // PHC string ($argon2id$…); "" until a password is set
	FailedLogins int    // consecutive failures since the last success
	LockedUntil  time.Time
	Disabled     bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// DashboardSession is one signed-in browser. Only a hash of the cookie's
// random id is stored, so a copy of the table opens no session.
type DashboardSession struct {
	IDHash     string // hex SHA-256 of the cookie value
	UserID     string
	MerchantID string
	Mode       Mode // the test/live switch
	CreatedAt  time.Time
	LastSeenAt time.Time
}

// Dashboard token kinds.
const (
	TokenSetup  = "setup"  // create the merchant's first owner
	TokenInvite = "invite" // create a user with Role
	TokenReset  = "reset"  // set the password of UserID
)

// DashboardToken is a one-time, expiring link token; only its hash is stored.
type DashboardToken struct {
	Hash       string // hex SHA-256 of the token
	Kind       string
	MerchantID string
	Email      string // fixed e-mail of the new user, "" to ask
	Role       string
	UserID     string // TokenReset
	CreatedBy  string // user id, "" for the CLI/server
	ExpiresAt  time.Time
	UsedAt     time.Time
	CreatedAt  time.Time
}

// StatsFilter selects payments for an aggregate.
type StatsFilter struct {
	MerchantID string
	Mode       Mode
	From, To   time.Time // CreatedAt in [From, To)
}

// Stats groupings.
const (
	GroupDay           = "day" // Istanbul day (UTC+3), key "2006-01-02"
	GroupPOS           = "pos"
	GroupDeclineReason = "decline_reason" // declined payments only
	GroupInstallments  = "installments"
	GroupStatus        = "status"
	// GroupPOSInstallments keys approved payments "pos_id:count", for fees.
	GroupPOSInstallments = "pos_installments"
)

// StatsRow is one group of an aggregate, per currency.
type StatsRow struct {
	Key      string
	Currency string
	Count    int64 // payments
	Approved int64 // authorized, succeeded, (partially) refunded or canceled after approval
	Declined int64
	Volume   int64 // sum of captured amounts
	Refunded int64 // sum of refunded amounts
}

// DashboardStore is the dashboard's persistence.
type DashboardStore interface {
	CreateDashboardUser(ctx context.Context, u *DashboardUser) error
	GetDashboardUser(ctx context.Context, merchantID, id string) (*DashboardUser, error)
	// DashboardUserByEmail finds a user of any merchant.
	DashboardUserByEmail(ctx context.Context, email string) (*DashboardUser, error)
	ListDashboardUsers(ctx context.Context, merchantID string) ([]*DashboardUser, error)
	// UpdateDashboardUser writes Role, PasswordHash, FailedLogins,
	// LockedUntil, Disabled and UpdatedAt.
	UpdateDashboardUser(ctx context.Context, u *DashboardUser) error
	// MerchantsWithoutUsers lists merchants that have no dashboard user.
	MerchantsWithoutUsers(ctx context.Context) ([]*Merchant, error)

	CreateDashboardSession(ctx context.Context, s *DashboardSession) error
	GetDashboardSession(ctx context.Context, idHash string) (*DashboardSession, error)
	// TouchDashboardSession writes LastSeenAt and Mode.
	TouchDashboardSession(ctx context.Context, s *DashboardSession) error
	DeleteDashboardSession(ctx context.Context, idHash string) error
	// DeleteDashboardSessionsOfUser ends every session of a user.
	DeleteDashboardSessionsOfUser(ctx context.Context, userID string) error

	CreateDashboardToken(ctx context.Context, t *DashboardToken) error
	// UseDashboardToken marks an unused, unexpired token used at now and
	// returns it; concurrent uses have one winner. ErrNotFound otherwise.
	UseDashboardToken(ctx context.Context, hash string, now time.Time) (*DashboardToken, error)
	// PeekDashboardToken returns an unused, unexpired token without using it.
	PeekDashboardToken(ctx context.Context, hash string, now time.Time) (*DashboardToken, error)

	// PaymentStats groups a merchant's payments of one mode by group
	// (Group*) and currency, ordered by key.
	PaymentStats(ctx context.Context, f StatsFilter, group string) ([]StatsRow, error)
}
