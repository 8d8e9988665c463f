package akbanksim

import (
	"encoding/json"
	"regexp"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/money"
)

var (
	reOrderID = regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`)
	reAmount  = regexp.MustCompile(`^[0-9]{1,12}\.[0-9]{2}$`) // always two decimals
	reCVV     = regexp.MustCompile(`^[0-9]{3,4}$`)
	rePAN     = regexp.MustCompile(`^[0-9]{12,19}$`)
	reRandom  = regexp.MustCompile(`^[0-9A-Fa-f]{128}$`)
)

// requestWindow is how far requestDateTime may be from the bank's clock.
const requestWindow = time.Hour

// outcome is the result of one processed transaction.
type outcome struct {
	code, msg, hostCode, hostMsg, authCode, rrn string
	stan                                        int
}

func failed(e vpsError) outcome { return outcome{code: e.Code, msg: e.Message} }

var stanSeq atomic.Int64

// nextStan is the system trace audit number of a message that reached the issuer.
func nextStan() int { return int(stanSeq.Add(1) % 1000000) }

func (s *Server) reply(m Merchant, req *apiRequest, o outcome, now time.Time) reply {
	r := reply{
		TxnCode: req.TxnCode, ResponseCode: o.code, ResponseMessage: o.msg,
		HostResponseCode: o.hostCode, HostMessage: o.hostMsg, TxnDateTime: bankTime(now),
		Terminal: terminalReply{m.MerchantSafeID, m.TerminalSafeID},
		Order:    &orderReply{req.Order.OrderID},
	}
	t := &txnReply{AuthCode: o.authCode, RRN: o.rrn, Stan: o.stan}
	if o.rrn == "" {
		t.RRN = "0" // the bank's placeholder when nothing reached the issuer
	} else {
		t.BatchNumber = batchNumber(now)
	}
	r.Transaction = t
	return r
}

// batchNumber is the day's batch: the simulator closes one per day.
func batchNumber(now time.Time) int { return now.In(bankZone).YearDay() }

func (s *Server) process(m Merchant, op string, req *apiRequest) reply {
	now := s.cfg.Now()
	if req.Version != "1.00" {
		return s.reply(m, req, failed(errVersion), now)
	}
	if t, err := time.ParseInLocation(dateTimeLayout, req.RequestDateTime, bankZone); err != nil || t.Sub(now).Abs() > requestWindow {
		return s.reply(m, req, failed(errDateTime), now)
	}
	if !reRandom.MatchString(req.RandomNumber) {
		return s.reply(m, req, failed(errRandom), now)
	}
	if !reOrderID.MatchString(req.Order.OrderID) {
		return s.reply(m, req, failed(errOrderID), now)
	}
	var o outcome
	switch op {
	case OpSale, OpPreAuth:
		o = s.authorizeAPI(m, req, now)
	case Op3DProvision:
		o = s.provision3D(m, req, now)
	case OpPostAuth:
		o = s.postAuth(m, req, now)
	case OpCancel:
		o = s.cancel(m, req, now)
	case OpRefund:
		o = s.refund(m, req, now)
	case OpOrderHistory:
		return s.history(m, req, now)
	default:
		o = failed(errTxnCode)
	}
	return s.reply(m, req, o, now)
}

func parseAmount(s string, c money.Currency) (money.Amount, bool) {
	return banksim.ParseAmount(reAmount, s, c)
}

// payment is a validated sale or pre-auth, from the API or the 3D gate.
type payment struct {
	orderID string
	typ     banksim.TxnType
	amount  money.Amount
	inst    int
	card    card.PAN
	exp     card.Expiry
	holder  string
}

// validate checks the money and card fields as the host does. installCount
// is 1 for a single payment; more only in TRY and within the merchant's plan.
func validate(m Merchant, typ banksim.TxnType, amount, cur, inst, pan, expiry, cvv string) (payment, *vpsError) {
	p := payment{typ: typ}
	c, ok := banksim.ParseCurrency(cur)
	if !ok {
		return p, &errCurrency
	}
	if p.amount, ok = parseAmount(amount, c); !ok {
		return p, &errAmount
	}
	n, err := strconv.Atoi(inst)
	if err != nil || n < 1 || (n > 1 && (c.Code != money.TRY.Code || n > m.maxInstallments())) {
		return p, &errInstallments
	}
	p.inst = n
	if !rePAN.MatchString(pan) {
		return p, &errPAN
	}
	if p.card, err = card.ParsePAN(pan); err != nil {
		return p, &errPAN
	}
	if p.exp, ok = banksim.ParseMMYY(expiry); !ok {
		return p, &errExpiry
	}
	if !reCVV.MatchString(cvv) {
		return p, &errCVV
	}
	return p, nil
}

func txnType(txnCode string) banksim.TxnType {
	if txnCode == "1004" || txnCode == "3004" {
		return banksim.TxnPreAuth
	}
	return banksim.TxnAuth
}

func (s *Server) authorizeAPI(m Merchant, req *apiRequest, now time.Time) outcome {
	if req.Card == nil || req.Transaction == nil {
		return failed(errTxnCode)
	}
	t := req.Transaction
	p, verr := validate(m, txnType(req.TxnCode), t.Amount, t.CurrencyCode.String(), t.InstallCount.String(),
		req.Card.CardNumber, req.Card.ExpireDate, req.Card.CVV2)
	if verr != nil {
		return failed(*verr)
	}
	p.orderID = req.Order.OrderID
	return s.charge(m, p, now)
}

// charge runs a sale or pre-auth through the issuer and records it.
func (s *Server) charge(m Merchant, p payment, now time.Time) outcome {
	r := s.Book().Charge(m.MerchantSafeID, p.orderID, banksim.Charge{
		Type: p.typ, Amount: p.amount, Installments: p.inst, PAN: p.card.Reveal(), Expiry: p.exp,
		Card: p.card.Masked(), Holder: p.holder,
		AuthCode: func() string { return banksim.NewAuthCode("3") }, ApprovedMessage: msgApproved,
		DeclineErrorCode: errProvision.Code,
	}, now)
	switch {
	case r.Duplicate:
		out := failed(errDuplicate) // refused before reaching the issuer
		out.msg = "Sipariş Numarası : " + p.orderID + " tekil olmalıdır"
		return out
	case r.Declined:
		d := r.Decline
		return outcome{code: errProvision.Code, msg: errProvision.Message, hostCode: d.Code,
			hostMsg: "1" + d.Code + " " + d.Message, authCode: "000000", rrn: r.Txn.HostRef, stan: nextStan()}
	}
	return approved(r.Txn)
}

func approved(t banksim.Txn) outcome {
	return outcome{code: codeApproved, msg: msgApproved, hostCode: "00", hostMsg: "000 ONAY KODU " + t.AuthCode,
		authCode: t.AuthCode, rrn: t.HostRef, stan: nextStan()}
}

// approve records an approved follow-up transaction on o.
func approve(o *banksim.Order, typ banksim.TxnType, amount int64, now time.Time) outcome {
	t := banksim.Txn{Type: typ, Amount: amount, Approved: true, Code: "00", Message: msgApproved,
		AuthCode: banksim.NewAuthCode("3"), HostRef: banksim.NewHostRef(now), TransID: banksim.NewTransID(now), Time: now}
	o.Txns = append(o.Txns, t)
	return approved(t)
}

func notFound(orderID string) outcome {
	o := failed(errOrigNotFound)
	o.msg += " Sipariş Numarası : " + orderID
	return o
}

func (s *Server) postAuth(m Merchant, req *apiRequest, now time.Time) outcome {
	var out outcome
	s.Book().Update(m.MerchantSafeID, req.Order.OrderID, func(o *banksim.Order) *banksim.Order {
		if o == nil || o.Type != banksim.TxnPreAuth || o.State != banksim.OrderAuthorized || o.Settled {
			out = notFound(req.Order.OrderID)
			return nil
		}
		cur := money.MustCurrency(o.Currency)
		t := req.Transaction
		if t == nil {
			out = failed(errAmount)
			return nil
		}
		if t.CurrencyCode.String() != cur.Numeric {
			out = failed(errCurrency)
			return nil
		}
		a, ok := parseAmount(t.Amount, cur)
		switch {
		case !ok:
			out = failed(errAmount)
		case a.Minor > o.Authorized:
			out = failed(errCaptureAmt)
		default:
			out = approve(o, banksim.TxnPostAuth, a.Minor, now)
			o.MarkCaptured(a.Minor, now)
		}
		return nil
	})
	return out
}

// cancel voids the whole order: the sale or pre-auth and its capture.
func (s *Server) cancel(m Merchant, req *apiRequest, now time.Time) outcome {
	var out outcome
	s.Book().Update(m.MerchantSafeID, req.Order.OrderID, func(o *banksim.Order) *banksim.Order {
		switch {
		case o == nil || o.State == banksim.OrderDeclined || o.State == banksim.OrderVoided:
			out = notFound(req.Order.OrderID)
			return nil
		case o.Settled:
			out = failed(errSettled)
			return nil
		case o.Refunded > 0:
			out = failed(errVoidRefunded)
			return nil
		}
		amt := o.VoidAmount()
		out = approve(o, banksim.TxnVoid, amt, now)
		o.MarkVoided(now)
		return nil
	})
	return out
}

// refund returns money of a captured order. Without a transaction block the
// whole remaining amount is refunded, as the bank documents.
func (s *Server) refund(m Merchant, req *apiRequest, now time.Time) outcome {
	var out outcome
	s.Book().Update(m.MerchantSafeID, req.Order.OrderID, func(o *banksim.Order) *banksim.Order {
		if o == nil {
			out = notFound(req.Order.OrderID)
			return nil
		}
		cur := money.MustCurrency(o.Currency)
		remaining := o.Captured - o.Refunded
		amount := remaining
		if t := req.Transaction; t != nil {
			if t.CurrencyCode.String() != cur.Numeric {
				out = failed(errCurrency)
				return nil
			}
			a, ok := parseAmount(t.Amount, cur)
			if !ok {
				out = failed(errAmount)
				return nil
			}
			amount = a.Minor
		}
		fail := func(e vpsError) {
			// Refused refunds stay in the order's history, as on real hosts.
			o.Txns = append(o.Txns, banksim.Txn{Type: banksim.TxnCredit, Amount: amount, Code: e.Code, ErrorCode: e.Code,
				Message: e.Message, TransID: banksim.NewTransID(now), Time: now})
			out = failed(e)
		}
		switch {
		case o.State != banksim.OrderCaptured && o.State != banksim.OrderPartiallyRefunded:
			fail(errOrigNotFound)
		case amount <= 0 || amount > remaining:
			fail(errRefundAmount)
		default:
			out = approve(o, banksim.TxnCredit, amount, now)
			o.AddRefund(amount)
		}
		return nil
	})
	return out
}

// history answers 1010 with every transaction of the order: the sale or
// pre-auth under the order id, post-auths and refunds under their own ids
// with the order's as orgOrderId. A cancel has no record of its own: it
// marks what it cancelled V.
func (s *Server) history(m Merchant, req *apiRequest, now time.Time) reply {
	o, ok := s.Book().Get(m.MerchantSafeID, req.Order.OrderID)
	r := reply{
		TxnCode: req.TxnCode, TxnDateTime: bankTime(now),
		Terminal: terminalReply{m.MerchantSafeID, m.TerminalSafeID},
	}
	if !ok {
		r.ResponseCode, r.ResponseMessage = errNotFound.Code, errNotFound.Message+" Sipariş Numarası : "+req.Order.OrderID
		return r
	}
	r.ResponseCode, r.ResponseMessage = codeApproved, msgApproved
	cur := money.MustCurrency(o.Currency)
	num := func(minor int64) json.Number { return json.Number(money.New(minor, cur).DecimalTrimmed()) }
	status := "N"
	if o.State == banksim.OrderVoided {
		status = "V"
	}
	for _, t := range o.Txns {
		d := detail{
			Amount: num(t.Amount), CurrencyCode: json.Number(cur.Numeric), InstallCount: max(o.Installments, 1),
			OrderID: o.ID, OrgOrderID: o.ID, MaskedCardNumber: o.Card, TxnDateTime: bankTime(t.Time), TxnStatus: "N",
		}
		switch t.Type {
		case banksim.TxnAuth:
			d.TxnCode = "1000"
		case banksim.TxnPreAuth:
			d.TxnCode = "1004"
		case banksim.TxnPostAuth:
			d.TxnCode, d.OrderID = "1005", t.TransID
		case banksim.TxnCredit:
			d.TxnCode, d.OrderID = "1002", t.TransID
		default:
			continue
		}
		if t.Approved {
			d.ResponseCode, d.ResponseMessage, d.HostResponseCode = codeApproved, msgApproved, "00"
			d.HostMessage, d.AuthCode, d.RRN, d.BatchNumber = "000 ONAY KODU "+t.AuthCode, t.AuthCode, t.HostRef, batchNumber(t.Time)
			if t.Type != banksim.TxnCredit {
				d.TxnStatus = status
			}
		} else {
			d.ResponseCode, d.ResponseMessage = t.ErrorCode, t.Message
			if t.ErrorCode == errProvision.Code {
				d.ResponseMessage, d.HostResponseCode, d.HostMessage = errProvision.Message, t.Code, "1"+t.Code+" "+t.Message
			}
		}
		if t.Type == banksim.TxnPreAuth && t.Approved {
			d.PreAuthStatus, d.PreAuthCloseAmount, d.PreAuthCloseDate = "O", "0", "1900-01-01T00:00:00.000"
			if o.Captured > 0 && o.State != banksim.OrderVoided {
				d.PreAuthStatus, d.PreAuthCloseAmount, d.PreAuthCloseDate = "C", num(o.Captured), bankTime(o.CapturedAt)
			}
		}
		r.TxnDetailList = append(r.TxnDetailList, d)
	}
	return r
}
