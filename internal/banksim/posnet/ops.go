package posnetsim

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/money"
)

// bankZone is the host's local time (Turkey, UTC+3 all year since 2016).
var bankZone = time.FixedZone("TRT", 3*60*60)

var (
	reOrderID  = regexp.MustCompile(`^[A-Za-z0-9_]{20}$`)
	reAmount   = regexp.MustCompile(`^[0-9]{1,12}$`)
	reExpDate  = regexp.MustCompile(`^[0-9]{2}(0[1-9]|1[0-2])$`)
	reCVC      = regexp.MustCompile(`^[0-9]{3,4}$`)
	rePAN      = regexp.MustCompile(`^[0-9]{12,19}$`)
	reInstall  = regexp.MustCompile(`^[0-9]{2}$`)
	rePrefixed = regexp.MustCompile(`^(TDSC|0000)([A-Za-z0-9_]{20})$`)
)

// currencies maps PosNet's two-letter codes to ISO currencies.
var currencies = map[string]money.Currency{"TL": money.TRY, "US": money.USD, "EU": money.EUR, "GB": money.GBP}

func currencyCode(iso string) string {
	for k, c := range currencies {
		if c.Code == iso {
			return k
		}
	}
	return ""
}

// Transaction state names of agreement replies, by book transaction type.
var stateNames = map[banksim.TxnType]string{
	banksim.TxnAuth:     "Sale",
	banksim.TxnPreAuth:  "Auth",
	banksim.TxnPostAuth: "Capt",
	banksim.TxnCredit:   "Return",
	banksim.TxnVoid:     "Reverse",
}

func (s *Server) handleAPI(w http.ResponseWriter, r *http.Request) {
	body, err := readRequest(r)
	var req *posnetRequest
	if err == nil {
		req, err = parseRequest(body)
	}
	op := OpInvalid
	if err == nil {
		op = req.op()
	}
	s.Respond(w, r, op, "text/xml; charset=ISO-8859-9", func() []byte {
		nodes := s.process(op, req)
		s.Log().Info("posnetsim", "op", op, "approved", nodes[0].text)
		return encodeReply(nodes)
	})
}

// process answers one request; the first node is always <approved>.
func (s *Server) process(op string, req *posnetRequest) []node {
	if op == OpInvalid {
		return refuse(errRequest)
	}
	m, ok := s.authenticate(req.MID, req.TID)
	if !ok {
		return refuse(errMIDTID)
	}
	now := s.cfg.Now()
	switch op {
	case OpSale:
		return s.authorize(m, req.Sale, banksim.TxnAuth, false, now)
	case OpAuth:
		return s.authorize(m, req.Auth, banksim.TxnPreAuth, false, now)
	case OpCapt:
		return s.capt(m, req.Capt, now)
	case OpReverse:
		return s.reverse(m, req.Reverse, now)
	case OpReturn:
		return s.doReturn(m, req.Return, now)
	case OpAgreement:
		return s.agreement(m, req.Agreement.OrderID)
	case OpOOSRequest:
		return s.oosRequest(m, req.OOSRequest, now)
	case OpOOSResolve:
		return s.oosResolve(m, req.OOSResolve)
	case OpOOSTranData:
		return s.oosTranData(m, req.OOSTranData, now)
	}
	return refuse(errRequest)
}

func refuse(e refusal) []node {
	return []node{leaf("approved", "0"), leaf("respCode", e.Code), leaf("respText", e.Text)}
}

var hostSeq atomic.Uint64

// newHostLogKey returns an 18-digit host reference, day of year first.
func newHostLogKey(now time.Time) string {
	return fmt.Sprintf("%03d%015d", now.In(bankZone).YearDay(), hostSeq.Add(1))
}

func newAuthCode() string { return fmt.Sprintf("%06d", rand.IntN(1000000)) }

// tranDate is the short timestamp of payment replies ("190703093340").
func tranDate(t time.Time) string { return t.In(bankZone).Format("060102150405") }

func approvedReply(t banksim.Txn, installments int) []node {
	return []node{
		leaf("approved", "1"),
		leaf("respCode", ""),
		leaf("respText", ""),
		leaf("hostlogkey", t.HostRef),
		leaf("authCode", t.AuthCode),
		leaf("tranDate", tranDate(t.Time)),
		group("instInfo", leaf("inst1", fmt.Sprintf("%02d", max(installments, 1)%100)), leaf("amnt1", "0")),
		group("pointInfo", leaf("point", "00000000"), leaf("pointAmount", "000000000000"), leaf("totalPoint", "00000000")),
	}
}

// cardInput is a card transaction after format checks.
type cardInput struct {
	orderID      string
	amount       money.Amount
	installments int
	pan          card.PAN
	exp          card.Expiry
	holder       string
}

func (s *Server) parseCardTxn(m Merchant, t *cardTxn) (cardInput, *refusal) {
	var in cardInput
	if !reOrderID.MatchString(t.OrderID) {
		return in, &errOrderID
	}
	cur, ok := currencies[t.CurrencyCode]
	if !ok {
		return in, &errCurrency
	}
	if !reAmount.MatchString(t.Amount) {
		return in, &errAmount
	}
	a, err := money.ParseMinor(t.Amount, cur)
	if err != nil || a.Minor <= 0 {
		return in, &errAmount
	}
	if !rePAN.MatchString(t.CCNo) {
		return in, &errPAN
	}
	pan, err := card.ParsePAN(t.CCNo)
	if err != nil {
		return in, &errPAN
	}
	if !reExpDate.MatchString(t.ExpDate) {
		return in, &errExpiry
	}
	yy, _ := strconv.Atoi(t.ExpDate[:2])
	mm, _ := strconv.Atoi(t.ExpDate[2:])
	exp, err := card.NewExpiry(mm, yy)
	if err != nil {
		return in, &errExpiry
	}
	if !reCVC.MatchString(t.CVC) {
		return in, &errCVC
	}
	if !reInstall.MatchString(t.Installment) {
		return in, &errInstallments
	}
	n, _ := strconv.Atoi(t.Installment)
	if n > 1 && (cur.Code != money.TRY.Code || n > m.maxInstallments()) {
		return in, &errInstallments
	}
	return cardInput{orderID: t.OrderID, amount: a, installments: max(n, 1), pan: pan, exp: exp}, nil
}

// authorize is sale, auth and the provisioning of oosTranData.
func (s *Server) authorize(m Merchant, t *cardTxn, typ banksim.TxnType, threeD bool, now time.Time) []node {
	in, bad := s.parseCardTxn(m, t)
	if bad != nil {
		return refuse(*bad)
	}
	return s.book(m, in, typ, threeD, now)
}

func (s *Server) book(m Merchant, in cardInput, typ banksim.TxnType, threeD bool, now time.Time) []node {
	r := s.Book().Charge(m.MID, in.orderID, banksim.Charge{
		Type: typ, Amount: in.amount, Installments: in.installments, PAN: in.pan.Reveal(), Expiry: in.exp,
		Card: in.pan.Masked(), Holder: in.holder, HostRef: newHostLogKey, AuthCode: newAuthCode, DeclinePrefix: "00",
	}, now)
	switch {
	case r.Duplicate:
		// The order id is taken: approved 2, echoing the earlier transaction.
		o := r.Order
		return []node{leaf("approved", "2"), leaf("respCode", errDuplicate.Code), leaf("respText", errDuplicate.Text),
			leaf("hostlogkey", o.HostRef), leaf("authCode", o.AuthCode), leaf("tranDate", tranDate(o.AuthorizedAt))}
	case r.Declined:
		return refuse(refusal{r.Txn.Code, r.Txn.Message})
	}
	s.recordHostKey(r.Txn.HostRef, hostRef{m.MID, in.orderID, stateNames[typ]})
	if threeD {
		s.markThreeD(m.MID, in.orderID)
	}
	return approvedReply(r.Txn, in.installments)
}

// findOrder resolves a hostLogKey, or else a 24-character order id whose
// prefix must match how the order was paid ("TDSC" for 3D Secure).
func (s *Server) findOrder(m Merchant, hostLogKey, prefixedID string) (string, hostRef, bool) {
	if hostLogKey != "" {
		ref, ok := s.hostKey(hostLogKey)
		if !ok || ref.mid != m.MID {
			return "", hostRef{}, false
		}
		return ref.orderID, ref, true
	}
	g := rePrefixed.FindStringSubmatch(prefixedID)
	if g == nil || (g[1] == "TDSC") != s.isThreeD(m.MID, g[2]) {
		return "", hostRef{}, false
	}
	return g[2], hostRef{}, true
}

func (s *Server) capt(m Merchant, c *captTxn, now time.Time) []node {
	orderID, ref, ok := s.findOrder(m, c.HostLogKey, "")
	if !ok {
		return refuse(errNotFound)
	}
	if ref.typ != "Auth" {
		return refuse(errCapture)
	}
	if !reInstall.MatchString(c.Installment) {
		return refuse(errInstallments)
	}
	var rep []node
	s.Book().Update(m.MID, orderID, func(o *banksim.Order) *banksim.Order {
		if o == nil || o.State != banksim.OrderAuthorized || o.Settled {
			rep = refuse(errCapture)
			return nil
		}
		if currencies[c.CurrencyCode].Code != o.Currency {
			rep = refuse(errCurrency)
			return nil
		}
		a, err := money.ParseMinor(c.Amount, money.MustCurrency(o.Currency))
		if !reAmount.MatchString(c.Amount) || err != nil || a.Minor <= 0 {
			rep = refuse(errAmount)
			return nil
		}
		if a.Minor > o.Authorized {
			rep = refuse(errCapture)
			return nil
		}
		t := banksim.Txn{Type: banksim.TxnPostAuth, Amount: a.Minor, Approved: true, Code: "00", AuthCode: o.AuthCode,
			HostRef: newHostLogKey(now), TransID: banksim.NewTransID(now), Time: now}
		o.MarkCaptured(a.Minor, now)
		o.Txns = append(o.Txns, t)
		s.recordHostKey(t.HostRef, hostRef{m.MID, orderID, "Capt"})
		rep = approvedReply(t, o.Installments)
		return nil
	})
	return rep
}

// reverse undoes a sale, pre-authorisation or capture the same day. The
// simulator reverses the whole order: a reversed capture releases its
// pre-authorisation too.
func (s *Server) reverse(m Merchant, rv *reverseTxn, now time.Time) []node {
	orderID, ref, ok := s.findOrder(m, rv.HostLogKey, rv.OrderID)
	if !ok {
		return refuse(errNotFound)
	}
	kind := strings.ToLower(rv.Transaction)
	if kind != "sale" && kind != "auth" && kind != "capt" {
		return refuse(errTranType)
	}
	var rep []node
	s.Book().Update(m.MID, orderID, func(o *banksim.Order) *banksim.Order {
		switch {
		case !o.Voidable() || o.Refunded > 0:
			rep = refuse(errReverse)
			return nil
		case ref.typ != "" && !strings.EqualFold(ref.typ, kind):
			rep = refuse(errReverse) // the hostLogKey names another kind of transaction
			return nil
		case ref.typ == "" && !strings.EqualFold(latestKind(o), kind):
			rep = refuse(errReverse)
			return nil
		}
		amt := o.VoidAmount()
		t := banksim.Txn{Type: banksim.TxnVoid, Amount: amt, Approved: true, Code: "00", AuthCode: o.AuthCode,
			HostRef: newHostLogKey(now), TransID: banksim.NewTransID(now), Time: now}
		o.MarkVoided(now)
		o.Txns = append(o.Txns, t)
		s.recordHostKey(t.HostRef, hostRef{m.MID, orderID, "Reverse"})
		rep = approvedReply(t, o.Installments)
		return nil
	})
	return rep
}

// latestKind is the transaction a reverse by order id undoes.
func latestKind(o *banksim.Order) string {
	switch {
	case o.Type == banksim.TxnPreAuth && o.State == banksim.OrderCaptured:
		return "capt"
	case o.Type == banksim.TxnPreAuth:
		return "auth"
	}
	return "sale"
}

func (s *Server) doReturn(m Merchant, rt *returnTxn, now time.Time) []node {
	orderID, ref, ok := s.findOrder(m, rt.HostLogKey, rt.OrderID)
	if !ok {
		return refuse(errNotFound)
	}
	if ref.typ != "" && ref.typ != "Sale" && ref.typ != "Capt" {
		return refuse(errRefund)
	}
	var rep []node
	s.Book().Update(m.MID, orderID, func(o *banksim.Order) *banksim.Order {
		if o == nil || (o.State != banksim.OrderCaptured && o.State != banksim.OrderPartiallyRefunded) {
			rep = refuse(errRefund)
			return nil
		}
		if currencies[rt.CurrencyCode].Code != o.Currency {
			rep = refuse(errCurrency)
			return nil
		}
		a, err := money.ParseMinor(rt.Amount, money.MustCurrency(o.Currency))
		if !reAmount.MatchString(rt.Amount) || err != nil || a.Minor <= 0 {
			rep = refuse(errAmount)
			return nil
		}
		if a.Minor > o.Captured-o.Refunded {
			rep = refuse(errRefund)
			return nil
		}
		t := banksim.Txn{Type: banksim.TxnCredit, Amount: a.Minor, Approved: true, Code: "00", AuthCode: newAuthCode(),
			HostRef: newHostLogKey(now), TransID: banksim.NewTransID(now), Time: now}
		o.AddRefund(a.Minor)
		o.Txns = append(o.Txns, t)
		s.recordHostKey(t.HostRef, hostRef{m.MID, orderID, "Return"})
		rep = approvedReply(t, o.Installments)
		return nil
	})
	return rep
}

// maskSpaced renders a stored 6+4 mask as agreement replies do:
// "4506 34** **** 4637".
func maskSpaced(mask string) string {
	var b strings.Builder
	for i := 0; i < len(mask); i++ {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteByte(mask[i])
	}
	return b.String()
}

// agreement lists the order's approved transactions, oldest first.
func (s *Server) agreement(m Merchant, prefixedID string) []node {
	orderID, _, ok := s.findOrder(m, "", prefixedID)
	if !ok {
		return refuse(errNotFound)
	}
	o, ok := s.Book().Get(m.MID, orderID)
	if !ok {
		return refuse(errNotFound)
	}
	var list []node
	for _, t := range o.Txns {
		if !t.Approved {
			continue
		}
		list = append(list, group("transaction",
			leaf("orderID", prefixedID),
			leaf("ccno", maskSpaced(o.Card)),
			leaf("amount", banksim.GroupedAmount(t.Amount)),
			leaf("currencyCode", currencyCode(o.Currency)),
			leaf("authCode", t.AuthCode),
			leaf("tranDate", t.Time.In(bankZone).Format("2006-01-02 15:04:05.000")),
			leaf("state", stateNames[t.Type]),
			leaf("txnStatus", "1"),
			leaf("hostlogkey", t.HostRef),
		))
	}
	if len(list) == 0 {
		return refuse(errNotFound)
	}
	return []node{leaf("approved", "1"), group("transactions", list...)}
}
