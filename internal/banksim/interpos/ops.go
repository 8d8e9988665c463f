package interpossim

import (
	"net/http"
	"regexp"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/money"
)

// bankZone is the host's local time (Turkey, UTC+3 all year since 2016).
var bankZone = time.FixedZone("TRT", 3*60*60)

// dateLayout is how the host writes TRXDATE and VoidDate ("09.08.2024 10:40:34").
const dateLayout = "02.01.2006 15:04:05"

// noDate is the host's empty date (.NET's DateTime.MinValue).
const noDate = "1.1.0001 00:00:00"

var (
	reOrderID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	// PurchAmount is a dot decimal with up to two decimals.
	reAmount   = regexp.MustCompile(`^[0-9]{1,12}(\.[0-9]{1,2})?$`)
	reCVV      = regexp.MustCompile(`^[0-9]{3,4}$`)
	rePAN      = regexp.MustCompile(`^[0-9]{12,19}$`)
	reCardType = regexp.MustCompile(`^[0-3]?$`)
)

// outcome is the result of one processed transaction.
type outcome struct {
	code, errCode, msg, authCode, hostRef, transID string
	amount                                         string // decimal comma
	now                                            time.Time
}

func failed(e ipError) outcome { return outcome{code: codePlatform, errCode: e.Code, msg: e.Message} }

// reply renders a payment reply in the bank's field order.
func (o outcome) reply(orderID string) reply {
	result, date := "Failed", ""
	if o.code == "00" {
		result, date = "Success", o.now.In(bankZone).Format(dateLayout)
	}
	msg := o.msg
	if o.code == "00" {
		msg = ""
	}
	amount := o.amount
	if amount == "" {
		amount = "0"
	}
	return reply{
		{"OrderId", orderID}, {"ProcReturnCode", o.code}, {"HostRefNum", o.hostRef}, {"AuthCode", o.authCode},
		{"TxnResult", result}, {"ErrorMessage", msg}, {"CampanyId", ""}, {"CampanyInstallCount", "0"},
		{"TRXDATE", date}, {"TransId", o.transID}, {"ErrorCode", o.errCode}, {"SurchargeAmount", "0"},
		{"Amount", amount}, {"CardHolderName", ""},
	}
}

func (s *Server) handleAPI(w http.ResponseWriter, r *http.Request) {
	req := request{r.PostForm}
	op := req.op()
	s.Respond(w, r, op, contentType, func() []byte {
		rep := s.process(op, req)
		s.Log().Info("interpossim", "op", op, "order", req.order(), "code", rep.get("ProcReturnCode"), "error", rep.get("ErrorCode"))
		return rep.encode()
	})
}

func (s *Server) process(op string, req request) reply {
	now := s.cfg.Now()
	m, ok := s.Merchant(req.get("ShopCode"))
	if !ok {
		return failed(errTerminal).reply(req.order())
	}
	if !eq(req.get("UserCode"), m.UserCode) || !eq(req.get("UserPass"), m.UserPass) {
		return failed(errCredentials).reply(req.order())
	}
	if req.get("SecureType") != "NonSecure" {
		return failed(errTxnType).reply(req.order())
	}
	if !reOrderID.MatchString(req.order()) {
		return failed(errOrderID).reply(req.order())
	}
	var o outcome
	switch op {
	case OpAuth, OpPreAuth:
		o = s.authorizeAPI(m, req, now)
	case Op3DPayment:
		o = s.provision3D(m, req, now)
	case OpPostAuth:
		o = s.postAuth(m, req, now)
	case OpVoid:
		o = s.void(m, req, now)
	case OpRefund:
		o = s.refund(m, req, now)
	case OpStatusHistory:
		return s.status(m, req.order())
	default:
		o = failed(errTxnType)
	}
	o.now = now
	return o.reply(req.order())
}

func parseAmount(s string, c money.Currency) (money.Amount, bool) {
	return banksim.ParseAmount(reAmount, s, c)
}

// comma writes an amount as the bank does in replies: "1,01".
func comma(minor int64, cur string) string {
	return money.New(minor, money.MustCurrency(cur)).DecimalSep(",")
}

// payment is a validated Auth/PreAuth, from the API or the 3D gate.
type payment struct {
	orderID string
	typ     banksim.TxnType
	amount  money.Amount
	inst    int
	card    card.PAN
	exp     card.Expiry
}

// validate checks the order fields and the card as the host does.
func validate(m Merchant, typ, amount, cur, inst, pan, expiry, cvv, cardType string) (payment, *ipError) {
	p := payment{typ: banksim.TxnType(typ)}
	if p.typ != banksim.TxnAuth && p.typ != banksim.TxnPreAuth {
		return p, &errTxnType
	}
	c, ok := banksim.ParseCurrency(cur)
	if !ok {
		return p, &errCurrency
	}
	if p.amount, ok = parseAmount(amount, c); !ok {
		return p, &errAmount
	}
	parsed, err := card.ParsePAN(pan)
	if !rePAN.MatchString(pan) || err != nil || !reCardType.MatchString(cardType) {
		return p, &errPAN
	}
	p.card = parsed
	if p.exp, ok = banksim.ParseMMYY(expiry); !ok {
		return p, &errExpiry
	}
	if !reCVV.MatchString(cvv) {
		return p, &errCVV
	}
	p.inst, ok = banksim.ParseInstallments(inst)
	if !ok || (p.inst > 1 && (c.Code != money.TRY.Code || p.inst > m.maxInstallments())) {
		return p, &errInstallments
	}
	return p, nil
}

func (s *Server) authorizeAPI(m Merchant, req request, now time.Time) outcome {
	p, perr := validate(m, req.get("TxnType"), req.get("PurchAmount"), req.get("Currency"), req.get("InstallmentCount"),
		req.get("Pan"), req.get("Expiry"), req.get("Cvv2"), req.get("CardType"))
	if perr != nil {
		return failed(*perr)
	}
	p.orderID = req.get("OrderId")
	return s.charge(m, p, now)
}

// charge runs an Auth/PreAuth through the issuer and records it. An order
// id with an approved (or voided, refunded...) transaction is refused; after
// a decline it may be reused.
func (s *Server) charge(m Merchant, p payment, now time.Time) outcome {
	r := s.Book().Charge(m.ShopCode, p.orderID, banksim.Charge{
		Type: p.typ, Amount: p.amount, Installments: p.inst, PAN: decidePAN(p), Expiry: p.exp, Card: p.card.Masked(),
		AuthCode: func() string { return banksim.NewAuthCode("D") }, ApprovedMessage: msgApproved,
	}, now)
	t, amount := r.Txn, p.amount.DecimalSep(",")
	switch {
	case r.Duplicate:
		return failed(errDuplicate) // refused before reaching the issuer
	case r.Declined:
		return outcome{code: t.Code, msg: t.Message, hostRef: t.HostRef, transID: t.TransID, amount: amount}
	}
	return outcome{code: "00", msg: msgApproved, authCode: t.AuthCode, hostRef: t.HostRef, transID: t.TransID, amount: amount}
}

// decidePAN is the card number the shared decline triggers see. Denizbank's
// published sandbox card ends in 0057, which the card-ending rule would
// decline with code 57; it is approved, as on the bank's sandbox, so only the
// expiry and amount triggers apply to it.
func decidePAN(p payment) string {
	if pan := p.card.Reveal(); pan != TestCard.PAN {
		return pan
	}
	return "" // Decide skips the card-ending rule for a number it cannot read
}

func approve(o *banksim.Order, typ banksim.TxnType, amount int64, now time.Time) outcome {
	t := banksim.Txn{Type: typ, Amount: amount, Approved: true, Code: "00", Message: msgApproved, AuthCode: banksim.NewAuthCode("D"),
		HostRef: banksim.NewHostRef(now), TransID: banksim.NewTransID(now), Time: now}
	o.Txns = append(o.Txns, t)
	return outcome{code: "00", msg: msgApproved, authCode: t.AuthCode, hostRef: t.HostRef, transID: t.TransID, amount: comma(amount, o.Currency)}
}

// refuse records a refused follow-up in the order's history, as real hosts
// keep them, and returns it.
func refuse(o *banksim.Order, typ banksim.TxnType, amount int64, e ipError, now time.Time) outcome {
	o.Txns = append(o.Txns, banksim.Txn{Type: typ, Amount: amount, Code: codePlatform, ErrorCode: e.Code, Message: e.Message,
		TransID: banksim.NewTransID(now), Time: now})
	return failed(e)
}

func (s *Server) postAuth(m Merchant, req request, now time.Time) outcome {
	var out outcome
	s.Book().Update(m.ShopCode, req.order(), func(o *banksim.Order) *banksim.Order {
		if o == nil || o.Type != banksim.TxnPreAuth || o.State != banksim.OrderAuthorized || o.Settled {
			out = failed(errNotFound)
			return nil
		}
		cur := money.MustCurrency(o.Currency)
		a, ok := parseAmount(req.get("PurchAmount"), cur)
		switch {
		case req.get("Currency") != cur.Numeric:
			out = refuse(o, banksim.TxnPostAuth, 0, errCurrency, now)
		case !ok:
			out = refuse(o, banksim.TxnPostAuth, 0, errAmount, now)
		case a.Minor > o.Authorized:
			out = refuse(o, banksim.TxnPostAuth, a.Minor, errCaptureAmount, now)
		default:
			out = approve(o, banksim.TxnPostAuth, a.Minor, now)
			o.MarkCaptured(a.Minor, now)
		}
		return nil
	})
	return out
}

func (s *Server) void(m Merchant, req request, now time.Time) outcome {
	var out outcome
	s.Book().Update(m.ShopCode, req.order(), func(o *banksim.Order) *banksim.Order {
		switch {
		case !o.Voidable():
			out = failed(errNotFound)
			return nil
		case o.Refunded > 0:
			out = refuse(o, banksim.TxnVoid, 0, errVoidRefunded, now)
			return nil
		}
		amt := o.VoidAmount()
		out = approve(o, banksim.TxnVoid, amt, now)
		o.MarkVoided(now)
		return nil
	})
	return out
}

func (s *Server) refund(m Merchant, req request, now time.Time) outcome {
	var out outcome
	s.Book().Update(m.ShopCode, req.order(), func(o *banksim.Order) *banksim.Order {
		if o == nil {
			out = failed(errNotFound)
			return nil
		}
		cur := money.MustCurrency(o.Currency)
		a, ok := parseAmount(req.get("PurchAmount"), cur)
		c := req.get("Currency")
		switch {
		case o.State != banksim.OrderCaptured && o.State != banksim.OrderPartiallyRefunded && o.State != banksim.OrderRefunded:
			out = refuse(o, banksim.TxnCredit, a.Minor, errNotFound, now)
		case !ok:
			out = refuse(o, banksim.TxnCredit, 0, errAmount, now)
		case c != "" && c != cur.Numeric:
			out = refuse(o, banksim.TxnCredit, a.Minor, errCurrency, now)
		case a.Minor > o.Captured-o.Refunded:
			out = refuse(o, banksim.TxnCredit, a.Minor, errRefundAmount, now)
		default:
			out = approve(o, banksim.TxnCredit, a.Minor, now)
			o.AddRefund(a.Minor)
		}
		return nil
	})
	return out
}

// status answers StatusHistory in the shape of the bank's (captured)
// failure replies; the meaning of the fields in a success reply is the one
// Kasa's adapter documents: ChargeTypeCd the order's Auth/PreAuth, TxnStat
// Y/N its result, TxnStatus A (open pre-auth), C (completed), V (voided) or
// D (declined), PurchAmount the current (captured, else authorised) amount,
// RefundedAmount the sum refunded, both with a decimal comma.
func (s *Server) status(m Merchant, orderID string) reply {
	o, ok := s.Book().Get(m.ShopCode, orderID)
	if !ok {
		e := errNotFound
		return reply{
			{"OrderId", orderID}, {"ProcReturnCode", codePlatform}, {"BatchNo", ""}, {"TransId", ""}, {"TRXDATE", ""},
			{"TxnStat", ""}, {"PurchAmount", "0"}, {"VoidDate", noDate}, {"TxnStatus", ""}, {"ChargeTypeCd", ""},
			{"ErrorCode", e.Code}, {"ErrorMessage", "TR:" + e.Message}, {"RefundedAmount", "0"}, {"AuthCode", ""},
		}
	}
	var main *banksim.Txn
	for i := range o.Txns {
		if t := &o.Txns[i]; t.Type == banksim.TxnAuth || t.Type == banksim.TxnPreAuth {
			main = t
		}
	}
	stat, txnStat, amount := "D", "N", int64(0)
	switch o.State {
	case banksim.OrderAuthorized:
		stat, txnStat, amount = "A", "Y", o.Authorized
	case banksim.OrderCaptured, banksim.OrderPartiallyRefunded, banksim.OrderRefunded:
		stat, txnStat, amount = "C", "Y", o.Captured
	case banksim.OrderVoided:
		stat, txnStat, amount = "V", "Y", o.Authorized
		if o.Type == banksim.TxnAuth {
			amount = o.Captured
		}
	}
	voidDate := noDate
	if !o.VoidedAt.IsZero() {
		voidDate = o.VoidedAt.In(bankZone).Format(dateLayout)
	}
	return reply{
		{"OrderId", o.ID}, {"ProcReturnCode", "00"}, {"BatchNo", "1"}, {"TransId", main.TransID},
		{"TRXDATE", main.Time.In(bankZone).Format(dateLayout)}, {"TxnStat", txnStat}, {"PurchAmount", comma(amount, o.Currency)},
		{"VoidDate", voidDate}, {"TxnStatus", stat}, {"ChargeTypeCd", string(o.Type)}, {"ErrorCode", ""}, {"ErrorMessage", ""},
		{"RefundedAmount", comma(o.Refunded, o.Currency)}, {"AuthCode", main.AuthCode},
	}
}
