package posnetv1sim

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
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

// Operation names (the URL's last segment), also used to target faults.
const (
	OpSale    = "Sale"
	OpAuth    = "Auth"
	OpCapture = "Capture"
	OpReverse = "Reverse"
	OpReturn  = "Return"
	OpInquiry = "TransactionInquiry"
	OpInvalid = "invalid"
)

// refusal is the host refusing a request: ResponseCode and its text.
// "captured" codes were seen in real replies; the rest are this simulator's.
type refusal struct{ Code, Text string }

var (
	errDuplicate    = refusal{"0127", "ORDERID DAHA ONCE KULLANILMIS"} // captured
	errNotFound     = refusal{"0123", "ISLEM BULUNAMADI"}              // captured code
	errTerminal     = refusal{"0148", "INVALID MID TID IP"}            // captured (PosNet)
	errMAC          = refusal{"E216", "Mac Doğrulama hatalı"}          // captured (PosNet)
	errRequest      = refusal{"0100", "HATALI ISTEK MESAJI"}
	errOrderID      = refusal{"0101", "GECERSIZ SIPARIS NUMARASI"}
	errAmount       = refusal{"0102", "GECERSIZ TUTAR"}
	errCurrency     = refusal{"0103", "GECERSIZ PARA BIRIMI"}
	errPAN          = refusal{"0104", "GECERSIZ KART NUMARASI"}
	errExpiry       = refusal{"0105", "GECERSIZ SON KULLANMA TARIHI"}
	errCVC          = refusal{"0106", "GECERSIZ GUVENLIK KODU"}
	errInstallments = refusal{"0107", "TAKSIT SAYISI GECERSIZ"}
	errCapture      = refusal{"0108", "PROVIZYON KAPAMA YAPILAMAZ"}
	errRefund       = refusal{"0109", "IADE TUTARI IADE EDILEBILIR TUTARDAN BUYUK"}
	errReverse      = refusal{"0110", "IPTAL EDILECEK ISLEM BULUNAMADI"}
	errTranType     = refusal{"0111", "GECERSIZ ISLEM TIPI"}
	errNot3D        = refusal{"0113", "3D DOGRULAMA BASARISIZ"}
)

var bankZone = time.FixedZone("TRT", 3*60*60)

var (
	reOrderID  = regexp.MustCompile(`^[A-Za-z0-9_]{20}$`)
	reAmount   = regexp.MustCompile(`^[0-9]{1,12}$`)
	reExpDate  = regexp.MustCompile(`^[0-9]{2}(0[1-9]|1[0-2])$`)
	reCVC      = regexp.MustCompile(`^[0-9]{3,4}$`)
	rePAN      = regexp.MustCompile(`^[0-9]{12,19}$`)
	rePrefixed = regexp.MustCompile(`^(TDS_|0000)([A-Za-z0-9_]{20})$`)
)

var currencies = map[string]money.Currency{"TL": money.TRY, "US": money.USD, "EU": money.EUR, "GB": money.GBP}

func currencyCode(iso string) string {
	for k, c := range currencies {
		if c.Code == iso {
			return k
		}
	}
	return ""
}

var typeNames = map[banksim.TxnType]string{
	banksim.TxnAuth: "Sale", banksim.TxnPreAuth: "Auth", banksim.TxnPostAuth: "Capture",
	banksim.TxnCredit: "Return", banksim.TxnVoid: "Reverse",
}

// text accepts a JSON string or number.
type text string

func (t *text) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		err := json.Unmarshal(b, &s)
		*t = text(strings.TrimSpace(s))
		return err
	}
	var n json.Number
	err := json.Unmarshal(b, &n)
	*t = text(n)
	return err
}

type request struct {
	MerchantNo          text `json:"MerchantNo"`
	TerminalNo          text `json:"TerminalNo"`
	MACParams           text `json:"MACParams"`
	MAC                 text `json:"MAC"`
	CardInformationData *struct {
		CardNo         text `json:"CardNo"`
		ExpireDate     text `json:"ExpireDate"`
		Cvc2           text `json:"Cvc2"`
		CardHolderName text `json:"CardHolderName"`
	} `json:"CardInformationData"`
	ThreeDSecureData *struct {
		SecureTransactionID text `json:"SecureTransactionId"`
		CavvData            text `json:"CavvData"`
		Eci                 text `json:"Eci"`
		MdStatus            text `json:"MdStatus"`
		MD                  text `json:"MD"`
	} `json:"ThreeDSecureData"`
	Amount           text `json:"Amount"`
	CurrencyCode     text `json:"CurrencyCode"`
	OrderID          text `json:"OrderId"`
	ReferenceCode    text `json:"ReferenceCode"`
	TransactionType  text `json:"TransactionType"`
	InstallmentCount text `json:"InstallmentCount"`
}

// macParams is the list each operation must be signed with.
func macParams(op string, req *request) string {
	switch {
	case (op == OpSale || op == OpAuth) && req.ThreeDSecureData != nil:
		return "MerchantNo:TerminalNo:SecureTransactionId:CavvData:Eci:MdStatus"
	case op == OpSale || op == OpAuth:
		return "MerchantNo:TerminalNo:CardNo:Cvc2:ExpireDate:Amount"
	case op == OpReverse || op == OpReturn:
		return "MerchantNo:TerminalNo:ReferenceCode:OrderId"
	}
	return "MerchantNo:TerminalNo"
}

// macValue finds a MACParams field in the request, nested ones included.
func macValue(req *request, name string) string {
	switch name {
	case "MerchantNo":
		return string(req.MerchantNo)
	case "TerminalNo":
		return string(req.TerminalNo)
	case "Amount":
		return string(req.Amount)
	case "ReferenceCode":
		return string(req.ReferenceCode)
	case "OrderId":
		return string(req.OrderID)
	}
	if c := req.CardInformationData; c != nil {
		switch name {
		case "CardNo":
			return string(c.CardNo)
		case "Cvc2":
			return string(c.Cvc2)
		case "ExpireDate":
			return string(c.ExpireDate)
		}
	}
	if d := req.ThreeDSecureData; d != nil {
		switch name {
		case "SecureTransactionId":
			return string(d.SecureTransactionID)
		case "CavvData":
			return string(d.CavvData)
		case "Eci":
			return string(d.Eci)
		case "MdStatus":
			return string(d.MdStatus)
		}
	}
	return ""
}

// mac is base64(SHA-256(values joined without separator + ENCKEY)).
func mac(key string, values ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(values, "") + key))
	return base64.StdEncoding.EncodeToString(sum[:])
}

func (s *Server) handleAPI(w http.ResponseWriter, r *http.Request) {
	op := r.PathValue("op")
	switch op {
	case OpSale, OpAuth, OpCapture, OpReverse, OpReturn, OpInquiry:
	default:
		op = OpInvalid
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	var req request
	if err == nil {
		err = json.Unmarshal(body, &req)
	}
	s.Respond(w, r, op, "application/json; charset=utf-8", func() []byte {
		if err != nil || op == OpInvalid {
			return reply(refused(errRequest))
		}
		return reply(s.process(op, &req))
	})
}

type obj = map[string]any

func refused(e refusal) obj {
	return obj{"ServiceResponseData": obj{"ResponseCode": e.Code, "ResponseDescription": e.Text}}
}

func reply(v obj) []byte {
	b, _ := json.Marshal(v)
	return b
}

func (s *Server) process(op string, req *request) obj {
	m, ok := s.Merchant(string(req.MerchantNo))
	if !ok || string(req.TerminalNo) != m.TerminalNo {
		return refused(errTerminal)
	}
	params := macParams(op, req)
	var vals []string
	for _, p := range strings.Split(params, ":") {
		vals = append(vals, macValue(req, p))
	}
	if string(req.MACParams) != params || subtle.ConstantTimeCompare([]byte(mac(m.EncKey, vals...)), []byte(req.MAC)) != 1 {
		return refused(errMAC)
	}
	now := s.cfg.Now()
	typ := banksim.TxnAuth
	if op == OpAuth {
		typ = banksim.TxnPreAuth
	}
	switch {
	case (op == OpSale || op == OpAuth) && req.ThreeDSecureData != nil:
		return s.provision(m, req, typ, now)
	case op == OpSale || op == OpAuth:
		c := req.CardInformationData
		if c == nil {
			return refused(errPAN)
		}
		in, bad := parseCard(m, string(req.OrderID), string(req.Amount), string(req.CurrencyCode), string(req.InstallmentCount),
			string(c.CardNo), string(c.ExpireDate), string(c.Cvc2))
		if bad != nil {
			return refused(*bad)
		}
		return s.book(m, in, typ, false, now)
	case op == OpCapture:
		return s.capture(m, req, now)
	case op == OpReverse:
		return s.reverse(m, req, now)
	case op == OpReturn:
		return s.doReturn(m, req, now)
	}
	return s.inquiry(m, string(req.OrderID))
}

type cardInput struct {
	orderID      string
	amount       money.Amount
	installments int
	pan          card.PAN
	exp          card.Expiry
	expDate, cvc string
}

func parseCard(m Merchant, orderID, amount, cur, inst, pan, exp, cvc string) (cardInput, *refusal) {
	var in cardInput
	if !reOrderID.MatchString(orderID) {
		return in, &errOrderID
	}
	c, ok := currencies[cur]
	if !ok {
		return in, &errCurrency
	}
	a, err := money.ParseMinor(amount, c)
	if !reAmount.MatchString(amount) || err != nil || a.Minor <= 0 {
		return in, &errAmount
	}
	if !rePAN.MatchString(pan) {
		return in, &errPAN
	}
	p, err := card.ParsePAN(pan)
	if err != nil {
		return in, &errPAN
	}
	if !reExpDate.MatchString(exp) {
		return in, &errExpiry
	}
	yy, _ := strconv.Atoi(exp[:2])
	mm, _ := strconv.Atoi(exp[2:])
	e, err := card.NewExpiry(mm, yy)
	if err != nil {
		return in, &errExpiry
	}
	if !reCVC.MatchString(cvc) {
		return in, &errCVC
	}
	n, err := strconv.Atoi(inst)
	if inst == "" {
		n, err = 0, nil
	}
	if err != nil || n < 0 || n > 99 || (n > 1 && (c.Code != money.TRY.Code || n > m.maxInstallments())) {
		return in, &errInstallments
	}
	return cardInput{orderID: orderID, amount: a, installments: max(n, 1), pan: p, exp: e, expDate: exp, cvc: cvc}, nil
}

var refSeq atomic.Uint64

// newReference returns an 18-digit ReferenceCode (HostLogKey).
func newReference(now time.Time) string {
	return fmt.Sprintf("%03d%015d", now.In(bankZone).YearDay(), refSeq.Add(1))
}

func approved(t banksim.Txn, installments int) obj {
	return obj{
		"ServiceResponseData": obj{"ResponseCode": "00", "ResponseDescription": "Onaylandı"},
		"AuthCode":            t.AuthCode,
		"ReferenceCode":       t.HostRef,
		"InstallmentData":     obj{"InstallmentCount": installments % 100, "Amount": 0},
		"MessageData":         obj{"Message1": " "},
	}
}

func (s *Server) book(m Merchant, in cardInput, typ banksim.TxnType, threeD bool, now time.Time) obj {
	r := s.Book().Charge(m.MerchantNo, in.orderID, banksim.Charge{
		Type: typ, Amount: in.amount, Installments: in.installments, PAN: in.pan.Reveal(), Expiry: in.exp,
		Card: in.pan.Masked(), HostRef: newReference, DeclinePrefix: "00",
		AuthCode: func() string { return fmt.Sprintf("%06d", rand.IntN(1000000)) },
	}, now)
	switch {
	case r.Duplicate:
		return refused(errDuplicate)
	case r.Declined:
		return refused(refusal{r.Txn.Code, r.Txn.Message})
	}
	s.recordRef(r.Txn.HostRef, ref{m.MerchantNo, in.orderID, typeNames[typ]})
	if threeD {
		s.markThreeD(m.MerchantNo, in.orderID)
	}
	return approved(r.Txn, in.installments)
}

// find resolves a ReferenceCode, or else a 24-character order id whose
// prefix must match how the order was paid ("TDS_" for 3D Secure).
func (s *Server) find(m Merchant, reference, prefixed string) (string, ref, bool) {
	if reference != "" {
		r, ok := s.lookupRef(reference)
		return r.orderID, r, ok && r.merchant == m.MerchantNo
	}
	g := rePrefixed.FindStringSubmatch(prefixed)
	if g == nil || (g[1] == "TDS_") != s.isThreeD(m.MerchantNo, g[2]) {
		return "", ref{}, false
	}
	return g[2], ref{}, true
}

func (s *Server) newTxn(typ banksim.TxnType, amount int64, authCode string, now time.Time) banksim.Txn {
	return banksim.Txn{Type: typ, Amount: amount, Approved: true, Code: "00", AuthCode: authCode,
		HostRef: newReference(now), TransID: banksim.NewTransID(now), Time: now}
}

func (s *Server) capture(m Merchant, req *request, now time.Time) obj {
	orderID, r, ok := s.find(m, string(req.ReferenceCode), "")
	if !ok {
		return refused(errNotFound)
	}
	if r.typ != "Auth" {
		return refused(errCapture)
	}
	var rep obj
	s.Book().Update(m.MerchantNo, orderID, func(o *banksim.Order) *banksim.Order {
		a, err := money.ParseMinor(string(req.Amount), money.MustCurrency(o.Currency))
		switch {
		case o.State != banksim.OrderAuthorized || o.Settled:
			rep = refused(errCapture)
		case currencies[string(req.CurrencyCode)].Code != o.Currency:
			rep = refused(errCurrency)
		case !reAmount.MatchString(string(req.Amount)) || err != nil || a.Minor <= 0:
			rep = refused(errAmount)
		case a.Minor > o.Authorized:
			rep = refused(errCapture)
		default:
			t := s.newTxn(banksim.TxnPostAuth, a.Minor, o.AuthCode, now)
			o.MarkCaptured(a.Minor, now)
			o.Txns = append(o.Txns, t)
			s.recordRef(t.HostRef, ref{m.MerchantNo, orderID, "Capture"})
			rep = approved(t, o.Installments)
		}
		return nil
	})
	return rep
}

// reverse undoes the order's sale, pre-authorisation or capture the same
// day; the simulator reverses the whole order.
func (s *Server) reverse(m Merchant, req *request, now time.Time) obj {
	kind := string(req.TransactionType)
	if kind != "Sale" && kind != "Auth" && kind != "Capture" {
		return refused(errTranType)
	}
	orderID, r, ok := s.find(m, string(req.ReferenceCode), string(req.OrderID))
	if !ok {
		return refused(errNotFound)
	}
	var rep obj
	s.Book().Update(m.MerchantNo, orderID, func(o *banksim.Order) *banksim.Order {
		switch {
		case !o.Voidable() || o.Refunded > 0,
			r.typ != "" && r.typ != kind:
			rep = refused(errReverse)
			return nil
		}
		amt := o.VoidAmount()
		t := s.newTxn(banksim.TxnVoid, amt, o.AuthCode, now)
		o.MarkVoided(now)
		o.Txns = append(o.Txns, t)
		s.recordRef(t.HostRef, ref{m.MerchantNo, orderID, "Reverse"})
		rep = approved(t, o.Installments)
		return nil
	})
	return rep
}

func (s *Server) doReturn(m Merchant, req *request, now time.Time) obj {
	orderID, r, ok := s.find(m, string(req.ReferenceCode), string(req.OrderID))
	if !ok {
		return refused(errNotFound)
	}
	if r.typ != "" && r.typ != "Sale" && r.typ != "Capture" {
		return refused(errRefund)
	}
	var rep obj
	s.Book().Update(m.MerchantNo, orderID, func(o *banksim.Order) *banksim.Order {
		if o == nil || (o.State != banksim.OrderCaptured && o.State != banksim.OrderPartiallyRefunded) {
			rep = refused(errRefund)
			return nil
		}
		a, err := money.ParseMinor(string(req.Amount), money.MustCurrency(o.Currency))
		switch {
		case currencies[string(req.CurrencyCode)].Code != o.Currency:
			rep = refused(errCurrency)
		case !reAmount.MatchString(string(req.Amount)) || err != nil || a.Minor <= 0:
			rep = refused(errAmount)
		case a.Minor > o.Captured-o.Refunded:
			rep = refused(errRefund)
		default:
			t := s.newTxn(banksim.TxnCredit, a.Minor, fmt.Sprintf("%06d", rand.IntN(1000000)), now)
			o.AddRefund(a.Minor)
			o.Txns = append(o.Txns, t)
			s.recordRef(t.HostRef, ref{m.MerchantNo, orderID, "Return"})
			rep = approved(t, o.Installments)
		}
		return nil
	})
	return rep
}

// inquiry lists the order's approved transactions, newest first.
func (s *Server) inquiry(m Merchant, prefixed string) obj {
	orderID, _, ok := s.find(m, "", prefixed)
	if !ok {
		return refused(errNotFound)
	}
	o, ok := s.Book().Get(m.MerchantNo, orderID)
	if !ok {
		return refused(errNotFound)
	}
	var list []obj
	for i := len(o.Txns) - 1; i >= 0; i-- {
		t := o.Txns[i]
		if !t.Approved {
			continue
		}
		list = append(list, obj{
			"Amount": banksim.GroupedAmount(t.Amount), "AuthCode": t.AuthCode, "CardNo": o.Card, "CurrencyCode": currencyCode(o.Currency),
			"HostLogKey": t.HostRef, "OrderId": prefixed,
			// As captured: date and time without a separator.
			"TransactionDate":   t.Time.In(bankZone).Format("2006-01-0215:04:05.000"),
			"TransactionStatus": "1", "TransactionType": typeNames[t.Type],
		})
	}
	if len(list) == 0 {
		return refused(errNotFound)
	}
	return obj{"ServiceResponseData": obj{"ResponseCode": "0000", "ResponseDescription": "Başarılı"}, "TransactionData": list}
}
