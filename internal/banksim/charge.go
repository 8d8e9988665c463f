package banksim

import (
	"time"

	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/money"
)

// Charge is an Auth or PreAuth as a simulator validated it, ready to run
// through the issuer's decline rules and the book.
type Charge struct {
	Type         TxnType // TxnAuth or TxnPreAuth
	Amount       money.Amount
	Installments int
	// PAN is the full card number Decide sees; "" skips its card-ending rule.
	PAN    string
	Expiry card.Expiry
	// Order details kept on the order; Card is masked.
	Card, Holder, Email, ClientIP string

	// HostRef makes the transaction's host reference (NewHostRef if nil);
	// AuthCode makes an approval code (called only when approved).
	HostRef  func(now time.Time) string
	AuthCode func() string
	// ApprovedMessage is the Txn message of an approval (often empty).
	ApprovedMessage string
	// DeclinePrefix is put before the decline code in the recorded Txn
	// (PosNet's "00"+code); DeclineErrorCode, if set, is its ErrorCode.
	DeclinePrefix, DeclineErrorCode string
}

// ChargeResult is what Book.Charge did.
type ChargeResult struct {
	// Duplicate: the order id was already used (anything but declined
	// attempts); the charge was refused before reaching the issuer and
	// nothing was recorded. Order is then the order as it stands.
	Duplicate bool
	Declined  bool
	Decline   Decline // when Declined
	Txn       Txn     // the recorded transaction
	Order     Order   // a copy of the order afterwards
}

// Charge runs an Auth/PreAuth for (merchant, id): a used order id is
// refused, as at real banks; after a decline the id may be reused. The
// attempt is recorded approved or declined per Decide; an approved Auth is
// captured at once, an approved PreAuth holds the amount.
func (b *Book) Charge(merchant, id string, c Charge, now time.Time) ChargeResult {
	var res ChargeResult
	b.Update(merchant, id, func(o *Order) *Order {
		if o != nil && o.State != OrderDeclined {
			res.Duplicate, res.Order = true, o.clone()
			return nil
		}
		created := o == nil
		if created {
			o = &Order{CreatedAt: now}
		}
		o.Type, o.Currency, o.Installments = c.Type, c.Amount.Currency.Code, c.Installments
		o.Card, o.Holder, o.Email, o.ClientIP = c.Card, c.Holder, c.Email, c.ClientIP
		o.AuthAttempts++
		hostRef := NewHostRef
		if c.HostRef != nil {
			hostRef = c.HostRef
		}
		t := Txn{Type: c.Type, Amount: c.Amount.Minor, TransID: NewTransID(now), HostRef: hostRef(now), Time: now}
		if d, declined := Decide(c.PAN, c.Expiry, c.Amount, now); declined {
			t.Code, t.ErrorCode, t.Message = c.DeclinePrefix+d.Code, c.DeclineErrorCode, d.Message
			o.State = OrderDeclined
			res.Declined, res.Decline = true, d
		} else {
			t.Approved, t.Code, t.AuthCode, t.Message = true, "00", c.AuthCode(), c.ApprovedMessage
			o.Authorized, o.AuthorizedAt = c.Amount.Minor, now
			o.AuthCode, o.HostRef, o.TransID = t.AuthCode, t.HostRef, t.TransID
			if c.Type == TxnAuth {
				o.MarkCaptured(c.Amount.Minor, now)
			} else {
				o.State = OrderAuthorized
			}
		}
		o.Txns = append(o.Txns, t)
		res.Txn, res.Order = t, o.clone()
		if created {
			return o
		}
		return nil
	})
	return res
}
