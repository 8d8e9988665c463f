package payment

import (
	"testing"
	"time"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/store"
)

func TestBatchDay(t *testing.T) {
	at := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, Istanbul)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UTC()
	}
	cases := []struct {
		a, b   string
		cutoff string
		same   bool
	}{
		{"2026-11-23 09:00", "2026-11-23 21:59", "22:00", true},
		{"2026-11-23 09:00", "2026-11-23 22:00", "22:00", false}, // batch closed at 22:00
		{"2026-11-23 22:30", "2026-11-24 08:00", "22:00", true},  // both in the batch closing 24th 22:00
		{"2026-11-23 23:59", "2026-11-24 00:01", "23:59", true},
		{"2026-11-23 12:00", "2026-11-24 12:00", "23:00", false},
		{"2026-11-23 00:30", "2026-11-23 23:30", "00:00", true},
	}
	for _, c := range cases {
		if got := batchDay(at(c.a), c.cutoff) == batchDay(at(c.b), c.cutoff); got != c.same {
			t.Errorf("%s vs %s cut-off %s: same=%v, want %v", c.a, c.b, c.cutoff, got, c.same)
		}
	}
}

func tx(kind, status string, amount int64) *store.Transaction {
	return &store.Transaction{Kind: kind, Status: status, Amount: amount}
}

// IDEM-4: an unknown outcome is settled by the bank's word, never guessed.
func TestIDEM4_ReconcileAdoptsBankState(t *testing.T) {
	cases := []struct {
		name       string
		p          store.Payment
		txs        []*store.Transaction
		st         gateway.StatusResult
		wantStatus string
		wantTx     []string // statuses of txs after reconcile
		captured   int64
		refunded   int64
	}{
		{"sale unknown, bank captured", store.Payment{Status: store.StatusUnknown, Amount: 1000, Capture: true},
			[]*store.Transaction{tx(store.KindSale, store.TxUnknown, 1000)},
			gateway.StatusResult{State: gateway.StateCaptured, CapturedAmount: 1000},
			store.StatusSucceeded, []string{store.TxApproved}, 1000, 0},
		{"sale unknown, bank never saw it", store.Payment{Status: store.StatusUnknown, Amount: 1000},
			[]*store.Transaction{tx(store.KindSale, store.TxUnknown, 1000)},
			gateway.StatusResult{State: gateway.StateNotFound},
			store.StatusFailed, []string{store.TxNotSent}, 0, 0},
		{"crash while processing, bank declined", store.Payment{Status: store.StatusProcessing, Amount: 1000},
			[]*store.Transaction{tx(store.KindSale, store.TxPending, 1000)},
			gateway.StatusResult{State: gateway.StateDeclined},
			store.StatusDeclined, []string{store.TxDeclined}, 0, 0},
		{"preauth unknown, bank authorized", store.Payment{Status: store.StatusUnknown, Amount: 1000},
			[]*store.Transaction{tx(store.KindPreAuth, store.TxUnknown, 1000)},
			gateway.StatusResult{State: gateway.StateAuthorized, AuthorizedAmount: 1000},
			store.StatusAuthorized, []string{store.TxApproved}, 0, 0},
		{"capture unknown, bank captured part", store.Payment{Status: store.StatusAuthorized, Amount: 1000, AuthorizedAmount: 1000},
			[]*store.Transaction{tx(store.KindPreAuth, store.TxApproved, 1000), tx(store.KindCapture, store.TxUnknown, 600)},
			gateway.StatusResult{State: gateway.StateCaptured, AuthorizedAmount: 1000, CapturedAmount: 600},
			store.StatusSucceeded, []string{store.TxApproved, store.TxApproved}, 600, 0},
		{"capture unknown, bank still authorized", store.Payment{Status: store.StatusAuthorized, Amount: 1000, AuthorizedAmount: 1000},
			[]*store.Transaction{tx(store.KindPreAuth, store.TxApproved, 1000), tx(store.KindCapture, store.TxUnknown, 600)},
			gateway.StatusResult{State: gateway.StateAuthorized, AuthorizedAmount: 1000},
			store.StatusAuthorized, []string{store.TxApproved, store.TxDeclined}, 0, 0},
		{"two refunds unknown, bank did one", store.Payment{Status: store.StatusPartiallyRefunded, Amount: 1000, AuthorizedAmount: 1000, CapturedAmount: 1000, RefundedAmount: 100},
			[]*store.Transaction{tx(store.KindSale, store.TxApproved, 1000), tx(store.KindRefund, store.TxApproved, 100), tx(store.KindRefund, store.TxUnknown, 200), tx(store.KindRefund, store.TxUnknown, 300)},
			gateway.StatusResult{State: gateway.StateRefunded, CapturedAmount: 1000, RefundedAmount: 300},
			store.StatusPartiallyRefunded, []string{store.TxApproved, store.TxApproved, store.TxApproved, store.TxDeclined}, 1000, 300},
		{"void unknown, bank voided", store.Payment{Status: store.StatusSucceeded, Amount: 1000, AuthorizedAmount: 1000, CapturedAmount: 1000},
			[]*store.Transaction{tx(store.KindSale, store.TxApproved, 1000), tx(store.KindVoid, store.TxUnknown, 1000)},
			gateway.StatusResult{State: gateway.StateVoided},
			store.StatusCanceled, []string{store.TxApproved, store.TxApproved}, 1000, 0},
		{"sale unknown, bank reports it authorised (EST 'A')", store.Payment{Status: store.StatusUnknown, Amount: 1000, Capture: true},
			[]*store.Transaction{tx(store.KindSale, store.TxUnknown, 1000)},
			gateway.StatusResult{State: gateway.StateAuthorized, AuthorizedAmount: 1000},
			store.StatusSucceeded, []string{store.TxApproved}, 1000, 0},
		{"bank pending changes nothing", store.Payment{Status: store.StatusUnknown, Amount: 1000},
			[]*store.Transaction{tx(store.KindSale, store.TxUnknown, 1000)},
			gateway.StatusResult{State: gateway.StatePending},
			store.StatusUnknown, []string{store.TxUnknown}, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := c.p
			reconcile(&p, c.txs, &c.st)
			if p.Status != c.wantStatus || p.CapturedAmount != c.captured || p.RefundedAmount != c.refunded {
				t.Errorf("payment = %s captured %d refunded %d; want %s %d %d", p.Status, p.CapturedAmount, p.RefundedAmount, c.wantStatus, c.captured, c.refunded)
			}
			for i, want := range c.wantTx {
				if c.txs[i].Status != want {
					t.Errorf("tx %d (%s) = %s, want %s", i, c.txs[i].Kind, c.txs[i].Status, want)
				}
			}
			if p.RefundedAmount > p.CapturedAmount || p.CapturedAmount > max(p.AuthorizedAmount, p.CapturedAmount) {
				t.Errorf("ledger invariant broken: %+v", p)
			}
		})
	}
}

func TestApplyApproved(t *testing.T) {
	p := &store.Payment{Status: store.StatusSucceeded, CapturedAmount: 1000, AuthorizedAmount: 1000}
	applyApproved(p, "refund", store.KindRefund, 400)
	if p.Status != store.StatusPartiallyRefunded || p.RefundedAmount != 400 {
		t.Fatalf("partial refund: %+v", p)
	}
	applyApproved(p, "refund", store.KindRefund, 600)
	if p.Status != store.StatusRefunded || p.RefundedAmount != 1000 {
		t.Fatalf("full refund: %+v", p)
	}
	p = &store.Payment{Status: store.StatusSucceeded, CapturedAmount: 1000, AuthorizedAmount: 1000}
	applyApproved(p, "refund", store.KindVoid, 1000)
	if p.Status != store.StatusRefunded || p.RefundedAmount != 1000 {
		t.Fatalf("refund sent as void: %+v", p)
	}
	p = &store.Payment{Status: store.StatusAuthorized, AuthorizedAmount: 1000}
	applyApproved(p, "cancel", store.KindVoid, 1000)
	if p.Status != store.StatusCanceled {
		t.Fatalf("cancel: %+v", p)
	}
}
