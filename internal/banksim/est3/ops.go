package est3sim

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/money"
)

// bankZone is the host's local time (Turkey, UTC+3 all year since 2016).
var bankZone = time.FixedZone("TRT", 3*60*60)

var (
	reOrderID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	// EST takes a dot decimal with up to two decimals: "100", "100.5", "100.25".
	reAmount  = regexp.MustCompile(`^[0-9]{1,12}(\.[0-9]{1,2})?$`)
	reExpires = regexp.MustCompile(`^(0[1-9]|1[0-2])/[0-9]{2}$`)
	reCVV     = regexp.MustCompile(`^[0-9]{3,4}$`)
	reDigits  = regexp.MustCompile(`^[0-9]{12,19}$`)
)

func (s *Server) process(op string, req *cc5Request, parseErr error) reply {
	now := s.cfg.Now()
	if parseErr != nil {
		return errorReply(nil, now, errRequest)
	}
	m, ok := s.authenticate(req)
	if !ok {
		return errorReply(req, now, errCredentials)
	}
	if !reOrderID.MatchString(req.OrderID) {
		return errorReply(req, now, errOrderID)
	}
	switch op {
	case OpAuth, OpPreAuth:
		if req.is3D() {
			return s.authorize3D(m, req, banksim.TxnType(op), now)
		}
		return s.authorize(m, req, banksim.TxnType(op), now)
	case OpPostAuth:
		return s.postAuth(m, req, now)
	case OpVoid:
		return s.void(m, req, now)
	case OpCredit:
		return s.credit(m, req, now)
	case OpOrderStatus:
		return s.orderStatus(m, req, now)
	case OpOrderHistory:
		return s.orderHistory(m, req, now)
	}
	return errorReply(req, now, errType)
}

func trxDate(t time.Time) string  { return t.In(bankZone).Format("20060102 15:04:05") }
func hostDate(t time.Time) string { return t.In(bankZone).Format("0102-150405") }

// dttm formats the query replies' timestamps ("2024-01-02 21:53:02.486").
func dttm(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(bankZone).Format("2006-01-02 15:04:05.000")
}

func errorReply(req *cc5Request, now time.Time, e coreError) reply {
	rep := reply{
		Response:       "Error",
		ProcReturnCode: "99",
		TransID:        banksim.NewTransID(now),
		ErrMsg:         e.Message,
		Extra: []kv{
			{"SETTLEID", ""},
			{"TRXDATE", trxDate(now)},
			{"ERRORCODE", e.Code},
			{"NUMCODE", e.numCode()},
		},
	}
	if req != nil {
		rep.OrderID, rep.GroupID = req.OrderID, req.OrderID
	}
	return rep
}

func approvedReply(m Merchant, orderID string, t banksim.Txn, brand string) reply {
	ex := []kv{
		{"SETTLEID", ""},
		{"TRXDATE", trxDate(t.Time)},
		{"ERRORCODE", ""},
		{"TERMINALID", m.terminalID()},
		{"MERCHANTID", m.merchantID()},
	}
	if brand != "" {
		ex = append(ex, kv{"CARDBRAND", brand}, kv{"CARDISSUER", "KASA SIMULATED BANK"})
	}
	ex = append(ex, kv{"HOSTDATE", hostDate(t.Time)}, kv{"NUMCODE", "00"})
	return reply{
		OrderID: orderID, GroupID: orderID, Response: "Approved",
		AuthCode: t.AuthCode, HostRefNum: t.HostRef, ProcReturnCode: "00", TransID: t.TransID,
		Extra: ex,
	}
}

func declinedReply(orderID string, t banksim.Txn) reply {
	return reply{
		OrderID: orderID, GroupID: orderID, Response: "Declined",
		HostRefNum: t.HostRef, ProcReturnCode: t.Code, TransID: t.TransID, ErrMsg: t.Message,
		Extra: []kv{
			{"SETTLEID", ""},
			{"TRXDATE", trxDate(t.Time)},
			{"ERRORCODE", "ISO8583-" + t.Code},
			{"HOSTDATE", hostDate(t.Time)},
			{"NUMCODE", t.Code},
		},
	}
}

func cardBrand(pan string) string {
	switch card.BrandOf(pan) {
	case card.Visa:
		return "VISA"
	case card.Mastercard:
		return "MASTERCARD"
	case card.Troy:
		return "TROY"
	case card.Amex:
		return "AMEX"
	}
	return ""
}

func parseCurrency(m Merchant, numeric string) (money.Currency, bool) {
	if !m.accepts(numeric) {
		return money.Currency{}, false
	}
	c, err := money.ParseCurrency(numeric)
	if err != nil || c.Numeric != numeric || c.Exponent != 2 {
		return money.Currency{}, false
	}
	return c, true
}

func parseAmount(s string, c money.Currency) (money.Amount, bool) {
	return banksim.ParseAmount(reAmount, s, c)
}

// parseInstallments reads Taksit: "" (or 0/1) is a single payment.
func parseInstallments(s string) (int, bool) {
	if s == "" {
		return 1, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 99 {
		return 0, false
	}
	if n == 0 {
		n = 1
	}
	return n, true
}

func parseExpiry(s string) (card.Expiry, bool) {
	if !reExpires.MatchString(s) {
		return card.Expiry{}, false
	}
	mm, _ := strconv.Atoi(s[:2])
	yy, _ := strconv.Atoi(s[3:])
	e, err := card.NewExpiry(mm, yy)
	return e, err == nil
}

// estMask renders a PAN (or a 6+4 mask of one) as EST's queries do:
// "4355 08** **** 4358".
func estMask(pan string) string {
	if len(pan) < 10 {
		return ""
	}
	masked := pan[:6] + strings.Repeat("*", len(pan)-10) + pan[len(pan)-4:]
	var b strings.Builder
	for i := 0; i < len(masked); i++ {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteByte(masked[i])
	}
	return b.String()
}

func (s *Server) authorize(m Merchant, req *cc5Request, typ banksim.TxnType, now time.Time) reply {
	total, ok := req.total()
	if !ok {
		return errorReply(req, now, errAmount)
	}
	cur, ok := parseCurrency(m, req.Currency)
	if !ok {
		return errorReply(req, now, errCurrency)
	}
	amount, ok := parseAmount(total, cur)
	if !ok {
		return errorReply(req, now, errAmount)
	}
	if !reDigits.MatchString(req.Number) {
		return errorReply(req, now, errPANFormat)
	}
	pan, err := card.ParsePAN(req.Number)
	if err != nil {
		return errorReply(req, now, errPANFormat)
	}
	exp, ok := parseExpiry(req.Expires)
	if !ok {
		return errorReply(req, now, errExpiry)
	}
	if req.Cvv2Val != "" && !reCVV.MatchString(req.Cvv2Val) {
		return errorReply(req, now, errCVV)
	}
	inst, ok := parseInstallments(req.Taksit)
	if !ok || (inst > 1 && (cur.Code != money.TRY.Code || inst > m.maxInstallments())) {
		return errorReply(req, now, errInstallments)
	}

	digits := pan.Reveal()
	authPrefix := "P"
	if typ == banksim.TxnPreAuth {
		authPrefix = "T"
	}
	r := s.Book().Charge(m.ClientID, req.OrderID, banksim.Charge{
		Type: typ, Amount: amount, Installments: inst, PAN: digits, Expiry: exp,
		Card: pan.Masked(), Holder: req.BillTo.Name, Email: req.Email, ClientIP: req.IPAddress,
		AuthCode: func() string { return banksim.NewAuthCode(authPrefix) },
	}, now)
	switch {
	case r.Duplicate:
		return errorReply(req, now, errDuplicate) // refused before reaching the issuer
	case r.Declined:
		return declinedReply(req.OrderID, r.Txn)
	}
	return approvedReply(m, req.OrderID, r.Txn, cardBrand(digits))
}

func (s *Server) postAuth(m Merchant, req *cc5Request, now time.Time) reply {
	var rep reply
	s.Book().Update(m.ClientID, req.OrderID, func(o *banksim.Order) *banksim.Order {
		if o == nil {
			rep = errorReply(req, now, errNotFound)
			return nil
		}
		if o.Type != banksim.TxnPreAuth || o.State != banksim.OrderAuthorized || o.Settled {
			rep = errorReply(req, now, errNoCapture)
			return nil
		}
		cur := money.MustCurrency(o.Currency)
		if req.Currency != "" && req.Currency != cur.Numeric {
			rep = errorReply(req, now, errCurrency)
			return nil
		}
		amt := o.Authorized
		if total, ok := req.total(); ok {
			a, ok := parseAmount(total, cur)
			if !ok {
				rep = errorReply(req, now, errAmount)
				return nil
			}
			if a.Minor > o.Authorized {
				rep = errorReply(req, now, errCaptureAmount)
				return nil
			}
			amt = a.Minor
		}
		t := banksim.Txn{Type: banksim.TxnPostAuth, Amount: amt, Approved: true, Code: "00", AuthCode: o.AuthCode,
			HostRef: banksim.NewHostRef(now), TransID: banksim.NewTransID(now), Time: now}
		o.MarkCaptured(amt, now)
		o.Txns = append(o.Txns, t)
		rep = approvedReply(m, req.OrderID, t, "")
		return nil
	})
	return rep
}

func (s *Server) void(m Merchant, req *cc5Request, now time.Time) reply {
	var rep reply
	s.Book().Update(m.ClientID, req.OrderID, func(o *banksim.Order) *banksim.Order {
		switch {
		case !o.Voidable():
			rep = errorReply(req, now, errNoVoid)
			return nil
		case o.Refunded > 0:
			rep = errorReply(req, now, errVoidRefunded)
			return nil
		}
		amt := o.VoidAmount()
		t := banksim.Txn{Type: banksim.TxnVoid, Amount: amt, Approved: true, Code: "00", AuthCode: o.AuthCode,
			HostRef: banksim.NewHostRef(now), TransID: banksim.NewTransID(now), Time: now}
		o.MarkVoided(now)
		o.Txns = append(o.Txns, t)
		rep = approvedReply(m, req.OrderID, t, "")
		return nil
	})
	return rep
}

func (s *Server) credit(m Merchant, req *cc5Request, now time.Time) reply {
	var rep reply
	s.Book().Update(m.ClientID, req.OrderID, func(o *banksim.Order) *banksim.Order {
		if o == nil {
			rep = errorReply(req, now, errNotFound)
			return nil
		}
		remaining := o.Captured - o.Refunded
		amt := remaining
		fail := func(e coreError) {
			// Failed refunds stay in the order's history, as on real hosts.
			o.Txns = append(o.Txns, banksim.Txn{Type: banksim.TxnCredit, Amount: amt, Code: "99", ErrorCode: e.Code,
				Message: e.Message, TransID: banksim.NewTransID(now), Time: now})
			rep = errorReply(req, now, e)
		}
		if total, ok := req.total(); ok {
			a, ok := parseAmount(total, money.MustCurrency(o.Currency))
			if !ok {
				rep = errorReply(req, now, errAmount)
				return nil
			}
			amt = a.Minor
		}
		switch {
		case o.State != banksim.OrderCaptured && o.State != banksim.OrderPartiallyRefunded:
			fail(errNoRefund)
		case s.cfg.RefundRequiresSettlement && !o.Settled:
			fail(errNotSettled)
		case req.Currency != "" && req.Currency != money.MustCurrency(o.Currency).Numeric:
			fail(errCurrency)
		case remaining <= 0:
			fail(errNoRefund)
		case amt > remaining:
			fail(errRefundAmount)
		default:
			t := banksim.Txn{Type: banksim.TxnCredit, Amount: amt, Approved: true, Code: "00", AuthCode: banksim.NewAuthCode("R"),
				HostRef: banksim.NewHostRef(now), TransID: banksim.NewTransID(now), Time: now}
			o.AddRefund(amt)
			o.Txns = append(o.Txns, t)
			rep = approvedReply(m, req.OrderID, t, "")
		}
		return nil
	})
	return rep
}

// record is one line of the bank's view of an order: a sale or pre-auth
// (merged with its PostAuth and Void, as EST shows them) or a credit.
type record struct {
	chargeType  string // S or C
	stat        string // A, C, V, D
	orig        int64
	capture     string // minor units, "" when not captured
	authTime    time.Time
	captureTime time.Time
	voidTime    time.Time
	hostRef     string
	authCode    string
	procRetCode string
	transID     string
}

// historyRecord renders a record in the TRXn field order:
// CHARGE_TYPE_CD, TRANS_STAT, ORIG_TRANS_AMT, CAPTURE_AMT, AUTH_DTTM,
// CAPTURE_DTTM, VOID_DTTM, HOST_REF_NUM, AUTH_CODE, PROC_RET_CD, TRANS_ID.
func (r record) historyRecord() string {
	return strings.Join([]string{
		r.chargeType, r.stat, strconv.FormatInt(r.orig, 10), r.capture,
		dttm(r.authTime), dttm(r.captureTime), dttm(r.voidTime),
		r.hostRef, r.authCode, r.procRetCode, r.transID,
	}, "\t")
}

// records lists an order's records, oldest first.
func records(o *banksim.Order) []record {
	var out []record
	for _, t := range o.Txns {
		switch t.Type {
		case banksim.TxnAuth, banksim.TxnPreAuth:
			r := record{chargeType: "S", orig: t.Amount, authTime: t.Time, hostRef: t.HostRef, procRetCode: t.Code, transID: t.TransID}
			if !t.Approved {
				r.stat = "D"
				out = append(out, r)
				continue
			}
			r.authCode = t.AuthCode
			switch o.State {
			case banksim.OrderAuthorized:
				r.stat = "A"
			case banksim.OrderVoided:
				r.stat = "V"
				r.voidTime = o.VoidedAt
			default:
				r.stat = "C"
			}
			if !o.CapturedAt.IsZero() {
				r.capture = strconv.FormatInt(o.Captured, 10)
				r.captureTime = o.CapturedAt
			}
			out = append(out, r)
		case banksim.TxnCredit:
			r := record{chargeType: "C", stat: "C", orig: t.Amount, capture: strconv.FormatInt(t.Amount, 10),
				authTime: t.Time, captureTime: t.Time, hostRef: t.HostRef, authCode: t.AuthCode, procRetCode: t.Code, transID: t.TransID}
			if !t.Approved {
				r.stat, r.captureTime = "D", time.Time{}
			}
			out = append(out, r)
		}
	}
	return out
}

func notFoundReply(req *cc5Request, withStatus bool) reply {
	rep := reply{Response: "Declined", ProcReturnCode: "99", ErrMsg: "No record found for " + req.OrderID,
		Extra: []kv{{"NUMCODE", "0"}}}
	if withStatus {
		rep.Extra = append(rep.Extra, kv{"ORDERSTATUS", "ORD_ID:\tCHARGE_TYPE_CD:\tORIG_TRANS_AMT:\tCAPTURE_AMT:\tTRANS_STAT:\tAUTH_DTTM:\tCAPTURE_DTTM:\tAUTH_CODE:"})
	}
	return rep
}

// orderStatus describes the order's latest transaction, as EST does: the
// sale/pre-auth record, or the most recent credit once there is one.
func (s *Server) orderStatus(m Merchant, req *cc5Request, now time.Time) reply {
	o, ok := s.Book().Get(m.ClientID, req.OrderID)
	if !ok {
		return notFoundReply(req, true)
	}
	recs := records(&o)
	if len(recs) == 0 {
		return notFoundReply(req, true)
	}
	r := recs[len(recs)-1]
	summary := strings.Join([]string{
		"ORD_ID:" + o.ID, "CHARGE_TYPE_CD:" + r.chargeType, "ORIG_TRANS_AMT:" + strconv.FormatInt(r.orig, 10),
		"CAPTURE_AMT:" + r.capture, "TRANS_STAT:" + r.stat, "AUTH_DTTM:" + dttm(r.authTime),
		"CAPTURE_DTTM:" + dttm(r.captureTime), "AUTH_CODE:" + r.authCode, "TRANS_ID:" + r.transID,
	}, "\t")
	ex := []kv{
		{"AUTH_CODE", r.authCode},
		{"AUTH_DTTM", dttm(r.authTime)},
		{"CAPTURE_AMT", r.capture},
		{"CAPTURE_DTTM", dttm(r.captureTime)},
		{"CAVV_3D", ""},
		{"CHARGE_TYPE_CD", r.chargeType},
		{"ECI_3D", ""},
		{"HOSTDATE", hostDate(now)},
		{"HOST_REF_NUM", r.hostRef},
		{"MDSTATUS", ""},
		{"NUMCODE", "0"},
		{"ORDERSTATUS", summary},
		{"ORD_ID", o.ID},
		{"ORIG_TRANS_AMT", strconv.FormatInt(r.orig, 10)},
		{"PAN", estMask(o.Card)}, // the stored mask regroups the same way
		{"PROC_RET_CD", r.procRetCode},
		{"SETTLEID", ""},
		{"TRANS_ID", r.transID},
		{"TRANS_STAT", r.stat},
	}
	if !r.voidTime.IsZero() {
		ex = append(ex, kv{"VOID_DTTM", dttm(r.voidTime)})
	}
	ex = append(ex, kv{"XID_3D", ""})
	return reply{
		OrderID: o.ID, Response: "Approved", ProcReturnCode: "00", TransID: r.transID,
		ErrMsg: "Record(s) found for " + o.ID, Extra: ex,
	}
}

func (s *Server) orderHistory(m Merchant, req *cc5Request, _ time.Time) reply {
	o, ok := s.Book().Get(m.ClientID, req.OrderID)
	if !ok {
		return notFoundReply(req, false)
	}
	recs := records(&o)
	ex := []kv{{"TERMINALID", m.terminalID()}, {"MERCHANTID", m.merchantID()}, {"NUMCODE", "0"}}
	// Newest first, as hosts list them.
	for i := range recs {
		ex = append(ex, kv{"TRX" + strconv.Itoa(i+1), recs[len(recs)-1-i].historyRecord()})
	}
	ex = append(ex, kv{"TRXCOUNT", strconv.Itoa(len(recs))})
	return reply{OrderID: o.ID, Response: "Approved", ProcReturnCode: "00", Extra: ex}
}
