package posnetsim

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/money"
)

// The 3D Secure model as the bank documents it: oosRequestData encrypts the
// order (data1) and the card (data2) under the bank's key and signs both;
// the browser posts them to the gate; after the ACS the gate posts
// MerchantPacket, BankPacket and Sign back to merchantReturnURL; the
// merchant hands those back with oosResolveMerchantData (the bank answers
// mdStatus and the order, MAC-signed with the ENCKEY) and provisions with
// oosTranData. Merchant MACs cover xid;amount;currency;mid;firstHash, which
// ties each call to the order the packets were issued for.

// orderPacket is the order half (data1, MerchantPacket).
type orderPacket struct {
	MID         string `json:"mid"`
	TID         string `json:"tid"`
	XID         string `json:"xid"`
	Amount      string `json:"amount"`
	Currency    string `json:"currency"`
	Installment string `json:"installment"`
	TranType    string `json:"tranType"`
	// Set after the ACS (MerchantPacket only).
	MDStatus       string `json:"mdStatus,omitempty"`
	MDErrorMessage string `json:"mdErrorMessage,omitempty"`
	TxStatus       string `json:"txStatus,omitempty"`
	ECI            string `json:"eci,omitempty"`
	CAVV           string `json:"cavv,omitempty"`
}

// cardPacket is the card half (data2, BankPacket).
type cardPacket struct {
	XID     string `json:"xid"`
	PAN     string `json:"pan"`
	ExpDate string `json:"expDate"`
	CVC     string `json:"cvc"`
	Holder  string `json:"holder"`
}

func (s *Server) seal(v any) string {
	plain, _ := json.Marshal(v)
	block, _ := aes.NewCipher(s.sealKey)
	aead, _ := cipher.NewGCM(block)
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	return strings.ToUpper(hex.EncodeToString(aead.Seal(nonce, nonce, plain, nil)))
}

func (s *Server) open(packet string, v any) error {
	raw, err := hex.DecodeString(packet)
	if err != nil {
		return err
	}
	block, _ := aes.NewCipher(s.sealKey)
	aead, _ := cipher.NewGCM(block)
	if len(raw) < aead.NonceSize() {
		return errors.New("short packet")
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], nil)
	if err != nil {
		return err
	}
	return json.Unmarshal(plain, v)
}

// sign is the bank's signature over a packet pair (digest, Sign).
func (s *Server) sign(a, b string) string {
	h := hmac.New(sha256.New, s.signKey)
	h.Write([]byte(a + "|" + b))
	return strings.ToUpper(hex.EncodeToString(h.Sum(nil)))
}

func (s *Server) signOK(a, b, got string) bool {
	return subtle.ConstantTimeCompare([]byte(s.sign(a, b)), []byte(got)) == 1
}

func hashB64(str string) string {
	sum := sha256.Sum256([]byte(str))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// macOf is base64(SHA-256(parts;...;base64(SHA-256(ENCKEY;tid)))).
func macOf(m Merchant, parts ...string) string {
	return hashB64(strings.Join(append(parts, hashB64(m.EncKey+";"+m.TID)), ";"))
}

func (s *Server) oosRequest(m Merchant, q *oosRequest, now time.Time) []node {
	if q.PosnetID != m.PosnetID {
		return refuse(errPosnetID)
	}
	if q.TranType != "Sale" && q.TranType != "Auth" {
		return refuse(errTranType)
	}
	in, bad := s.parseCardTxn(m, &cardTxn{OrderID: q.XID, Installment: q.Installment, Amount: q.Amount,
		CurrencyCode: q.CurrencyCode, CCNo: q.CCNo, ExpDate: q.ExpDate, CVC: q.CVC})
	if bad != nil {
		return refuse(*bad)
	}
	if o, ok := s.Book().Get(m.MID, in.orderID); ok && o.State != banksim.OrderDeclined {
		return refuse(errDuplicate)
	}
	data1 := s.seal(orderPacket{MID: m.MID, TID: m.TID, XID: q.XID, Amount: q.Amount, Currency: q.CurrencyCode,
		Installment: q.Installment, TranType: q.TranType})
	data2 := s.seal(cardPacket{XID: q.XID, PAN: q.CCNo, ExpDate: q.ExpDate, CVC: q.CVC, Holder: q.CardHolderName})
	return []node{leaf("approved", "1"), group("oosRequestDataResponse",
		leaf("data1", data1), leaf("data2", data2), leaf("sign", s.sign(data1, data2)))}
}

// handleGate is the browser's 3D gate: it checks the form's digest, then
// runs the shared ACS challenge and posts the signed packets back.
func (s *Server) handleGate(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxRequest)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	f := r.PostForm
	data1, data2 := f.Get("posnetData"), f.Get("posnetData2")
	var op orderPacket
	var cp cardPacket
	if !s.signOK(data1, data2, f.Get("digest")) || s.open(data1, &op) != nil || s.open(data2, &cp) != nil || op.XID != cp.XID {
		http.Error(w, "3D Secure: posnetData/digest doğrulanamadı", http.StatusBadRequest)
		return
	}
	m, ok := s.Merchant(op.MID)
	if !ok || f.Get("mid") != m.MID || f.Get("posnetID") != m.PosnetID {
		http.Error(w, "3D Secure: üye işyeri bilgileri hatalı", http.StatusBadRequest)
		return
	}
	ret, err := url.Parse(f.Get("merchantReturnURL"))
	if err != nil || (ret.Scheme != "https" && ret.Scheme != "http") || ret.Host == "" {
		http.Error(w, "3D Secure: merchantReturnURL hatalı", http.StatusBadRequest)
		return
	}
	minor, _ := strconv.ParseInt(op.Amount, 10, 64)
	shown := money.New(minor, currencies[op.Currency]).DecimalSep(",") + " " + op.Currency
	pan, _ := card.ParsePAN(cp.PAN)
	s.Challenge(w, cp.PAN, banksim.Challenge{
		Merchant:   m.Name,
		Amount:     shown,
		MaskedCard: pan.Masked(),
		Complete: func(outcome banksim.ACSOutcome) (string, []gateway.Field) {
			res := op
			switch outcome {
			case banksim.ACSAuthenticated:
				res.MDStatus, res.TxStatus, res.ECI, res.CAVV = "1", "Y", "05", s.randomCAVV()
			case banksim.ACSAttempted:
				res.MDStatus, res.TxStatus, res.ECI, res.CAVV = "4", "A", "06", s.randomCAVV()
				res.MDErrorMessage = "Attempt"
			case banksim.ACSCancelled:
				res.MDStatus, res.TxStatus, res.MDErrorMessage = "0", "N", "Kart sahibi işlemi iptal etti"
			default:
				res.MDStatus, res.TxStatus, res.MDErrorMessage = "0", "N", "Not authenticated"
			}
			mp, bp := s.seal(res), s.seal(cp)
			return ret.String(), []gateway.Field{
				{Name: "MerchantPacket", Value: mp},
				{Name: "BankPacket", Value: bp},
				{Name: "Sign", Value: s.sign(mp, bp)},
			}
		},
	})
}

func (s *Server) randomCAVV() string {
	b := make([]byte, 20)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// openPackets checks the callback packets' Sign and the merchant's MAC over
// the order they were issued for.
func (s *Server) openPackets(m Merchant, p *oosPackets) (orderPacket, cardPacket, *refusal) {
	var op orderPacket
	var cp cardPacket
	if !s.signOK(p.MerchantData, p.BankData, p.Sign) {
		return op, cp, &errSign
	}
	if s.open(p.MerchantData, &op) != nil || s.open(p.BankData, &cp) != nil || op.XID != cp.XID || op.MDStatus == "" {
		return op, cp, &errSign
	}
	if op.MID != m.MID || op.TID != m.TID {
		return op, cp, &errMIDTID
	}
	want := macOf(m, op.XID, op.Amount, op.Currency, m.MID)
	if subtle.ConstantTimeCompare([]byte(want), []byte(p.MAC)) != 1 {
		return op, cp, &errMAC
	}
	return op, cp, nil
}

func (s *Server) oosResolve(m Merchant, p *oosPackets) []node {
	op, _, bad := s.openPackets(m, p)
	if bad != nil {
		return refuse(*bad)
	}
	return []node{leaf("approved", "1"), leaf("respCode", ""), leaf("respText", ""),
		group("oosResolveMerchantDataResponse",
			leaf("xid", op.XID),
			leaf("amount", op.Amount),
			leaf("currency", op.Currency),
			leaf("installment", op.Installment),
			leaf("point", "0"),
			leaf("pointAmount", "0"),
			leaf("txStatus", op.TxStatus),
			leaf("mdStatus", op.MDStatus),
			leaf("mdErrorMessage", op.MDErrorMessage),
			leaf("mac", macOf(m, op.MDStatus, op.XID, op.Amount, op.Currency, m.MID)),
		)}
}

// oosTranData provisions an authenticated (mdStatus 1-4) 3D order once;
// a second provisioning of the same packets is a duplicate order id.
func (s *Server) oosTranData(m Merchant, p *oosPackets, now time.Time) []node {
	op, cp, bad := s.openPackets(m, p)
	if bad != nil {
		return refuse(*bad)
	}
	switch op.MDStatus {
	case "1", "2", "3", "4":
	default:
		return refuse(errNot3D)
	}
	typ := banksim.TxnAuth
	if op.TranType == "Auth" {
		typ = banksim.TxnPreAuth
	}
	in, badIn := s.parseCardTxn(m, &cardTxn{OrderID: op.XID, Installment: op.Installment, Amount: op.Amount,
		CurrencyCode: op.Currency, CCNo: cp.PAN, ExpDate: cp.ExpDate, CVC: cp.CVC})
	if badIn != nil {
		return refuse(*badIn)
	}
	in.holder = cp.Holder
	return s.book(m, in, typ, true, now)
}
