package payforsim

import (
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
	reOrderID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	// PurchAmount is a dot decimal with up to two decimals.
	reAmount = regexp.MustCompile(`^[0-9]{1,12}(\.[0-9]{1,2})?$`)
	reCVV    = regexp.MustCompile(`^[0-9]{3,4}$`)
	rePAN    = regexp.MustCompile(`^[0-9]{12,19}$`)
)

// outcome is the result of one processed transaction.
type outcome struct {
	code, msg, authCode, hostRef, transID string
}

func failed(e pfError) outcome { return outcome{code: e.Code, msg: e.Message} }

func (o outcome) reply(holder string) reply {
	return reply{
		{"AuthCode", o.authCode},
		{"HostRefNum", o.hostRef},
		{"ProcReturnCode", o.code},
		{"TransId", o.transID},
		{"ErrMsg", o.msg},
		{"CardHolderName", holder},
	}
}

func (s *Server) process(op string, req *payforRequest, parseErr error) ([]byte, string) {
	now := s.cfg.Now()
	if parseErr != nil {
		return failed(errRequest).reply("").encode(), errRequest.Code
	}
	if op == Op3DModelPayment {
		o := s.provision3D(req, now)
		return o.reply("").encode(), o.code
	}
	m, ok := s.authenticate(req)
	if !ok {
		return failed(errCredentials).reply("").encode(), errCredentials.Code
	}
	if !reOrderID.MatchString(req.order()) {
		return failed(errOrderID).reply("").encode(), errOrderID.Code
	}
	var o outcome
	switch op {
	case OpAuth, OpPreAuth:
		o = s.authorizeAPI(m, req, banksim.TxnType(op), now)
	case OpPostAuth:
		o = s.postAuth(m, req, now)
	case OpVoid:
		o = s.void(m, req, now)
	case OpRefund:
		o = s.refund(m, req, now)
	case OpOrderInquiry:
		rep := s.inquiry(m, req.order(), now)
		return rep.encode(), rep.get("ProcReturnCode")
	case OpTxnHistory:
		return s.history(m, req.order()), "00"
	default:
		o = failed(errTxnType)
	}
	return o.reply(req.CardHolderName).encode(), o.code
}

func parseAmount(s string, c money.Currency) (money.Amount, bool) {
	return banksim.ParseAmount(reAmount, s, c)
}

// payment is a validated Auth/PreAuth, from the API or the 3D gate.
type payment struct {
	orderID string
	typ     banksim.TxnType
	amount  money.Amount
	inst    int
	card    card.PAN
	exp     card.Expiry
	holder  string
}

// validate checks the order fields and the card as the host does.
func validate(m Merchant, typ, amount, cur, inst, pan, expiry, cvv string) (payment, *pfError) {
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
	if !rePAN.MatchString(pan) {
		return p, &errPAN
	}
	parsed, err := card.ParsePAN(pan)
	if err != nil {
		return p, &errPAN
	}
	p.card = parsed
	if p.exp, ok = banksim.ParseMMYY(expiry); !ok {
		return p, &errExpiry
	}
	if cvv != "" && !reCVV.MatchString(cvv) {
		return p, &errCVV
	}
	p.inst, ok = banksim.ParseInstallments(inst)
	if !ok || (p.inst > 1 && (c.Code != money.TRY.Code || p.inst > m.maxInstallments())) {
		return p, &errInstallments
	}
	return p, nil
}

func (s *Server) authorizeAPI(m Merchant, req *payforRequest, typ banksim.TxnType, now time.Time) outcome {
	p, perr := validate(m, string(typ), req.PurchAmount, req.Currency, req.InstallmentCount, req.Pan, req.Expiry, req.Cvv2)
	if perr != nil {
		return failed(*perr)
	}
	p.orderID, p.holder = req.OrderID, req.CardHolderName
	return s.charge(m, p, now)
}

// charge runs an Auth/PreAuth through the issuer and records it.
func (s *Server) charge(m Merchant, p payment, now time.Time) outcome {
	r := s.Book().Charge(m.MerchantID, p.orderID, banksim.Charge{
		Type: p.typ, Amount: p.amount, Installments: p.inst, PAN: p.card.Reveal(), Expiry: p.exp,
		Card: p.card.Masked(), Holder: p.holder,
		AuthCode: func() string { return banksim.NewAuthCode("S") }, ApprovedMessage: msgApproved,
	}, now)
	t := r.Txn
	switch {
	case r.Duplicate:
		return failed(errDuplicate) // refused before reaching the issuer
	case r.Declined:
		return outcome{code: t.Code, msg: t.Message, hostRef: t.HostRef, transID: t.TransID}
	}
	return outcome{code: "00", msg: msgApproved, authCode: t.AuthCode, hostRef: t.HostRef, transID: t.TransID}
}

func approve(o *banksim.Order, typ banksim.TxnType, amount int64, authCode string, now time.Time) (banksim.Txn, outcome) {
	t := banksim.Txn{Type: typ, Amount: amount, Approved: true, Code: "00", Message: msgApproved, AuthCode: authCode,
		HostRef: banksim.NewHostRef(now), TransID: banksim.NewTransID(now), Time: now}
	o.Txns = append(o.Txns, t)
	return t, outcome{code: "00", msg: msgApproved, authCode: t.AuthCode, hostRef: t.HostRef, transID: t.TransID}
}

func (s *Server) postAuth(m Merchant, req *payforRequest, now time.Time) outcome {
	var out outcome
	s.Book().Update(m.MerchantID, req.OrgOrderID, func(o *banksim.Order) *banksim.Order {
		if o == nil || o.Type != banksim.TxnPreAuth || o.State != banksim.OrderAuthorized || o.Settled {
			out = failed(errNotFound)
			return nil
		}
		cur := money.MustCurrency(o.Currency)
		if req.Currency != cur.Numeric {
			out = failed(errCurrency)
			return nil
		}
		a, ok := parseAmount(req.PurchAmount, cur)
		switch {
		case !ok:
			out = failed(errAmount)
		case a.Minor > o.Authorized:
			out = failed(errCaptureAmount)
		default:
			_, out = approve(o, banksim.TxnPostAuth, a.Minor, banksim.NewAuthCode("S"), now)
			o.MarkCaptured(a.Minor, now)
		}
		return nil
	})
	return out
}

func (s *Server) void(m Merchant, req *payforRequest, now time.Time) outcome {
	var out outcome
	s.Book().Update(m.MerchantID, req.OrgOrderID, func(o *banksim.Order) *banksim.Order {
		switch {
		case !o.Voidable():
			out = failed(errNotFound)
			return nil
		case o.Refunded > 0:
			out = failed(errVoidRefunded)
			return nil
		case req.Currency != "" && req.Currency != money.MustCurrency(o.Currency).Numeric:
			out = failed(errCurrency)
			return nil
		}
		amt := o.VoidAmount()
		_, out = approve(o, banksim.TxnVoid, amt, banksim.NewAuthCode("S"), now)
		o.MarkVoided(now)
		return nil
	})
	return out
}

func (s *Server) refund(m Merchant, req *payforRequest, now time.Time) outcome {
	var out outcome
	s.Book().Update(m.MerchantID, req.OrgOrderID, func(o *banksim.Order) *banksim.Order {
		if o == nil {
			out = failed(errNotFound)
			return nil
		}
		cur := money.MustCurrency(o.Currency)
		a, ok := parseAmount(req.PurchAmount, cur)
		if !ok {
			out = failed(errAmount)
			return nil
		}
		fail := func(e pfError) {
			// Refused refunds stay in the order's history, as on real hosts.
			o.Txns = append(o.Txns, banksim.Txn{Type: banksim.TxnCredit, Amount: a.Minor, Code: e.Code, ErrorCode: e.Code,
				Message: e.Message, TransID: banksim.NewTransID(now), Time: now})
			out = failed(e)
		}
		remaining := o.Captured - o.Refunded
		switch {
		case o.State != banksim.OrderCaptured && o.State != banksim.OrderPartiallyRefunded && o.State != banksim.OrderRefunded:
			fail(errNotFound)
		case req.Currency != cur.Numeric:
			fail(errCurrency)
		case s.cfg.RefundRequiresSettlement && !o.Settled:
			fail(errRefundSameDay)
		case a.Minor > remaining:
			fail(errRefundAmount)
		default:
			_, out = approve(o, banksim.TxnCredit, a.Minor, banksim.NewAuthCode("S"), now)
			o.AddRefund(a.Minor)
		}
		return nil
	})
	return out
}

func decimal(minor int64, cur string) string {
	return money.New(minor, money.MustCurrency(cur)).Decimal()
}

// txnName is PayFor's TxnType of a book transaction.
func txnName(t banksim.TxnType) string {
	if t == banksim.TxnCredit {
		return "Refund"
	}
	return string(t)
}

// txnStatus is PayFor's TxnStatus: Y done, N failed, V done and voided later.
func txnStatus(o *banksim.Order, t banksim.Txn) string {
	switch {
	case !t.Approved:
		return "N"
	case o.State == banksim.OrderVoided && t.Type != banksim.TxnVoid && t.Type != banksim.TxnCredit:
		return "V"
	}
	return "Y"
}

// inquiry answers OrderInquiry with the order's main transaction: the sale
// or pre-auth, or the PostAuth once the pre-auth is captured.
func (s *Server) inquiry(m Merchant, orderID string, now time.Time) reply {
	o, ok := s.Book().Get(m.MerchantID, orderID)
	var main *banksim.Txn
	for i := range o.Txns {
		t := &o.Txns[i]
		if t.Type == banksim.TxnAuth || t.Type == banksim.TxnPreAuth || (t.Type == banksim.TxnPostAuth && t.Approved) {
			main = t
		}
	}
	if !ok || main == nil {
		return reply{
			{"OrderId", orderID}, {"OrgOrderId", orderID}, {"SecureType", "Inquiry"}, {"TxnType", "OrderInquiry"},
			{"Currency", "949"}, {"TxnStatus", "P"}, {"ErrMsg", errNotFound.Message}, {"ProcReturnCode", errNotFound.Code},
			{"SysDate", now.In(bankZone).Format("20060102")},
		}
	}
	cur := money.MustCurrency(o.Currency)
	result := "Success"
	if !main.Approved {
		result = "Failed"
	}
	return reply{
		{"InsertDatetime", main.Time.In(bankZone).Format("02.01.2006 15:04:05")},
		{"MbrId", m.MbrID}, {"MerchantID", m.MerchantID}, {"OrderId", o.ID}, {"SecureType", "NonSecure"},
		{"PurchAmount", decimal(main.Amount, o.Currency)}, {"Exponent", strconv.Itoa(cur.Exponent)}, {"Currency", cur.Numeric},
		{"TxnType", txnName(main.Type)}, {"InstallmentCount", strconv.Itoa(installmentCount(o.Installments))},
		{"CardHolderName", o.Holder}, {"TxnStatus", txnStatus(&o, *main)}, {"ErrMsg", main.Message}, {"TxnResult", result},
		{"AuthCode", main.AuthCode}, {"ProcReturnCode", main.Code}, {"CardMask", o.Card}, {"F37", main.HostRef},
		{"RefundedAmount", decimal(o.Refunded, o.Currency)},
		{"IsVoided", strconv.FormatBool(o.State == banksim.OrderVoided)},
		{"IsRefunded", strconv.FormatBool(o.State == banksim.OrderRefunded)},
		{"TrxDate", main.Time.In(bankZone).Format("02.01.2006 15:04")},
	}
}

func installmentCount(n int) int {
	if n <= 1 {
		return 0
	}
	return n
}

// history answers TxnHistory: every transaction, oldest first; an unknown
// order gets a single TxnHistory record with V013.
func (s *Server) history(m Merchant, orderID string) []byte {
	o, ok := s.Book().Get(m.MerchantID, orderID)
	if !ok {
		return encodeHistory([][]kv{{
			{"RequestGuid", "0"}, {"InsertDatetime", "0001-01-01T00:00:00"}, {"MbrId", m.MbrID}, {"MerchantID", m.MerchantID},
			{"OrderId", orderID}, {"OrgOrderId", orderID}, {"Currency", "949"}, {"TxnType", "TxnHistory"},
			{"TxnStatus", "P"}, {"ErrMsg", errNotFound.Message}, {"TxnResult", "Failed"}, {"ProcReturnCode", errNotFound.Code},
		}})
	}
	recs := make([][]kv, 0, len(o.Txns))
	for _, t := range o.Txns {
		org := ""
		if t.Type != banksim.TxnAuth && t.Type != banksim.TxnPreAuth {
			org = o.ID
		}
		result := "Success"
		if !t.Approved {
			result = "Failed"
		}
		recs = append(recs, []kv{
			{"InsertDatetime", t.Time.In(bankZone).Format("2006-01-02T15:04:05")}, {"MbrId", m.MbrID},
			{"MerchantID", m.MerchantID}, {"OrderId", o.ID}, {"OrgOrderId", org}, {"SecureType", "NonSecure"},
			{"PurchAmount", decimal(t.Amount, o.Currency)}, {"Currency", money.MustCurrency(o.Currency).Numeric},
			{"TxnType", txnName(t.Type)}, {"TxnStatus", txnStatus(&o, t)}, {"ErrMsg", t.Message}, {"TxnResult", result},
			{"AuthCode", t.AuthCode}, {"HostRefNum", ""}, {"ProcReturnCode", t.Code}, {"CardMask", o.Card}, {"F37", t.HostRef},
		})
	}
	return encodeHistory(recs)
}
