package banksim

import (
	"regexp"
	"testing"
)

func TestBook(t *testing.T) {
	b := NewBook()
	b.Update("m1", "O1", func(o *Order) *Order {
		if o != nil {
			t.Fatal("order exists")
		}
		return &Order{Type: TxnAuth, State: OrderCaptured, Currency: "TRY", Authorized: 1000, Captured: 1000, AuthAttempts: 1,
			Txns: []Txn{{Type: TxnAuth, Amount: 1000, Approved: true, Code: "00"}}}
	})
	b.Update("m2", "O1", func(o *Order) *Order {
		return &Order{Type: TxnPreAuth, State: OrderAuthorized, Currency: "USD", Authorized: 500, AuthAttempts: 2,
			Txns: []Txn{{Type: TxnPreAuth, Amount: 500, Code: "51"}, {Type: TxnPreAuth, Amount: 500, Approved: true, Code: "00"}}}
	})
	b.Update("m1", "O2", func(o *Order) *Order {
		return &Order{Type: TxnAuth, State: OrderVoided, Currency: "TRY", Authorized: 700, Captured: 700}
	})
	b.Update("m1", "O3", func(o *Order) *Order {
		return &Order{Type: TxnAuth, State: OrderPartiallyRefunded, Currency: "TRY", Authorized: 900, Captured: 900, Refunded: 400}
	})

	o, ok := b.Get("m1", "O1")
	if !ok || o.Merchant != "m1" || o.ID != "O1" || o.Captured != 1000 {
		t.Fatalf("get %+v", o)
	}
	// Copies do not alias the book.
	o.Txns[0].Amount = 1
	if again, _ := b.Get("m1", "O1"); again.Txns[0].Amount != 1000 {
		t.Error("Get returned an alias")
	}
	// In-place update.
	b.Update("m1", "O1", func(o *Order) *Order { o.Refunded = 250; o.State = OrderPartiallyRefunded; return nil })
	if o, _ := b.Get("m1", "O1"); o.Refunded != 250 {
		t.Error("in-place update lost")
	}

	if n := len(b.Find("O1")); n != 2 {
		t.Errorf("Find: %d", n)
	}
	if b.AuthAttempts("O1") != 3 || b.ApprovedAuths("O1") != 2 {
		t.Errorf("counters: %d %d", b.AuthAttempts("O1"), b.ApprovedAuths("O1"))
	}
	tot := b.ApprovedTotal()
	if tot["TRY"] != 750+500 || tot["USD"] != 500 {
		t.Errorf("approved total %v", tot)
	}
	if n := b.CloseBatch(); n != 3 {
		t.Errorf("settled %d", n)
	}
	if o, _ := b.Get("m1", "O2"); o.Settled {
		t.Error("voided order settled")
	}
	if all := b.All(); len(all) != 4 || all[0].ID != "O1" || all[3].ID != "O3" {
		t.Errorf("All order: %v", all)
	}
	b.Reset()
	if len(b.All()) != 0 {
		t.Error("reset kept orders")
	}
}

func TestIDs(t *testing.T) {
	if s := NewHostRef(now); !regexp.MustCompile(`^6327\d{8}$`).MatchString(s) {
		t.Errorf("host ref %q", s)
	}
	if s := NewTransID(now); !regexp.MustCompile(`^26327[A-Za-z0-9]{9}$`).MatchString(s) {
		t.Errorf("trans id %q", s)
	}
	if s := NewAuthCode("P"); !regexp.MustCompile(`^P\d{5}$`).MatchString(s) {
		t.Errorf("auth code %q", s)
	}
}
