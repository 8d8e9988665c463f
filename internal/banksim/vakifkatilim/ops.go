package vakifkatilimsim

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/money"
)

// Order statuses of order queries (OrderStatus: the order's type, or in a
// SelectOrder row the transaction's; LastOrderStatus: where the order
// stands). 1, 4, 5 and 6 are the bank's (captured replies); 2 and 3 are
// this simulator's numbering for a pre-authorisation and its close.
const (
	statusSale          = "1"
	statusPreAuth       = "2"
	statusPreAuthClosed = "3"
	statusFullRefund    = "4"
	statusPartialRefund = "5"
	statusCancelled     = "6"
)

var statusText = map[string]string{
	statusSale: "Satis", statusPreAuth: "OnProvizyon", statusPreAuthClosed: "OnProvizyonKapama",
	statusFullRefund: "Iade", statusPartialRefund: "KismiIade", statusCancelled: "Iptal",
}

// pay is Non3DPayGate (sale) and PreAuthorizaten (pre-authorisation).
func (s *Server) pay(op string, mr Merchant, m *message, r *http.Request) *reply {
	if m.TransactionSecurity != "5" {
		return refuse(m, errSecurity)
	}
	p, bad := checkPayment(m)
	if bad != nil {
		return refuse(m, *bad)
	}
	pan, exp, ok := cardOf(m.CardNumber, m.CardExpireDateMonth, m.CardExpireDateYear)
	if !ok {
		return refuse(m, errCard)
	}
	typ := banksim.TxnAuth
	if op == OpPreAuth {
		typ = banksim.TxnPreAuth
	}
	return s.charge(mr, m, typ, p, pan, exp, m.CardHolderName, r.RemoteAddr)
}

// charge runs an Auth/PreAuth through the issuer rules and the book.
func (s *Server) charge(mr Merchant, m *message, typ banksim.TxnType, p payment, pan card.PAN, exp card.Expiry, holder, ip string) *reply {
	now := s.cfg.Now()
	res := s.Book().Charge(mr.MerchantID, p.orderID, banksim.Charge{
		Type: typ, Amount: p.amount, Installments: p.installments, PAN: pan.Reveal(), Expiry: exp,
		Card: pan.Masked(), Holder: holder, ClientIP: ip, ApprovedMessage: msgApproved,
		AuthCode: func() string { return banksim.NewAuthCode("0") },
	}, now)
	if res.Duplicate {
		return refuse(m, errDuplicate)
	}
	rp := &reply{
		ResponseCode: res.Txn.Code, ResponseMessage: res.Txn.Message, OrderID: res.Txn.TransID,
		TransactionTime: stamp(now), MerchantOrderID: p.orderID, ProvisionNumber: res.Txn.AuthCode,
		RRN: res.Txn.HostRef, Stan: stan(res.Txn.HostRef), IsEnrolled: true, BusinessKey: "0",
		VPosMessage: &echo{MerchantID: mr.MerchantID, MerchantOrderID: p.orderID, InstallmentCount: m.InstallmentCount,
			Amount: m.Amount, CurrencyCode: strings.TrimLeft(currencyCode(p.amount.Currency), "0"),
			TransactionSecurity: m.TransactionSecurity, APIVersion: m.APIVersion},
	}
	rp.HashData = mr.callbackHash(rp.MerchantOrderID, rp.ResponseCode, rp.OrderID)
	return rp
}

// done is the reply of an approved close, reversal or refund.
func done(m *message, o *banksim.Order, t banksim.Txn) *reply {
	return &reply{ResponseCode: "00", ResponseMessage: msgApproved, OrderID: o.TransID, MerchantOrderID: o.ID,
		ProvisionNumber: t.AuthCode, RRN: t.HostRef, Stan: stan(t.HostRef), TransactionTime: stamp(t.Time),
		IsEnrolled: true, BusinessKey: "0"}
}

// update finds the order m names (MerchantOrderId and the bank's OrderId)
// and runs fn on it under the book's lock; fn returns the transaction to
// record or a refusal.
func (s *Server) update(mr Merchant, m *message, fn func(o *banksim.Order, now time.Time) (banksim.Txn, *refusal)) *reply {
	now := s.cfg.Now()
	var rp *reply
	s.Book().Update(mr.MerchantID, m.MerchantOrderID, func(o *banksim.Order) *banksim.Order {
		if o == nil || o.State == banksim.OrderDeclined || o.TransID == "" || !eq(o.TransID, m.OrderID) {
			rp = refuse(m, errOrderNotFound)
			return nil
		}
		t, bad := fn(o, now)
		if bad != nil {
			rp = refuse(m, *bad)
			rp.OrderID = o.TransID
			return nil
		}
		t.Approved, t.Code, t.Time, t.TransID, t.HostRef, t.AuthCode = true, "00", now, o.TransID, banksim.NewHostRef(now), o.AuthCode
		t.Message = msgApproved
		o.Txns = append(o.Txns, t)
		rp = done(m, o, t)
		return nil
	})
	return rp
}

// amountOf reads an optional Amount: 0 when absent, -1 when malformed.
func amountOf(s string) int64 {
	if s == "" {
		return 0
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 {
		return -1
	}
	return v
}

// close is PreAuthorizatenClose: the whole pre-auth, or Amount of it.
func (s *Server) close(_ string, mr Merchant, m *message, _ *http.Request) *reply {
	amount := amountOf(m.Amount)
	return s.update(mr, m, func(o *banksim.Order, now time.Time) (banksim.Txn, *refusal) {
		switch {
		case o.State != banksim.OrderAuthorized:
			return banksim.Txn{}, &errCloseNotAllowed
		case amount < 0 || amount > o.Authorized:
			return banksim.Txn{}, &errAmountExceeded
		case amount == 0:
			amount = o.Authorized
		}
		o.MarkCaptured(amount, now)
		return banksim.Txn{Type: banksim.TxnPostAuth, Amount: amount}, nil
	})
}

// reverse is SaleReversal (a sale, or a closed pre-auth) and
// PreAuthorizationReversal (an open pre-auth), before the end of day. An
// Amount, when sent, must be what the reversal undoes.
func (s *Server) reverse(op string, mr Merchant, m *message, _ *http.Request) *reply {
	amount := amountOf(m.Amount)
	return s.update(mr, m, func(o *banksim.Order, now time.Time) (banksim.Txn, *refusal) {
		wantState := banksim.OrderCaptured
		if op == OpPreAuthReversal {
			wantState = banksim.OrderAuthorized
		}
		switch {
		case o.State != wantState:
			return banksim.Txn{}, &errCancelNotAllow
		case !o.Voidable():
			return banksim.Txn{}, &errBatchClosed
		case amount != 0 && amount != o.VoidAmount():
			return banksim.Txn{}, &errAmount
		}
		t := banksim.Txn{Type: banksim.TxnVoid, Amount: o.VoidAmount()}
		o.MarkVoided(now)
		return t, nil
	})
}

// drawBack is DrawBack (all that is left) and PartialDrawBack (Amount);
// once all is refunded, more is AmountExceeded.
func (s *Server) drawBack(op string, mr Merchant, m *message, _ *http.Request) *reply {
	amount := amountOf(m.Amount)
	return s.update(mr, m, func(o *banksim.Order, _ time.Time) (banksim.Txn, *refusal) {
		switch o.State {
		case banksim.OrderCaptured, banksim.OrderPartiallyRefunded, banksim.OrderRefunded:
		default: // nothing was captured, or it was cancelled
			return banksim.Txn{}, &errDrawBackNotAllw
		}
		left := o.Captured - o.Refunded
		if op == OpDrawBack {
			amount = left
		}
		if amount <= 0 || amount > left {
			return banksim.Txn{}, &errAmountExceeded
		}
		o.AddRefund(amount)
		return banksim.Txn{Type: banksim.TxnCredit, Amount: amount}, nil
	})
}

// orderContract is one order, or one transaction of it, as order queries
// report them (amounts as decimals).
type orderContract struct {
	OrderID                      string `xml:"OrderId"`
	MerchantOrderID              string `xml:"MerchantOrderId"`
	MerchantID                   string `xml:"MerchantId"`
	OrderStatus                  string `xml:"OrderStatus"`
	OrderStatusDescription       string `xml:"OrderStatusDescription"`
	OrderType                    string `xml:"OrderType"`
	TransactionStatus            string `xml:"TransactionStatus"`
	TransactionStatusDescription string `xml:"TransactionStatusDescription"`
	LastOrderStatus              string `xml:"LastOrderStatus"`
	LastOrderStatusDescription   string `xml:"LastOrderStatusDescription"`
	EndOfDayStatus               string `xml:"EndOfDayStatus"`
	FEC                          string `xml:"FEC"`
	FecDescription               string `xml:"FecDescription"`
	CardHolderName               string `xml:"CardHolderName"`
	CardNumber                   string `xml:"CardNumber"`
	OrderDate                    string `xml:"OrderDate"`
	FirstAmount                  string `xml:"FirstAmount"`
	TranAmount                   string `xml:"TranAmount"`
	CancelAmount                 string `xml:"CancelAmount"`
	DrawbackAmount               string `xml:"DrawbackAmount"`
	ClosedAmount                 string `xml:"ClosedAmount"`
	InstallmentCount             string `xml:"InstallmentCount"`
	ResponseCode                 string `xml:"ResponseCode"`
	ResponseExplain              string `xml:"ResponseExplain"`
	ProvNumber                   string `xml:"ProvNumber"`
	RRN                          string `xml:"RRN"`
	Stan                         string `xml:"Stan"`
}

// contract renders an order for SelectOrderByMerchantOrderId.
func contract(o *banksim.Order) orderContract {
	cur := money.MustCurrency(o.Currency)
	dec := func(v int64) string { return money.New(v, cur).Decimal() }
	first := statusSale
	if o.Type == banksim.TxnPreAuth {
		first = statusPreAuth
	}
	last, txStatus, code, explain := first, "1", "00", msgApproved
	var cancelled, closed int64
	for _, t := range o.Txns {
		if t.Type == banksim.TxnVoid {
			cancelled += t.Amount
		}
	}
	if o.Type == banksim.TxnPreAuth {
		closed = o.Captured
	}
	switch o.State {
	case banksim.OrderDeclined:
		txStatus, code, explain = "2", o.Txns[len(o.Txns)-1].Code, o.Txns[len(o.Txns)-1].Message
	case banksim.OrderVoided:
		last = statusCancelled
	case banksim.OrderRefunded:
		last = statusFullRefund
	case banksim.OrderPartiallyRefunded:
		last = statusPartialRefund
	case banksim.OrderCaptured:
		if o.Type == banksim.TxnPreAuth {
			last = statusPreAuthClosed
		}
	}
	first1 := o.Authorized
	if o.State == banksim.OrderDeclined {
		first1 = o.Txns[len(o.Txns)-1].Amount
	}
	oc := base(o)
	oc.OrderStatus, oc.OrderStatusDescription = first, statusText[first]
	oc.LastOrderStatus, oc.LastOrderStatusDescription = last, statusText[last]
	oc.TransactionStatus, oc.TransactionStatusDescription = txStatus, map[string]string{"1": "Basarili", "2": "Basarisiz"}[txStatus]
	oc.FirstAmount, oc.TranAmount, oc.ClosedAmount = dec(first1), dec(o.Captured), dec(closed)
	oc.CancelAmount, oc.DrawbackAmount = dec(cancelled), dec(o.Refunded)
	oc.ResponseCode, oc.ResponseExplain = code, explain
	return oc
}

// base is what every row of an order shares.
func base(o *banksim.Order) orderContract {
	cur := money.MustCurrency(o.Currency)
	eod, inst, typ := "1", "0", "1"
	if o.Settled {
		eod = "2"
	}
	if o.Installments > 1 {
		inst, typ = strconv.Itoa(o.Installments), "2"
	}
	return orderContract{
		OrderID: o.TransID, MerchantOrderID: o.ID, MerchantID: o.Merchant, OrderType: typ, EndOfDayStatus: eod,
		FEC: currencyCode(cur), FecDescription: cur.Code, CardHolderName: o.Holder, CardNumber: o.Card,
		OrderDate: stamp(o.CreatedAt), InstallmentCount: inst, ProvNumber: o.AuthCode, RRN: o.HostRef, Stan: stan(o.HostRef),
	}
}

// status is SelectOrderByMerchantOrderId.
func (s *Server) status(_ string, mr Merchant, m *message, _ *http.Request) *reply {
	o, ok := s.Book().Get(mr.MerchantID, m.MerchantOrderID)
	if !ok {
		return refuse(m, errNoResult)
	}
	return &reply{ResponseCode: "00", MerchantOrderID: m.MerchantOrderID, OrderID: o.TransID, BusinessKey: "0",
		Orders: &orders{Contracts: []orderContract{contract(&o)}}}
}

// history is SelectOrder: one row per transaction between StartDate and
// EndDate (at most 90 days), optionally of one OrderNo / ProvNumber, paged
// by LowerLimit and UpperLimit.
func (s *Server) history(_ string, mr Merchant, m *message, _ *http.Request) *reply {
	start, err1 := time.ParseInLocation(time.DateOnly, m.StartDate, turkey)
	end, err2 := time.ParseInLocation(time.DateOnly, m.EndDate, turkey)
	if err1 != nil || err2 != nil || end.Before(start) || end.Sub(start) > 90*24*time.Hour {
		return refuse(m, errDateRange)
	}
	end = end.AddDate(0, 0, 1)
	var rows []orderContract
	for _, o := range s.Book().All() {
		if o.Merchant != mr.MerchantID || (m.OrderNo != "" && o.TransID != m.OrderNo) || (m.ProvNumber != "" && o.AuthCode != m.ProvNumber) {
			continue
		}
		order := contract(&o)
		for _, t := range o.Txns {
			if t.Time.Before(start) || !t.Time.Before(end) {
				continue
			}
			row := base(&o)
			row.OrderStatus = map[banksim.TxnType]string{banksim.TxnAuth: statusSale, banksim.TxnPreAuth: statusPreAuth,
				banksim.TxnPostAuth: statusPreAuthClosed, banksim.TxnVoid: statusCancelled, banksim.TxnCredit: statusPartialRefund}[t.Type]
			if t.Type == banksim.TxnCredit && t.Amount == o.Captured {
				row.OrderStatus = statusFullRefund
			}
			row.OrderStatusDescription = statusText[row.OrderStatus]
			row.LastOrderStatus, row.LastOrderStatusDescription = order.LastOrderStatus, order.LastOrderStatusDescription
			row.TransactionStatus, row.TransactionStatusDescription = "1", "Basarili"
			if !t.Approved {
				row.TransactionStatus, row.TransactionStatusDescription = "2", "Basarisiz"
			}
			cur := money.MustCurrency(o.Currency)
			row.TranAmount, row.FirstAmount = money.New(t.Amount, cur).Decimal(), order.FirstAmount
			row.OrderDate, row.ResponseCode, row.ResponseExplain = stamp(t.Time), t.Code, t.Message
			row.ProvNumber, row.RRN, row.Stan = t.AuthCode, t.HostRef, stan(t.HostRef)
			rows = append(rows, row)
		}
	}
	lower, _ := strconv.Atoi(m.LowerLimit)
	upper, err := strconv.Atoi(m.UpperLimit)
	if err != nil || upper <= 0 || upper > 100 {
		upper = 100
	}
	lower = min(max(lower, 0), len(rows))
	rows = rows[lower:min(lower+upper, len(rows))]
	if len(rows) == 0 {
		return refuse(m, errNoResult)
	}
	return &reply{ResponseCode: "00", OrderID: "0", BusinessKey: "0", Orders: &orders{Contracts: rows}}
}
