package payflexsim

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/money"
)

// The MPI flow: the merchant's server enrolls (VERes with ACSUrl, PaReq,
// TermUrl, MD); the browser posts PaReq/TermUrl/MD to the ACS; the ACS
// posts PaRes and MD to TermUrl, the MPI; the MPI posts the result to the
// merchant's SuccessUrl or FailureUrl. As in the real protocol the result
// post is unsigned; provisioning checks ECI, CAVV and MpiTransactionId
// against the MPI's record (claimMPI).

// mpiTTL bounds an enrollment's life, like the bank's session timeout.
const mpiTTL = 30 * time.Minute

var (
	reEnrollExpiry = regexp.MustCompile(`^[0-9]{2}(0[1-9]|1[0-2])$`) // YYMM
	reVERID        = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
)

// Enrollment refusals (VERes Status E), this simulator's numbering.
var (
	enrollMerchant = refusal{"2001", "Üye işyeri bulunamadı"}
	enrollInput    = refusal{"2002", "Geçersiz alan"}
	enrollCard     = refusal{"2003", "Geçersiz kart bilgisi"}
	enrollDup      = refusal{"2004", "VerifyEnrollmentRequestId daha önce kullanılmış"}
)

var brandNames = map[card.Brand]string{card.Visa: "100", card.Mastercard: "200", card.Troy: "300", card.Amex: "400"}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func randomB64(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

func (s *Server) handleEnrollment(w http.ResponseWriter, r *http.Request) {
	f, err := readForm(r)
	s.Respond(w, r, OpEnrollment, xmlContent, func() []byte {
		rep := &enrollmentResponse{}
		rep.Message.ID = randomHex(8)
		if err != nil {
			rep.Message.VERes.Status, rep.MessageErrorCode, rep.ErrorMessage = "E", enrollInput.Code, enrollInput.Text
			return encode(rep)
		}
		rep.VerifyEnrollmentRequestID = f.Get("VerifyEnrollmentRequestId")
		rec, bad := s.enroll(f)
		if bad != nil {
			rep.Message.VERes.Status, rep.MessageErrorCode, rep.ErrorMessage = "E", bad.Code, bad.Text
			return encode(rep)
		}
		v := &rep.Message.VERes
		v.Status, v.PaReq, v.MD = "Y", rec.paReq, rec.md
		v.ACSURL, v.TermURL = s.URL()+PathACS, s.URL()+PathTerm
		return encode(rep)
	})
}

// enroll validates an enrollment request and records it.
func (s *Server) enroll(f url.Values) (*mpiRecord, *refusal) {
	m, ok := s.authenticate(f.Get("MerchantId"), f.Get("MerchantPassword"), "", false)
	if !ok {
		return nil, &enrollMerchant
	}
	cur, ok := currencies[f.Get("Currency")]
	if !ok {
		return nil, &enrollInput
	}
	a, err := money.ParseDecimal(f.Get("PurchaseAmount"), cur)
	if !reAmount.MatchString(f.Get("PurchaseAmount")) || err != nil || a.Minor <= 0 {
		return nil, &enrollInput
	}
	pan, err := card.ParsePAN(f.Get("Pan"))
	if err != nil || !rePAN.MatchString(f.Get("Pan")) || !reEnrollExpiry.MatchString(f.Get("ExpiryDate")) ||
		brandNames[pan.Brand()] != f.Get("BrandName") {
		return nil, &enrollCard
	}
	inst := f.Get("InstallmentCount")
	verID := f.Get("VerifyEnrollmentRequestId")
	if !reVERID.MatchString(verID) || !reInstall.MatchString(inst) ||
		!gateway.ValidEndpoint(f.Get("SuccessUrl")) || !gateway.ValidEndpoint(f.Get("FailureUrl")) {
		return nil, &enrollInput
	}
	if n, _ := strconv.Atoi(inst); n > 1 && (cur.Code != money.TRY.Code || n > m.maxInstallments()) {
		return nil, &enrollInput
	}
	now := s.cfg.Now()
	rec := &mpiRecord{
		merchant: m.MerchantID, verID: verID, pan: pan.Reveal(), expiry: f.Get("ExpiryDate"), amount: a,
		installments: inst, successURL: f.Get("SuccessUrl"), failURL: f.Get("FailureUrl"),
		md: randomHex(16), paReq: randomB64(48), expires: now.Add(mpiTTL),
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, r := range s.mpi {
		if now.After(r.expires) {
			delete(s.mpi, id)
			delete(s.byMD, r.md)
		}
	}
	for token, id := range s.paRes {
		if _, live := s.mpi[id]; !live {
			delete(s.paRes, token)
		}
	}
	if _, dup := s.mpi[verID]; dup {
		return nil, &enrollDup
	}
	s.mpi[verID], s.byMD[rec.md] = rec, verID
	return rec, nil
}

// pending returns the enrollment an MD names if it still awaits the ACS.
func (s *Server) pending(md string) (*mpiRecord, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	rec, ok := s.mpi[s.byMD[md]]
	if !ok || rec.status != "" || s.cfg.Now().After(rec.expires) {
		return nil, false
	}
	return rec, true
}

// handleACS is the issuer's ACS: the browser posts PaReq, TermUrl and MD.
func (s *Server) handleACS(w http.ResponseWriter, r *http.Request) {
	f, err := readForm(r)
	if err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	rec, ok := s.pending(f.Get("MD"))
	if !ok || f.Get("PaReq") != rec.paReq || f.Get("TermUrl") != s.URL()+PathTerm {
		http.Error(w, "3-D Secure: unknown or expired PaReq", http.StatusBadRequest)
		return
	}
	m, _ := s.Merchant(rec.merchant)
	pan, _ := card.ParsePAN(rec.pan)
	s.Challenge(w, rec.pan, banksim.Challenge{
		Merchant:   m.Name,
		Amount:     rec.amount.DecimalSep(",") + " " + rec.amount.Currency.Code,
		MaskedCard: pan.Masked(),
		Complete: func(out banksim.ACSOutcome) (string, []gateway.Field) {
			return s.URL() + PathTerm, []gateway.Field{{Name: "PaRes", Value: s.answer(rec, pan.Brand(), out)}, {Name: "MD", Value: rec.md}}
		},
	})
}

// answer records the ACS outcome on the enrollment and returns the PaRes
// token the browser carries to the MPI.
func (s *Server) answer(rec *mpiRecord, brand card.Brand, out banksim.ACSOutcome) string {
	status := "N"
	switch out {
	case banksim.ACSAuthenticated:
		status = "Y"
	case banksim.ACSAttempted:
		status = "A"
	}
	token := randomB64(32)
	s.mu.Lock()
	defer s.mu.Unlock()
	rec.status, rec.eci, rec.xid = status, eci(brand, status), randomB64(15)
	if status != "N" {
		rec.cavv = randomB64(20)
	}
	s.paRes[token] = rec.verID
	return token
}

// eci is the electronic commerce indicator of a result, per scheme.
func eci(b card.Brand, status string) string {
	mc := b == card.Mastercard
	switch {
	case status == "Y" && mc:
		return "02"
	case status == "Y":
		return "05"
	case status == "A" && mc:
		return "01"
	case status == "A":
		return "06"
	case mc:
		return "00"
	}
	return "07"
}

// handleTerm is the MPI's TermUrl: it takes the PaRes once and posts the
// result to the merchant.
func (s *Server) handleTerm(w http.ResponseWriter, r *http.Request) {
	f, err := readForm(r)
	if err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	rec, ok := s.mpi[s.paRes[f.Get("PaRes")]]
	delete(s.paRes, f.Get("PaRes"))
	var snap mpiRecord
	if ok {
		snap = *rec
	}
	s.mu.Unlock()
	if !ok || snap.md != f.Get("MD") {
		http.Error(w, "MPI: unknown PaRes", http.StatusBadRequest)
		return
	}
	pan, _ := card.ParsePAN(snap.pan)
	to, code, msg := snap.successURL, "", ""
	if snap.status == "N" {
		to, code, msg = snap.failURL, "0009", "Kart sahibi doğrulanamadı"
	}
	banksim.AutoPost(w, to, []gateway.Field{
		{Name: "MerchantId", Value: snap.merchant},
		{Name: "SubMerchantNo", Value: "0"},
		{Name: "SubMerchantName", Value: ""},
		{Name: "SubMerchantNumber", Value: ""},
		{Name: "PurchAmount", Value: snap.amount.MinorString()},
		{Name: "PurchCurrency", Value: snap.amount.Currency.Numeric},
		{Name: "VerifyEnrollmentRequestId", Value: snap.verID},
		{Name: "Xid", Value: snap.xid},
		{Name: "SessionInfo", Value: ""},
		{Name: "InstallmentCount", Value: snap.installments},
		// The real MPI echoes the card number; the simulator masks it so
		// that no full PAN crosses the browser.
		{Name: "Pan", Value: pan.Masked()},
		{Name: "Expiry", Value: snap.expiry},
		{Name: "Status", Value: snap.status},
		{Name: "Cavv", Value: snap.cavv},
		{Name: "Eci", Value: snap.eci},
		{Name: "ExpSign", Value: ""},
		{Name: "ErrorCode", Value: code},
		{Name: "ErrorMessage", Value: msg},
	})
}

// claimMPI accepts 3D provisioning evidence once: it must name an
// authentication (Y or A) this MPI produced for the same merchant, card,
// amount and currency, with the ECI and CAVV it issued.
func (s *Server) claimMPI(m Merchant, req *vposRequest, in cardInput, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.mpi[req.MpiTransactionID]
	if !ok || rec.used || now.After(rec.expires) || rec.merchant != m.MerchantID ||
		(rec.status != "Y" && rec.status != "A") || rec.pan != in.pan.Reveal() ||
		rec.amount != in.amount || rec.eci != req.ECI || rec.cavv != req.CAVV {
		return false
	}
	rec.used = true
	return true
}
