package posnetv1sim

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/gateway"
)

// session is a 3D attempt after the ACS, kept by SecureTransactionId until
// the merchant provisions it (once).
type session struct {
	merchant string
	in       cardInput
	tranType string // Sale or Auth
	mdStatus string
	eci      string
	cavv     string
	used     bool
}

// callbackSigned is the list the gate signs its callback over.
const callbackSigned = "ECI:CAVV:MdStatus:MdErrorMessage:MD:SecureTransactionId"

func randomDigits(n int) string {
	limit := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
	v, _ := rand.Int(rand.Reader, limit)
	return fmt.Sprintf("%0*d", n, v)
}

// handleGate checks the merchant's form Mac, runs the ACS challenge and
// posts the signed result to MerchantReturnURL.
func (s *Server) handleGate(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	f := r.PostForm
	m, ok := s.Merchant(f.Get("MerchantNo"))
	if !ok || f.Get("TerminalNo") != m.TerminalNo || f.Get("PosnetID") != m.PosnetID {
		http.Error(w, "3D Secure: üye işyeri bilgileri hatalı", http.StatusBadRequest)
		return
	}
	want := mac(m.EncKey, m.MerchantNo, m.TerminalNo, f.Get("CardNo"), f.Get("Cvv"), f.Get("ExpiredDate"), f.Get("Amount"))
	if subtle.ConstantTimeCompare([]byte(want), []byte(f.Get("Mac"))) != 1 {
		http.Error(w, "3D Secure: Mac doğrulanamadı", http.StatusBadRequest)
		return
	}
	tranType := f.Get("TransactionType")
	if tranType != "Sale" && tranType != "Auth" {
		http.Error(w, "3D Secure: işlem tipi hatalı", http.StatusBadRequest)
		return
	}
	in, bad := parseCard(m, f.Get("OrderId"), f.Get("Amount"), f.Get("CurrencyCode"), f.Get("InstallmentCount"),
		f.Get("CardNo"), f.Get("ExpiredDate"), f.Get("Cvv"))
	if bad != nil {
		http.Error(w, "3D Secure: "+bad.Text, http.StatusBadRequest)
		return
	}
	ret, err := url.Parse(f.Get("MerchantReturnURL"))
	if err != nil || (ret.Scheme != "https" && ret.Scheme != "http") || ret.Host == "" {
		http.Error(w, "3D Secure: MerchantReturnURL hatalı", http.StatusBadRequest)
		return
	}
	s.Challenge(w, in.pan.Reveal(), banksim.Challenge{
		Merchant:   m.Name,
		Amount:     in.amount.DecimalSep(",") + " " + f.Get("CurrencyCode"),
		MaskedCard: in.pan.Masked(),
		Complete: func(outcome banksim.ACSOutcome) (string, []gateway.Field) {
			return ret.String(), s.complete(m, in, tranType, outcome)
		},
	})
}

// complete records the attempt and builds the signed callback.
func (s *Server) complete(m Merchant, in cardInput, tranType string, outcome banksim.ACSOutcome) []gateway.Field {
	secureID := randomDigits(16)
	md := "0161" + secureID[1:] // shaped like captured MD values
	cavvRaw := make([]byte, 20)
	rand.Read(cavvRaw)
	sess := &session{merchant: m.MerchantNo, in: in, tranType: tranType}
	mdText := "Not authenticated"
	switch outcome {
	case banksim.ACSAuthenticated:
		sess.mdStatus, sess.eci, sess.cavv, mdText = "1", "05", base64.StdEncoding.EncodeToString(cavvRaw), "Authenticated"
	case banksim.ACSAttempted:
		sess.mdStatus, sess.eci, sess.cavv, mdText = "4", "06", base64.StdEncoding.EncodeToString(cavvRaw), "Attempt"
	case banksim.ACSCancelled:
		sess.mdStatus, sess.eci, mdText = "0", "07", "Cancelled by cardholder"
	default:
		sess.mdStatus, sess.eci = "0", "07"
	}
	s.mu.Lock()
	s.secure[secureID] = sess
	s.mu.Unlock()
	return []gateway.Field{
		{Name: "CCPrefix", Value: in.pan.BIN6()},
		{Name: "TranType", Value: tranType},
		{Name: "Amount", Value: in.amount.MinorString()},
		{Name: "OrderId", Value: in.orderID},
		{Name: "MerchantId", Value: m.MerchantNo},
		{Name: "CAVV", Value: sess.cavv},
		{Name: "CAVVAlgorithm", Value: "3"},
		{Name: "ECI", Value: sess.eci},
		{Name: "MD", Value: md},
		{Name: "MdErrorMessage", Value: mdText},
		{Name: "MdStatus", Value: sess.mdStatus},
		{Name: "SecureTransactionId", Value: secureID},
		{Name: "Mac", Value: mac(m.EncKey, sess.eci, sess.cavv, sess.mdStatus, mdText, md, secureID)},
		{Name: "MacParams", Value: callbackSigned},
		{Name: "CurrencyCode", Value: in.amount.Currency.Numeric},
		{Name: "InstalmentCode", Value: fmt.Sprint(in.installments % 100)},
		{Name: "VtfCode", Value: ""},
		{Name: "PointAmount", Value: ""},
	}
}

// provision is Sale/Auth with ThreeDSecureData: the attempt must be
// authenticated (MdStatus 1-4), for this order, amount and currency, with
// the CAVV/ECI the ACS issued, and not provisioned before.
func (s *Server) provision(m Merchant, req *request, typ banksim.TxnType, now time.Time) obj {
	d := req.ThreeDSecureData
	s.mu.Lock()
	sess, ok := s.secure[string(d.SecureTransactionID)]
	s.mu.Unlock()
	if !ok || sess.merchant != m.MerchantNo {
		return refused(errNotFound)
	}
	cur, okCur := currencies[string(req.CurrencyCode)]
	switch {
	case sess.mdStatus != string(d.MdStatus) || sess.cavv != string(d.CavvData) || sess.eci != string(d.Eci):
		return refused(errMAC)
	case sess.mdStatus != "1" && sess.mdStatus != "2" && sess.mdStatus != "3" && sess.mdStatus != "4":
		return refused(errNot3D)
	case string(req.OrderID) != sess.in.orderID || string(req.Amount) != sess.in.amount.MinorString() ||
		!okCur || cur.Code != sess.in.amount.Currency.Code:
		return refused(errNot3D) // the authentication was for another order or amount
	case (typ == banksim.TxnAuth) != (sess.tranType == "Sale"):
		return refused(errTranType)
	}
	s.mu.Lock()
	used := sess.used
	sess.used = true
	s.mu.Unlock()
	if used {
		return refused(errDuplicate)
	}
	return s.book(m, sess.in, typ, true, now)
}
