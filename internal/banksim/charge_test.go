package banksim

import (
	"testing"
	"time"

	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/money"
)

func TestCharge(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	exp, err := card.NewExpiry(12, 30)
	if err != nil {
		t.Fatal(err)
	}
	b := NewBook()
	c := Charge{Type: TxnPreAuth, Amount: TriggerAmount("51", money.TRY), Installments: 1, PAN: "4000000000000002",
		Expiry: exp, Card: "400000******0002", Holder: "Ayşe", DeclinePrefix: "00", DeclineErrorCode: "E",
		HostRef: func(time.Time) string { return "REF" }, AuthCode: func() string { return "123456" }, ApprovedMessage: "ok"}

	r := b.Charge("m", "o1", c, now)
	if r.Duplicate || !r.Declined || r.Decline.Code != "51" || r.Txn.Code != "0051" || r.Txn.ErrorCode != "E" ||
		r.Txn.Approved || r.Txn.HostRef != "REF" || r.Order.State != OrderDeclined {
		t.Fatalf("declined charge = %+v", r)
	}

	// A declined order id may be reused; the approval is recorded on it.
	c.Amount = money.New(1000, money.TRY)
	r = b.Charge("m", "o1", c, now)
	o := r.Order
	if r.Duplicate || r.Declined || !r.Txn.Approved || r.Txn.Code != "00" || r.Txn.AuthCode != "123456" || r.Txn.Message != "ok" ||
		o.State != OrderAuthorized || o.Authorized != 1000 || o.Captured != 0 || o.AuthAttempts != 2 || len(o.Txns) != 2 ||
		o.Holder != "Ayşe" || o.HostRef != "REF" {
		t.Fatalf("approved pre-auth = %+v", r)
	}

	// A used order id is refused and nothing is recorded.
	r = b.Charge("m", "o1", c, now)
	if got, _ := b.Get("m", "o1"); !r.Duplicate || got.AuthAttempts != 2 || len(got.Txns) != 2 || r.Order.AuthCode != "123456" {
		t.Fatalf("duplicate = %+v, order %+v", r, got)
	}

	c.Type = TxnAuth
	if r = b.Charge("m", "o2", c, now); r.Order.State != OrderCaptured || r.Order.Captured != 1000 || r.Order.CapturedAt != now {
		t.Fatalf("sale = %+v", r)
	}
}
