package storetest

import (
	"testing"
	"time"

	"github.com/kasapos/kasa/internal/store"
)

// RunDashboard is the conformance suite of the merchant dashboard's store
// (issue #7): users, sessions, one-time tokens and the analytics aggregates.
func RunDashboard(t *testing.T, open func(t *testing.T) store.Store) {
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"Users", testDashboardUsers},
		{"Sessions", testDashboardSessions},
		{"Tokens", testDashboardTokens},
		{"PaymentStats", testPaymentStats},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

func testDashboardUsers(t *testing.T, s store.Store) {
	ctx := t.Context()
	m, other := mkMerchant(t, s), mkMerchant(t, s)
	withUsers, err := s.MerchantsWithoutUsers(ctx)
	must(t, err)
	wantEqual(t, len(withUsers), 2)
	u := &store.DashboardUser{ID: newID("usr"), MerchantID: m.ID, Email: "a@shop.example", Role: store.RoleOwner,
		PasswordHash: "$argon2id$x", CreatedAt: base, UpdatedAt: base}
	must(t, s.CreateDashboardUser(ctx, u))
	wantErr(t, s.CreateDashboardUser(ctx, &store.DashboardUser{ID: newID("usr"), MerchantID: other.ID,
		Email: "a@shop.example", Role: store.RoleViewer}), store.ErrConflict)
	wantErr(t, s.CreateDashboardUser(ctx, &store.DashboardUser{ID: newID("usr"), MerchantID: other.ID,
		Email: "b@shop.example", Role: "root"}), store.ErrInvariant)
	got, err := s.DashboardUserByEmail(ctx, "a@shop.example")
	must(t, err)
	wantEqual(t, got, u)
	_, err = s.GetDashboardUser(ctx, other.ID, u.ID)
	wantErr(t, err, store.ErrNotFound)
	u.FailedLogins, u.LockedUntil, u.Role = 10, base.Add(30*time.Minute), store.RoleFinance
	must(t, s.UpdateDashboardUser(ctx, u))
	got, err = s.GetDashboardUser(ctx, m.ID, u.ID)
	must(t, err)
	wantEqual(t, got, u)
	list, err := s.ListDashboardUsers(ctx, m.ID)
	must(t, err)
	wantEqual(t, len(list), 1)
	without, err := s.MerchantsWithoutUsers(ctx)
	must(t, err)
	for _, w := range without {
		if w.ID == m.ID {
			t.Fatal("merchant with a user listed as without users")
		}
	}
}

func testDashboardSessions(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := mkMerchant(t, s)
	u := &store.DashboardUser{ID: newID("usr"), MerchantID: m.ID, Email: newID("e") + "@x.example", Role: store.RoleOwner}
	must(t, s.CreateDashboardUser(ctx, u))
	ds := &store.DashboardSession{IDHash: newID("h"), UserID: u.ID, MerchantID: m.ID, Mode: store.ModeTest, CreatedAt: base, LastSeenAt: base}
	must(t, s.CreateDashboardSession(ctx, ds))
	ds.LastSeenAt, ds.Mode = base.Add(time.Minute), store.ModeLive
	must(t, s.TouchDashboardSession(ctx, ds))
	got, err := s.GetDashboardSession(ctx, ds.IDHash)
	must(t, err)
	wantEqual(t, got, ds)
	must(t, s.DeleteDashboardSession(ctx, ds.IDHash))
	_, err = s.GetDashboardSession(ctx, ds.IDHash)
	wantErr(t, err, store.ErrNotFound)
	ds2 := &store.DashboardSession{IDHash: newID("h"), UserID: u.ID, MerchantID: m.ID, Mode: store.ModeTest}
	must(t, s.CreateDashboardSession(ctx, ds2))
	must(t, s.DeleteDashboardSessionsOfUser(ctx, u.ID))
	_, err = s.GetDashboardSession(ctx, ds2.IDHash)
	wantErr(t, err, store.ErrNotFound)
}

func testDashboardTokens(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := mkMerchant(t, s)
	tok := &store.DashboardToken{Hash: newID("t"), Kind: store.TokenInvite, MerchantID: m.ID, Role: store.RoleViewer,
		ExpiresAt: base.Add(time.Hour), CreatedAt: base}
	must(t, s.CreateDashboardToken(ctx, tok))
	_, err := s.PeekDashboardToken(ctx, tok.Hash, base.Add(2*time.Hour))
	wantErr(t, err, store.ErrNotFound) // expired
	_, err = s.UseDashboardToken(ctx, tok.Hash, base.Add(2*time.Hour))
	wantErr(t, err, store.ErrNotFound)
	if _, err := s.PeekDashboardToken(ctx, tok.Hash, base); err != nil {
		t.Fatal(err)
	}
	got, err := s.UseDashboardToken(ctx, tok.Hash, base.Add(time.Minute))
	must(t, err)
	wantEqual(t, got.Role, store.RoleViewer)
	wantEqual(t, got.UsedAt, base.Add(time.Minute).Truncate(time.Microsecond))
	_, err = s.UseDashboardToken(ctx, tok.Hash, base.Add(2*time.Minute))
	wantErr(t, err, store.ErrNotFound) // one time only
}

func testPaymentStats(t *testing.T, s store.Store) {
	ctx := t.Context()
	m, other := mkMerchant(t, s), mkMerchant(t, s)
	day1 := time.Date(2026, 3, 14, 22, 30, 0, 0, time.UTC) // 15 March 01:30 in Istanbul
	day0 := time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)
	mk := func(mer string, mode store.Mode, amount int64, at time.Time, f func(*store.Payment)) *store.Payment {
		p := newSale(mer, mode, amount)
		p.CreatedAt, p.UpdatedAt = at, at
		if f != nil {
			f(p)
		}
		return p
	}
	insertPayments(t, s,
		mk(m.ID, store.ModeTest, 1000, day0, nil),
		mk(m.ID, store.ModeTest, 3000, day0, func(p *store.Payment) {
			p.Installments = 3
			p.RefundedAmount = 500
			p.Status = store.StatusPartiallyRefunded
		}),
		mk(m.ID, store.ModeTest, 2000, day1, func(p *store.Payment) {
			p.Status, p.DeclineReason, p.AuthorizedAmount, p.CapturedAmount = store.StatusDeclined, "insufficient_funds", 0, 0
		}),
		mk(m.ID, store.ModeTest, 700, day1, func(p *store.Payment) { p.Currency = "USD"; p.POSID = "pos_y" }),
		mk(m.ID, store.ModeLive, 9999, day0, nil),     // other mode
		mk(other.ID, store.ModeTest, 8888, day0, nil), // other merchant
	)
	f := store.StatsFilter{MerchantID: m.ID, Mode: store.ModeTest}
	days, err := s.PaymentStats(ctx, f, store.GroupDay)
	must(t, err)
	wantEqual(t, days, []store.StatsRow{
		{Key: "2026-03-14", Currency: "TRY", Count: 2, Approved: 2, Volume: 4000, Refunded: 500},
		{Key: "2026-03-15", Currency: "TRY", Count: 1, Declined: 1},
		{Key: "2026-03-15", Currency: "USD", Count: 1, Approved: 1, Volume: 700},
	})
	pos, err := s.PaymentStats(ctx, f, store.GroupPOS)
	must(t, err)
	wantEqual(t, pos, []store.StatsRow{
		{Key: "pos_x", Currency: "TRY", Count: 3, Approved: 2, Declined: 1, Volume: 4000, Refunded: 500},
		{Key: "pos_y", Currency: "USD", Count: 1, Approved: 1, Volume: 700},
	})
	reasons, err := s.PaymentStats(ctx, f, store.GroupDeclineReason)
	must(t, err)
	wantEqual(t, reasons, []store.StatsRow{{Key: "insufficient_funds", Currency: "TRY", Count: 1, Declined: 1}})
	inst, err := s.PaymentStats(ctx, f, store.GroupInstallments)
	must(t, err)
	wantEqual(t, len(inst), 3) // 1×TRY, 3×TRY, 1×USD
	// The date range: only the Istanbul day 15 March.
	f.From, f.To = time.Date(2026, 3, 14, 21, 0, 0, 0, time.UTC), time.Date(2026, 3, 15, 21, 0, 0, 0, time.UTC)
	days, err = s.PaymentStats(ctx, f, store.GroupDay)
	must(t, err)
	wantEqual(t, len(days), 2)
	if _, err := s.PaymentStats(ctx, f, "pos_id; DROP TABLE payments"); err == nil {
		t.Fatal("unknown group accepted")
	}
}
