package storetest

import (
	"testing"
	"time"

	"github.com/kasapos/kasa/internal/store"
)

func newSession(merchantID, linkID string, created time.Time) *store.CheckoutSession {
	return &store.CheckoutSession{
		ID: newID("cs"), MerchantID: merchantID, Mode: store.ModeTest, PaymentLinkID: linkID,
		Status: store.CheckoutOpen, Amount: 12550, Currency: "TRY", OrderID: "SO-1", Description: "2 books",
		ReturnURL: "https://shop.example/return", Capture: true, Installments: []int{2, 3, 6},
		POSID: "pos_x", ThreeD: "3d_pay", ExpiresAt: created.Add(time.Hour), CreatedAt: created, UpdatedAt: created,
	}
}

func newLink(merchantID string, mode store.Mode, created time.Time) *store.PaymentLink {
	return &store.PaymentLink{
		ID: newID("plink"), MerchantID: merchantID, Mode: mode, Amount: 9900, Currency: "TRY",
		Description: "Yoga class", SingleUse: true, Active: true, Installments: []int{3},
		ExpiresAt: created.Add(48 * time.Hour), CreatedAt: created, UpdatedAt: created,
	}
}

func testCheckoutSessions(t *testing.T, s store.Store) {
	ctx := t.Context()
	m, other := mkMerchant(t, s), mkMerchant(t, s)
	cs := newSession(m.ID, "", base)
	must(t, s.CreateCheckoutSession(ctx, cs))
	got, err := s.GetCheckoutSession(ctx, m.ID, cs.ID)
	must(t, err)
	wantEqual(t, got, cs)
	got, err = s.CheckoutSessionByID(ctx, cs.ID)
	must(t, err)
	wantEqual(t, got, cs)
	_, err = s.GetCheckoutSession(ctx, other.ID, cs.ID)
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, s.CreateCheckoutSession(ctx, cs), store.ErrConflict)

	// No installments round-trips as nil.
	plain := newSession(m.ID, "", base)
	plain.Installments, plain.ReturnURL = nil, ""
	must(t, s.CreateCheckoutSession(ctx, plain))
	got, err = s.CheckoutSessionByID(ctx, plain.ID)
	must(t, err)
	wantEqual(t, got, plain)

	// Compare and swap on the latest attempt; the terms never change.
	upd := *cs
	upd.PaymentID, upd.UpdatedAt = "pay_1", base.Add(time.Minute)
	upd.Amount = 1 // ignored: fixed at creation
	must(t, s.UpdateCheckoutSession(ctx, &upd, ""))
	stale := upd
	stale.PaymentID = "pay_0"
	wantErr(t, s.UpdateCheckoutSession(ctx, &stale, ""), store.ErrNotFound)
	upd.Status = store.CheckoutComplete
	must(t, s.UpdateCheckoutSession(ctx, &upd, "pay_1"))
	got, err = s.CheckoutSessionByID(ctx, cs.ID)
	must(t, err)
	upd.Amount = cs.Amount
	wantEqual(t, got, &upd)
	bad := upd
	bad.Status = "paid"
	wantErr(t, s.UpdateCheckoutSession(ctx, &bad, "pay_1"), store.ErrInvariant)
}

func testPaymentLinks(t *testing.T, s store.Store) {
	ctx := t.Context()
	m, other := mkMerchant(t, s), mkMerchant(t, s)
	var links []*store.PaymentLink
	for i := range 5 {
		l := newLink(m.ID, store.ModeTest, base.Add(time.Duration(i/2)*time.Second)) // ties on created_at
		must(t, s.CreatePaymentLink(ctx, l))
		links = append(links, l)
	}
	live := newLink(m.ID, store.ModeLive, base)
	must(t, s.CreatePaymentLink(ctx, live))
	must(t, s.CreatePaymentLink(ctx, newLink(other.ID, store.ModeTest, base)))

	got, err := s.GetPaymentLink(ctx, m.ID, links[0].ID)
	must(t, err)
	wantEqual(t, got, links[0])
	_, err = s.GetPaymentLink(ctx, other.ID, links[0].ID)
	wantErr(t, err, store.ErrNotFound)
	got, err = s.PaymentLinkByID(ctx, links[0].ID)
	must(t, err)
	wantEqual(t, got, links[0])

	upd := *links[0]
	upd.Active, upd.UpdatedAt = false, base.Add(time.Hour)
	upd.Amount = 1 // ignored
	must(t, s.UpdatePaymentLink(ctx, &upd))
	got, err = s.GetPaymentLink(ctx, m.ID, upd.ID)
	must(t, err)
	upd.Amount = links[0].Amount
	wantEqual(t, got, &upd)
	cross := upd
	cross.MerchantID = other.ID
	wantErr(t, s.UpdatePaymentLink(ctx, &cross), store.ErrNotFound)

	// Keyset pages, newest first, never mixing modes or merchants.
	var seen []string
	f := store.PaymentLinkFilter{MerchantID: m.ID, Mode: store.ModeTest, Limit: 2}
	for {
		page, err := s.ListPaymentLinks(ctx, f)
		must(t, err)
		for _, l := range page {
			seen = append(seen, l.ID)
		}
		if len(page) < f.Limit {
			break
		}
		last := page[len(page)-1]
		f.BeforeTime, f.BeforeID = last.CreatedAt, last.ID
	}
	if len(seen) != len(links) {
		t.Fatalf("listed %d links, want %d: %v", len(seen), len(links), seen)
	}
	uniq := map[string]bool{}
	for _, id := range seen {
		uniq[id] = true
	}
	for _, l := range links {
		if !uniq[l.ID] {
			t.Fatalf("link %s not listed", l.ID)
		}
	}
	if seen[0] != links[4].ID && seen[0] != links[3].ID {
		t.Fatalf("newest first: got %s first", seen[0])
	}
}

// A link's newest open, unexpired session; its payments through its sessions.
func testLinkSessionsAndPayments(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := mkMerchant(t, s)
	l := newLink(m.ID, store.ModeTest, base)
	must(t, s.CreatePaymentLink(ctx, l))
	_, err := s.OpenCheckoutSessionOfLink(ctx, l.ID, base)
	wantErr(t, err, store.ErrNotFound)

	old := newSession(m.ID, l.ID, base)
	newer := newSession(m.ID, l.ID, base.Add(time.Minute))
	done := newSession(m.ID, l.ID, base.Add(2*time.Minute))
	done.Status = store.CheckoutComplete
	apiSession := newSession(m.ID, "", base.Add(3*time.Minute))
	for _, cs := range []*store.CheckoutSession{old, newer, done, apiSession} {
		must(t, s.CreateCheckoutSession(ctx, cs))
	}
	got, err := s.OpenCheckoutSessionOfLink(ctx, l.ID, base.Add(30*time.Minute))
	must(t, err)
	wantEqual(t, got, newer)
	_, err = s.OpenCheckoutSessionOfLink(ctx, l.ID, base.Add(2*time.Hour))
	wantErr(t, err, store.ErrNotFound)

	p1 := newSale(m.ID, store.ModeTest, 9900)
	p1.CheckoutSessionID, p1.PaymentLinkID = old.ID, l.ID
	p2 := newSale(m.ID, store.ModeTest, 9900)
	p2.CheckoutSessionID, p2.PaymentLinkID, p2.CreatedAt = newer.ID, l.ID, base.Add(time.Second)
	p3 := newSale(m.ID, store.ModeTest, 12550)
	p3.CheckoutSessionID = apiSession.ID
	p4 := newSale(m.ID, store.ModeTest, 100) // an API payment
	insertPayments(t, s, p1, p2, p3, p4)
	got1, err := s.GetPayment(ctx, m.ID, p1.ID)
	must(t, err)
	wantEqual(t, got1, p1)

	list, err := s.ListPayments(ctx, store.PaymentFilter{MerchantID: m.ID, Mode: store.ModeTest, PaymentLinkID: l.ID})
	must(t, err)
	wantEqual(t, list, []*store.Payment{p2, p1})
	list, err = s.ListPayments(ctx, store.PaymentFilter{MerchantID: m.ID, Mode: store.ModeTest, CheckoutSessionID: apiSession.ID})
	must(t, err)
	wantEqual(t, list, []*store.Payment{p3})
}
