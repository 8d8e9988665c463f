package payflexsim

import (
	"fmt"
	"math/rand/v2"
	"net/http"
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
	reAmount  = regexp.MustCompile(`^[0-9]{1,10}\.[0-9]{2}$`)
	reExpiry  = regexp.MustCompile(`^20[0-9]{2}(0[1-9]|1[0-2])$`) // YYYYMM
	reCVV     = regexp.MustCompile(`^[0-9]{3,4}$`)
	rePAN     = regexp.MustCompile(`^[0-9]{12,19}$`)
	reInstall = regexp.MustCompile(`^[0-9]{0,2}$`)
)

// currencies PayFlex accepts, by ISO numeric code.
var currencies = map[string]money.Currency{"949": money.TRY, "840": money.USD, "978": money.EUR, "826": money.GBP}

// typeNames are the TransactionType of each book transaction type.
var typeNames = map[banksim.TxnType]string{
	banksim.TxnAuth:     OpSale,
	banksim.TxnPreAuth:  OpAuth,
	banksim.TxnPostAuth: OpCapture,
	banksim.TxnVoid:     OpCancel,
	banksim.TxnCredit:   OpRefund,
}

const xmlContent = "text/xml; charset=utf-8"

func (s *Server) handleAPI(w http.ResponseWriter, r *http.Request) {
	var req vposRequest
	op := OpInvalid
	if err := readDocument(r, &req); err == nil {
		switch req.TransactionType {
		case OpSale, OpAuth, OpCapture, OpCancel, OpRefund:
			op = req.TransactionType
		}
	}
	s.Respond(w, r, op, xmlContent, func() []byte {
		rep := s.process(op, &req)
		s.Log().Info("payflexsim", "op", op, "result", rep.ResultCode)
		return encode(rep)
	})
}

func (s *Server) process(op string, req *vposRequest) *vposResponse {
	if op == OpInvalid {
		return refuse(errRequest)
	}
	m, ok := s.authenticate(req.MerchantID, req.Password, req.TerminalNo, true)
	if !ok {
		return refuse(errMerchant)
	}
	now := s.cfg.Now()
	switch op {
	case OpSale:
		return s.authorize(m, req, banksim.TxnAuth, now)
	case OpAuth:
		return s.authorize(m, req, banksim.TxnPreAuth, now)
	case OpCapture:
		return s.capture(m, req, now)
	case OpCancel:
		return s.cancel(m, req, now)
	case OpRefund:
		return s.refund(m, req, now)
	}
	return refuse(errRequest)
}

func newAuthCode() string { return fmt.Sprintf("%06d", rand.IntN(1000000)) }

func hostDate(t time.Time) string { return t.In(bankZone).Format("20060102150405") }

// approved renders an approved transaction of an order.
func approved(m Merchant, orderID string, o *banksim.Order, t banksim.Txn, ref string, threeD bool) *vposResponse {
	cur := money.MustCurrency(o.Currency)
	a := money.New(t.Amount, cur).Decimal()
	rep := &vposResponse{
		MerchantID: m.MerchantID, TransactionType: typeNames[t.Type], TransactionID: t.TransID,
		ReferenceTransactionID: ref, ResultCode: "0000", ResultDetail: "İŞLEM BAŞARILI", AuthCode: t.AuthCode,
		HostDate: hostDate(t.Time), Rrn: t.HostRef, TerminalNo: m.TerminalNo, CurrencyAmount: a,
		CurrencyCode: cur.Numeric, OrderID: orderID, ThreeDSecureType: "1", TransactionDeviceSource: "0",
		BatchNo: "1", TLAmount: a,
	}
	if threeD {
		rep.ThreeDSecureType = "2"
	}
	return rep
}

// cardInput is a Sale/Auth after format checks.
type cardInput struct {
	amount       money.Amount
	installments int
	pan          card.PAN
	exp          card.Expiry
}

func parseCard(m Merchant, req *vposRequest) (cardInput, *refusal) {
	var in cardInput
	if !reOrderID.MatchString(req.OrderID) {
		return in, &errOrderID
	}
	cur, ok := currencies[req.CurrencyCode]
	if !ok {
		return in, &errCurrency
	}
	a, err := money.ParseDecimal(req.CurrencyAmount, cur)
	if !reAmount.MatchString(req.CurrencyAmount) || err != nil || a.Minor <= 0 {
		return in, &errAmount
	}
	if !rePAN.MatchString(req.Pan) {
		return in, &errPAN
	}
	pan, err := card.ParsePAN(req.Pan)
	if err != nil {
		return in, &errPAN
	}
	if !reExpiry.MatchString(req.Expiry) {
		return in, &errExpiry
	}
	yy, _ := strconv.Atoi(req.Expiry[:4])
	mm, _ := strconv.Atoi(req.Expiry[4:])
	exp, err := card.NewExpiry(mm, yy)
	if err != nil {
		return in, &errExpiry
	}
	if !reCVV.MatchString(req.Cvv) {
		return in, &errCVV
	}
	if !reInstall.MatchString(req.NumberOfInstallments) {
		return in, &errInstallments
	}
	n, _ := strconv.Atoi(req.NumberOfInstallments)
	if n > 1 && (cur.Code != money.TRY.Code || n > m.maxInstallments()) {
		return in, &errInstallments
	}
	return cardInput{amount: a, installments: max(n, 1), pan: pan, exp: exp}, nil
}

// authorize is Sale and Auth, with or without 3D evidence.
func (s *Server) authorize(m Merchant, req *vposRequest, typ banksim.TxnType, now time.Time) *vposResponse {
	in, bad := parseCard(m, req)
	if bad != nil {
		return refuse(*bad)
	}
	threeD := req.MpiTransactionID != "" || req.ECI != "" || req.CAVV != ""
	if threeD && !s.claimMPI(m, req, in, now) {
		return refuse(errMPI)
	}
	r := s.Book().Charge(m.MerchantID, req.OrderID, banksim.Charge{
		Type: typ, Amount: in.amount, Installments: in.installments, PAN: in.pan.Reveal(), Expiry: in.exp,
		Card: in.pan.Masked(), ClientIP: req.ClientIP, AuthCode: newAuthCode, DeclinePrefix: "00",
	}, now)
	switch {
	case r.Duplicate:
		return refuse(errDuplicate)
	case r.Declined:
		rep := refuse(refusal{r.Txn.Code, r.Txn.Message})
		rep.OrderID, rep.AuthCode = req.OrderID, "000000"
		return rep
	}
	s.recordTxn(r.Txn.TransID, txnRef{m.MerchantID, req.OrderID, typeNames[typ]})
	return approved(m, req.OrderID, &r.Order, r.Txn, "", threeD)
}

// reference resolves ReferenceTransactionId to this merchant's order.
func (s *Server) reference(m Merchant, id string) (txnRef, bool) {
	ref, ok := s.txn(id)
	return ref, ok && ref.merchant == m.MerchantID
}

func (s *Server) capture(m Merchant, req *vposRequest, now time.Time) *vposResponse {
	ref, ok := s.reference(m, req.ReferenceTransactionID)
	if !ok {
		return refuse(errNotFound)
	}
	if ref.typ != OpAuth {
		return refuse(errCapture)
	}
	var rep *vposResponse
	s.Book().Update(m.MerchantID, ref.orderID, func(o *banksim.Order) *banksim.Order {
		switch {
		case o == nil || o.State == banksim.OrderVoided:
			rep = refuse(errCanceled)
			return nil
		case o.State != banksim.OrderAuthorized || o.Settled:
			rep = refuse(errCapture)
			return nil
		}
		cur := money.MustCurrency(o.Currency)
		if req.CurrencyCode != "" && req.CurrencyCode != cur.Numeric {
			rep = refuse(errCurrency)
			return nil
		}
		a, err := money.ParseDecimal(req.CurrencyAmount, cur)
		if !reAmount.MatchString(req.CurrencyAmount) || err != nil || a.Minor <= 0 {
			rep = refuse(errAmount)
			return nil
		}
		if a.Minor > o.Authorized {
			rep = refuse(errCapture)
			return nil
		}
		t := banksim.Txn{Type: banksim.TxnPostAuth, Amount: a.Minor, Approved: true, Code: "00", AuthCode: o.AuthCode,
			HostRef: banksim.NewHostRef(now), TransID: banksim.NewTransID(now), Time: now}
		o.MarkCaptured(a.Minor, now)
		o.Txns = append(o.Txns, t)
		s.recordTxn(t.TransID, txnRef{m.MerchantID, ref.orderID, OpCapture})
		rep = approved(m, ref.orderID, o, t, req.ReferenceTransactionID, false)
		return nil
	})
	return rep
}

// cancel voids the whole order the referenced transaction belongs to, the
// same day: a cancelled capture releases its pre-authorisation too.
func (s *Server) cancel(m Merchant, req *vposRequest, now time.Time) *vposResponse {
	ref, ok := s.reference(m, req.ReferenceTransactionID)
	if !ok {
		return refuse(errNotFound)
	}
	if ref.typ != OpSale && ref.typ != OpAuth && ref.typ != OpCapture {
		return refuse(errCancel)
	}
	var rep *vposResponse
	s.Book().Update(m.MerchantID, ref.orderID, func(o *banksim.Order) *banksim.Order {
		switch {
		case o == nil:
			rep = refuse(errNotFound)
			return nil
		case o.State == banksim.OrderVoided:
			rep = refuse(errCanceled)
			return nil
		case o.State == banksim.OrderDeclined || o.Settled || o.Refunded > 0:
			rep = refuse(errCancel)
			return nil
		}
		t := banksim.Txn{Type: banksim.TxnVoid, Amount: o.VoidAmount(), Approved: true, Code: "00", AuthCode: o.AuthCode,
			HostRef: banksim.NewHostRef(now), TransID: banksim.NewTransID(now), Time: now}
		o.MarkVoided(now)
		o.Txns = append(o.Txns, t)
		s.recordTxn(t.TransID, txnRef{m.MerchantID, ref.orderID, OpCancel})
		rep = approved(m, ref.orderID, o, t, req.ReferenceTransactionID, false)
		return nil
	})
	return rep
}

func (s *Server) refund(m Merchant, req *vposRequest, now time.Time) *vposResponse {
	ref, ok := s.reference(m, req.ReferenceTransactionID)
	if !ok {
		return refuse(errNotFound)
	}
	if ref.typ != OpSale && ref.typ != OpCapture {
		return refuse(errRefund)
	}
	var rep *vposResponse
	s.Book().Update(m.MerchantID, ref.orderID, func(o *banksim.Order) *banksim.Order {
		switch {
		case o == nil:
			rep = refuse(errNotFound)
			return nil
		case o.State == banksim.OrderVoided:
			rep = refuse(errCanceled)
			return nil
		case o.State == banksim.OrderRefunded:
			rep = refuse(errAllRefunded)
			return nil
		case o.State != banksim.OrderCaptured && o.State != banksim.OrderPartiallyRefunded:
			rep = refuse(errRefund)
			return nil
		}
		cur := money.MustCurrency(o.Currency)
		if req.CurrencyCode != "" && req.CurrencyCode != cur.Numeric {
			rep = refuse(errCurrency)
			return nil
		}
		a, err := money.ParseDecimal(req.CurrencyAmount, cur)
		if !reAmount.MatchString(req.CurrencyAmount) || err != nil || a.Minor <= 0 {
			rep = refuse(errAmount)
			return nil
		}
		if a.Minor > o.Captured-o.Refunded {
			rep = refuse(errRefund)
			return nil
		}
		t := banksim.Txn{Type: banksim.TxnCredit, Amount: a.Minor, Approved: true, Code: "00", AuthCode: newAuthCode(),
			HostRef: banksim.NewHostRef(now), TransID: banksim.NewTransID(now), Time: now}
		o.AddRefund(a.Minor)
		o.Txns = append(o.Txns, t)
		s.recordTxn(t.TransID, txnRef{m.MerchantID, ref.orderID, OpRefund})
		rep = approved(m, ref.orderID, o, t, req.ReferenceTransactionID, false)
		return nil
	})
	return rep
}

func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) {
	var req searchRequest
	err := readDocument(r, &req)
	s.Respond(w, r, OpSearch, xmlContent, func() []byte {
		return encode(s.search(&req, err))
	})
}

// search lists the order's transactions, approved and declined, oldest
// first. An unknown order is a successful search with no results.
func (s *Server) search(req *searchRequest, err error) *searchResponse {
	now := s.cfg.Now()
	rep := &searchResponse{PageIndex: 1, PageSize: 10,
		ResponseInfo: responseInfo{Status: "Success", ResponseCode: "0000", ResponseMessage: "Succeeded.",
			ResponseDateTime: now.In(bankZone).Format(time.RFC3339), IsIdempotent: "false"}}
	fail := func(code, msg string) *searchResponse {
		rep.ResponseInfo.Status, rep.ResponseInfo.ResponseCode, rep.ResponseInfo.ResponseMessage = "Error", code, msg
		return rep
	}
	if err != nil {
		return fail(errRequest.Code, errRequest.Text)
	}
	m, ok := s.authenticate(req.MerchantCriteria.HostMerchantID, req.MerchantCriteria.MerchantPassword, "", false)
	if !ok {
		return fail("9065", "Üye isyeri bulunamadi") // captured
	}
	id := req.TransactionCriteria.OrderID
	if id == "" {
		if ref, ok := s.reference(m, req.TransactionCriteria.TransactionID); ok {
			id = ref.orderID
		}
	}
	o, ok := s.Book().Get(m.MerchantID, id)
	if id == "" || !ok {
		return rep
	}
	cur := money.MustCurrency(o.Currency)
	flag := func(b bool) string { return strconv.FormatBool(b) }
	for _, t := range o.Txns {
		code, msg := "0000", "İŞLEM BAŞARILI"
		if !t.Approved {
			code, msg = t.Code, t.Message
		}
		rep.Results = append(rep.Results, searchResult{
			MerchantID: m.MerchantID, TransactionType: typeNames[t.Type], TransactionID: t.TransID, OrderID: o.ID,
			ResultCode: code, ResponseMessage: msg, AuthCode: t.AuthCode, HostDate: hostDate(t.Time), Rrn: t.HostRef,
			CurrencyAmount: money.New(t.Amount, cur).Decimal(), AmountCode: cur.Numeric, ThreeDSecureType: "1",
			IsReversed: "false", IsCanceled: flag(o.State == banksim.OrderVoided && t.Approved && t.Type != banksim.TxnVoid),
			IsRefunded: flag(t.Approved && (t.Type == banksim.TxnAuth || t.Type == banksim.TxnPostAuth) && o.Refunded > 0),
		})
	}
	rep.TotalItemCount = len(rep.Results)
	return rep
}
