package garantisim

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/money"
)

// bankZone is the host's local time (Turkey, UTC+3 all year since 2016).
var bankZone = time.FixedZone("TRT", 3*60*60)

var (
	reOrderID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,36}$`)
	reAmount  = regexp.MustCompile(`^[0-9]{1,12}$`) // integer kuruş
	reExpiry  = regexp.MustCompile(`^(0[1-9]|1[0-2])[0-9]{2}$`)
	reCVV     = regexp.MustCompile(`^[0-9]{3,4}$`)
	reDigits  = regexp.MustCompile(`^[0-9]{12,19}$`)
)

func provDate(t time.Time) string { return t.In(bankZone).Format("20060102 15:04:05") }
func inqDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(bankZone).Format("2006-01-02 15:04:05.000")
}
func dayDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(bankZone).Format("20060102")
}

// requiredUser is the provisioning user each operation must run as.
func requiredUser(op string) string {
	if op == OpVoid || op == OpRefund {
		return userRfn
	}
	return userAut
}

func (s *Server) process(op string, req *gvpsRequest, parseErr error) reply {
	now := s.cfg.Now()
	if parseErr != nil || req.Version != "512" {
		return errorReply(req, now, errMandatory)
	}
	m, ok := s.authenticate(req, requiredUser(op))
	if !ok {
		return errorReply(req, now, errAuth)
	}
	if !reOrderID.MatchString(req.Order.OrderID) || !reAmount.MatchString(req.Transaction.Amount) {
		return errorReply(req, now, errMandatory)
	}
	switch op {
	case OpSales, OpPreAuth:
		return s.authorize(m, req, op, now)
	case OpPostAuth:
		return s.postAuth(m, req, now)
	case OpVoid:
		return s.void(m, req, now)
	case OpRefund:
		return s.refund(m, req, now)
	case OpOrderInq:
		return s.orderInq(m, req, now)
	case OpOrderHistory:
		return s.orderHistory(m, req, now)
	}
	return errorReply(req, now, errMandatory)
}

func baseReply(req *gvpsRequest, now time.Time) reply {
	var rep reply
	if req != nil {
		rep.Mode = req.Mode
		rep.Terminal.ProvUserID, rep.Terminal.UserID = req.Terminal.ProvUserID, req.Terminal.UserID
		rep.Terminal.ID, rep.Terminal.MerchantID = req.Terminal.ID, req.Terminal.MerchantID
		rep.Customer.IPAddress, rep.Customer.EmailAddress = req.Customer.IPAddress, req.Customer.EmailAddress
		rep.Order.OrderID, rep.Order.GroupID = req.Order.OrderID, req.Order.GroupID
	}
	rep.Transaction.ProvDate = provDate(now)
	return rep
}

func errorReply(req *gvpsRequest, now time.Time, e gvpsError) reply {
	rep := baseReply(req, now)
	r := &rep.Transaction.Response
	r.Source, r.Code, r.ReasonCode, r.Message = "GVPS", "92", e.Reason, "Declined"
	r.ErrorMsg, r.SysErrMsg = e.Message, "ErrorId: "+e.Reason
	return rep
}

func hostReply(req *gvpsRequest, t banksim.Txn, masked string) reply {
	rep := baseReply(req, t.Time)
	r := &rep.Transaction.Response
	r.Source, r.Code, r.ReasonCode = "HOST", t.Code, t.Code
	if t.Approved {
		r.Message = "Approved"
		rep.Transaction.AuthCode = t.AuthCode
	} else {
		r.Message, r.ErrorMsg, r.SysErrMsg = "Declined", t.Message, t.Message
	}
	rep.Transaction.RetrefNum = t.HostRef
	rep.Transaction.BatchNum = batchNum(t.Time)
	rep.Transaction.SequenceNum = fmt.Sprintf("%06d", rand.IntN(1000000))
	rep.Transaction.CardNumberMasked = masked
	return rep
}

// batchNum is the terminal's batch: one per day, as the end of day closes it.
func batchNum(t time.Time) string { return fmt.Sprintf("%06d", t.In(bankZone).YearDay()) }

// authCode is six digits, as Garanti's approval codes are.
func authCode() string { return fmt.Sprintf("%06d", rand.IntN(1000000)) }

// cardInput is a card as the bank received it, already validated.
type cardInput struct {
	pan    card.PAN
	expiry card.Expiry
}

func parseCard(number, mmyy, cvv string) (cardInput, bool) {
	if !reDigits.MatchString(number) || !reExpiry.MatchString(mmyy) || (cvv != "" && !reCVV.MatchString(cvv)) {
		return cardInput{}, false
	}
	pan, err := card.ParsePAN(number)
	if err != nil {
		return cardInput{}, false
	}
	mm, _ := strconv.Atoi(mmyy[:2])
	yy, _ := strconv.Atoi(mmyy[2:])
	exp, err := card.NewExpiry(mm, yy)
	if err != nil {
		return cardInput{}, false
	}
	return cardInput{pan, exp}, true
}

// sale is one sale or pre-auth to book, from the API or the 3D gate.
type sale struct {
	orderID  string
	typ      banksim.TxnType
	amount   money.Amount
	inst     int
	card     cardInput
	clientIP string
	email    string
}

// book runs a sale through the decline rules and the order book. A used
// order id is refused before reaching the issuer (Duplicate); after a
// decline it may be reused.
func (s *Server) book(m Merchant, sl sale, now time.Time) banksim.ChargeResult {
	return s.Book().Charge(m.TerminalID, sl.orderID, banksim.Charge{
		Type: sl.typ, Amount: sl.amount, Installments: sl.inst, PAN: sl.card.pan.Reveal(), Expiry: sl.card.expiry,
		Card: sl.card.pan.Masked(), Email: sl.email, ClientIP: sl.clientIP, AuthCode: authCode,
	}, now)
}

func (s *Server) authorize(m Merchant, req *gvpsRequest, op string, now time.Time) reply {
	tr := req.Transaction
	cur, ok := banksim.ParseCurrency(tr.CurrencyCode)
	if !ok {
		return errorReply(req, now, errCurrency)
	}
	minor, _ := strconv.ParseInt(tr.Amount, 10, 64)
	if minor <= 0 {
		return errorReply(req, now, errMandatory)
	}
	amount := money.New(minor, cur)
	inst, ok := banksim.ParseInstallments(tr.InstallmentCnt)
	if !ok || (inst > 1 && (cur.Code != money.TRY.Code || inst > m.maxInstallments())) {
		return errorReply(req, now, errInstallments)
	}
	var c cardInput
	if tr.CardholderPresentCode == "13" {
		// 3D model provisioning: the card is the one the gate authenticated.
		a, ok := s.takeAuth(m, req, amount)
		if !ok {
			return errorReply(req, now, err3D)
		}
		c = a.card
	} else if c, ok = parseCard(req.Card.Number, req.Card.ExpireDate, req.Card.CVV2); !ok {
		return errorReply(req, now, errCard)
	}
	typ := banksim.TxnAuth
	if op == OpPreAuth {
		typ = banksim.TxnPreAuth
	}
	res := s.book(m, sale{orderID: req.Order.OrderID, typ: typ, amount: amount, inst: inst, card: c,
		clientIP: req.Customer.IPAddress, email: req.Customer.EmailAddress}, now)
	if res.Duplicate {
		return errorReply(req, now, errDuplicate)
	}
	return hostReply(req, res.Txn, c.pan.Masked())
}

func (s *Server) postAuth(m Merchant, req *gvpsRequest, now time.Time) reply {
	var rep reply
	s.Book().Update(m.TerminalID, req.Order.OrderID, func(o *banksim.Order) *banksim.Order {
		if o == nil {
			rep = errorReply(req, now, errNotFound)
			return nil
		}
		amt, _ := strconv.ParseInt(req.Transaction.Amount, 10, 64)
		if o.Type != banksim.TxnPreAuth || o.State != banksim.OrderAuthorized || o.Settled || amt <= 0 || amt > o.Authorized {
			rep = errorReply(req, now, errNoCapture)
			return nil
		}
		if req.Transaction.CurrencyCode != money.MustCurrency(o.Currency).Numeric {
			rep = errorReply(req, now, errCurrency)
			return nil
		}
		t := banksim.Txn{Type: banksim.TxnPostAuth, Amount: amt, Approved: true, Code: "00", AuthCode: o.AuthCode,
			HostRef: banksim.NewHostRef(now), TransID: banksim.NewTransID(now), Time: now}
		o.MarkCaptured(amt, now)
		o.Txns = append(o.Txns, t)
		rep = hostReply(req, t, o.Card)
		return nil
	})
	return rep
}

// void cancels the order's sale or pre-auth (and its capture) on the same
// day. The request's Amount is Garanti's fixed placeholder and is ignored.
func (s *Server) void(m Merchant, req *gvpsRequest, now time.Time) reply {
	var rep reply
	s.Book().Update(m.TerminalID, req.Order.OrderID, func(o *banksim.Order) *banksim.Order {
		if !o.Voidable() || o.Refunded > 0 ||
			(req.Transaction.OriginalRetrefNum != "" && req.Transaction.OriginalRetrefNum != o.HostRef) {
			rep = errorReply(req, now, errNoVoid)
			return nil
		}
		amt := o.VoidAmount()
		t := banksim.Txn{Type: banksim.TxnVoid, Amount: amt, Approved: true, Code: "00", AuthCode: o.AuthCode,
			HostRef: banksim.NewHostRef(now), TransID: banksim.NewTransID(now), Time: now}
		o.MarkVoided(now)
		o.Txns = append(o.Txns, t)
		rep = hostReply(req, t, o.Card)
		return nil
	})
	return rep
}

func (s *Server) refund(m Merchant, req *gvpsRequest, now time.Time) reply {
	var rep reply
	s.Book().Update(m.TerminalID, req.Order.OrderID, func(o *banksim.Order) *banksim.Order {
		if o == nil {
			rep = errorReply(req, now, errNotFound)
			return nil
		}
		amt, _ := strconv.ParseInt(req.Transaction.Amount, 10, 64)
		fail := func(e gvpsError) {
			// Failed refunds stay in the order's history (Status 01).
			o.Txns = append(o.Txns, banksim.Txn{Type: banksim.TxnCredit, Amount: amt, Code: "92", ErrorCode: e.Reason,
				Message: e.Message, HostRef: banksim.NewHostRef(now), TransID: banksim.NewTransID(now), Time: now})
			rep = errorReply(req, now, e)
		}
		remaining := o.Captured - o.Refunded
		switch {
		case o.State != banksim.OrderCaptured && o.State != banksim.OrderPartiallyRefunded:
			fail(errRefundInvalid)
		case req.Transaction.CurrencyCode != money.MustCurrency(o.Currency).Numeric:
			fail(errCurrency)
		case amt <= 0 || remaining <= 0:
			fail(errRefundInvalid)
		case amt > remaining:
			fail(errRefundAmount)
		default:
			t := banksim.Txn{Type: banksim.TxnCredit, Amount: amt, Approved: true, Code: "00", AuthCode: authCode(),
				HostRef: banksim.NewHostRef(now), TransID: banksim.NewTransID(now), Time: now}
			o.AddRefund(amt)
			o.Txns = append(o.Txns, t)
			rep = hostReply(req, t, o.Card)
		}
		return nil
	})
	return rep
}

func gvpsApproved(req *gvpsRequest, now time.Time) reply {
	rep := baseReply(req, now)
	r := &rep.Transaction.Response
	r.Source, r.Code, r.Message = "GVPS", "00", "Approved"
	return rep
}

// orderInq describes the order's sale or pre-auth in Order/OrderInqResult.
func (s *Server) orderInq(m Merchant, req *gvpsRequest, now time.Time) reply {
	o, ok := s.Book().Get(m.TerminalID, req.Order.OrderID)
	if !ok {
		rep := errorReply(req, now, errNotFound)
		rep.Order.OrderInqResult = &orderInq{PreAuthAmount: "0", AuthAmount: "0", InstallmentCnt: "0", CardNumberMasked: "null", BatchNum: "0"}
		return rep
	}
	last := o.Txns[len(o.Txns)-1]
	for _, t := range o.Txns {
		if t.Approved && (t.Type == banksim.TxnAuth || t.Type == banksim.TxnPreAuth) {
			last = t
		}
	}
	inq := &orderInq{
		ChargeType: "S", PreAuthAmount: "0", AuthAmount: "0", RecurringInfo: "N",
		InstallmentCnt: strconv.Itoa(o.Installments), CardNumberMasked: o.Card,
		Code: last.Code, RetrefNum: last.HostRef, AuthCode: last.AuthCode, BatchNum: batchNum(last.Time), ProvDate: inqDate(last.Time),
	}
	if o.Installments <= 1 {
		inq.InstallmentCnt = "0"
	}
	if o.Type == banksim.TxnPreAuth && o.State != banksim.OrderDeclined {
		inq.PreAuthAmount, inq.PreAuthDate = strconv.FormatInt(o.Authorized, 10), inqDate(o.AuthorizedAt)
	}
	if !o.CapturedAt.IsZero() {
		inq.AuthAmount, inq.AuthDate = strconv.FormatInt(o.Captured, 10), inqDate(o.CapturedAt)
	}
	switch o.State {
	case banksim.OrderAuthorized:
		inq.Status = "WAITINGPOSTAUTH"
	case banksim.OrderCaptured, banksim.OrderPartiallyRefunded:
		inq.Status = "APPROVED"
	case banksim.OrderRefunded:
		inq.Status = "REFUNDED"
	case banksim.OrderVoided:
		inq.Status = "VOID"
	default:
		inq.Status = "DECLINED"
	}
	rep := gvpsApproved(req, now)
	rep.Order.OrderInqResult = inq
	return rep
}

var gvpsType = map[banksim.TxnType]string{
	banksim.TxnAuth: OpSales, banksim.TxnPreAuth: OpPreAuth, banksim.TxnPostAuth: OpPostAuth,
	banksim.TxnVoid: OpVoid, banksim.TxnCredit: OpRefund,
}

// orderHistory lists every transaction of the order, oldest first.
func (s *Server) orderHistory(m Merchant, req *gvpsRequest, now time.Time) reply {
	o, ok := s.Book().Get(m.TerminalID, req.Order.OrderID)
	if !ok {
		rep := errorReply(req, now, errNoOrder)
		rep.Order.OrderHistInqResult = &orderHistInq{}
		return rep
	}
	cur := money.MustCurrency(o.Currency).Numeric
	settled := "N"
	if o.Settled {
		settled = "Y"
	}
	h := &orderHistInq{}
	for _, t := range o.Txns {
		x := orderTxn{
			Type: gvpsType[t.Type], Status: "00", PreAuthAmount: "0", AuthAmount: strconv.FormatInt(t.Amount, 10),
			AuthDate: dayDate(t.Time), RetrefNum: t.HostRef, AuthCode: t.AuthCode, ReturnCode: t.Code,
			BatchNum: batchNum(t.Time), CurrencyCode: cur, Settlement: settled,
		}
		if !t.Approved {
			x.Status, x.CurrencyCode = "01", "0"
		}
		if t.Type == banksim.TxnPreAuth {
			x.PreAuthAmount, x.PreAuthDate, x.AuthAmount, x.AuthDate = x.AuthAmount, x.AuthDate, "0", ""
		}
		if t.Approved && (t.Type == banksim.TxnAuth || t.Type == banksim.TxnPreAuth) {
			x.VoidDate = dayDate(o.VoidedAt)
		}
		h.Txns = append(h.Txns, x)
	}
	rep := gvpsApproved(req, now)
	rep.Order.OrderHistInqResult = h
	return rep
}
