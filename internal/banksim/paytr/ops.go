package paytrsim

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/money"
)

const maxRequest = 64 << 10

var (
	reOID       = regexp.MustCompile(`^[A-Za-z0-9]{1,64}$`)
	reKurus     = regexp.MustCompile(`^[1-9][0-9]{0,11}$`)
	reReturn    = regexp.MustCompile(`^[0-9]{1,10}(\.[0-9]{1,2})?$`)
	rePAN       = regexp.MustCompile(`^[0-9]{12,19}$`)
	reCVV       = regexp.MustCompile(`^[0-9]{3,4}$`)
	reIP        = regexp.MustCompile(`^[0-9A-Fa-f.:]{2,39}$`)
	currencies  = map[string]money.Currency{"TL": money.TRY, "USD": money.USD, "EUR": money.EUR, "GBP": money.GBP}
	currencyOut = map[string]string{"TRY": "TL", "USD": "USD", "EUR": "EUR", "GBP": "GBP"}
)

// PayTR's published notification reasons (failed_reason_code).
var (
	reasonNoAuth    = [2]string{"1", "Kimlik Doğrulama yapılmadı. Lütfen tekrar deneyin ve işlemi tamamlayın."}
	reasonAuthFail  = [2]string{"2", "Kimlik Doğrulama başarısız. Lütfen tekrar deneyin ve şifreyi doğru girin."}
	reasonCancelled = [2]string{"6", "Müşteri ödeme yapmaktan vazgeçti ve ödeme sayfasından ayrıldı."}
)

// signature is base64(HMAC-SHA256(key, concatenation)), every PayTR hash.
func signature(key string, parts ...string) string {
	mac := hmac.New(sha256.New, []byte(key))
	for _, p := range parts {
		mac.Write([]byte(p))
	}
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func equal(a, b string) bool { return a != "" && hmac.Equal([]byte(a), []byte(b)) }

func readForm(r *http.Request) (url.Values, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequest+1))
	if err != nil || len(body) > maxRequest {
		return nil, fmt.Errorf("bad body")
	}
	return url.ParseQuery(string(body))
}

func encode(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only maps of strings and fixed structs are encoded
	}
	return b
}

func failed(reason string) []byte {
	return encode(map[string]string{"status": "failed", "reason": reason})
}

func apiError(no, msg string) []byte {
	return encode(map[string]string{"status": "error", "err_no": no, "err_msg": msg})
}

// --- get-token ---

func (s *Server) handleGetToken(w http.ResponseWriter, r *http.Request) {
	f, err := readForm(r)
	s.Respond(w, r, OpGetToken, "application/json", func() []byte {
		if err != nil {
			return failed("geçersiz istek")
		}
		sess, reason := s.getToken(f)
		if reason != "" {
			return failed(reason)
		}
		return encode(map[string]string{"status": "success", "token": sess.token})
	})
}

// getToken validates a get-token request and opens a session; it returns a
// failure reason instead.
func (s *Server) getToken(f url.Values) (*session, string) {
	for _, k := range []string{"merchant_id", "user_ip", "merchant_oid", "email", "payment_amount", "paytr_token",
		"user_basket", "no_installment", "max_installment", "user_name", "user_address", "user_phone",
		"merchant_ok_url", "merchant_fail_url", "test_mode"} {
		if len(f[k]) != 1 || (f.Get(k) == "" && k != "user_ip") {
			return nil, k + " gönderilmedi veya geçersiz"
		}
	}
	m, ok := s.merchants.Get(f.Get("merchant_id"))
	if !ok {
		return nil, "merchant_id geçersiz"
	}
	cur := f.Get("currency")
	if cur == "" {
		cur = "TL" // PayTR's default
	}
	want := signature(m.Key, f.Get("merchant_id"), f.Get("user_ip"), f.Get("merchant_oid"), f.Get("email"),
		f.Get("payment_amount"), f.Get("user_basket"), f.Get("no_installment"), f.Get("max_installment"),
		f.Get("currency"), f.Get("test_mode"), m.Salt)
	if !equal(f.Get("paytr_token"), want) {
		return nil, "paytr_token geçersiz"
	}
	c, ok := currencies[cur]
	switch {
	case !ok:
		return nil, "currency geçersiz"
	case !reOID.MatchString(f.Get("merchant_oid")):
		return nil, "merchant_oid geçersiz (en fazla 64 harf ve rakam)"
	case !reKurus.MatchString(f.Get("payment_amount")):
		return nil, "payment_amount geçersiz"
	case !reIP.MatchString(f.Get("user_ip")):
		return nil, "user_ip geçersiz"
	case !strings.Contains(f.Get("email"), "@") || len(f.Get("email")) > 100:
		return nil, "email geçersiz"
	case f.Get("test_mode") != "0" && f.Get("test_mode") != "1":
		return nil, "test_mode geçersiz"
	case !gateway.ValidEndpoint(f.Get("merchant_ok_url")) || !gateway.ValidEndpoint(f.Get("merchant_fail_url")):
		return nil, "merchant_ok_url veya merchant_fail_url geçersiz"
	case f.Get("lang") != "" && f.Get("lang") != "tr" && f.Get("lang") != "en":
		return nil, "lang geçersiz"
	}
	amount, _ := money.ParseMinor(f.Get("payment_amount"), c)
	if !validBasket(f.Get("user_basket"), amount) {
		return nil, "user_basket geçersiz"
	}
	maxInst := 1
	switch f.Get("no_installment") {
	case "1":
	case "0":
		n, err := strconv.Atoi(f.Get("max_installment"))
		if err != nil || n < 0 || n > 12 {
			return nil, "max_installment geçersiz"
		}
		maxInst = banksim.InstallmentLimit(n)
		if c.Code != money.TRY.Code {
			maxInst = 1
		}
	default:
		return nil, "no_installment geçersiz"
	}
	if o, ok := s.Book().Get(m.ID, f.Get("merchant_oid")); ok && o.State != banksim.OrderDeclined {
		return nil, "merchant_oid daha önce kullanılmış"
	}
	now := s.cfg.Now()
	sess := &session{merchant: m, token: randomHex(32), oid: f.Get("merchant_oid"), amount: amount, maxInst: maxInst,
		okURL: f.Get("merchant_ok_url"), failURL: f.Get("merchant_fail_url"), testMode: f.Get("test_mode"),
		email: f.Get("email"), userIP: f.Get("user_ip"), expires: now.Add(ttl), delivered: make(chan struct{})}
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, x := range s.sessions {
		if now.After(x.expires) && x.result == nil {
			delete(s.sessions, k)
		}
	}
	s.sessions[sess.token] = sess
	return sess, ""
}

// validBasket checks user_basket: base64 of a JSON array of [name, unit
// price, quantity] items whose total is the payment amount.
func validBasket(b64 string, amount money.Amount) bool {
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return false
	}
	var items [][]json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil || len(items) == 0 {
		return false
	}
	var total int64
	for _, it := range items {
		var name, price string
		var qty int64
		if len(it) != 3 || json.Unmarshal(it[0], &name) != nil || name == "" || json.Unmarshal(it[1], &price) != nil ||
			json.Unmarshal(it[2], &qty) != nil || qty <= 0 {
			return false
		}
		p, err := money.ParseDecimal(price, amount.Currency)
		if err != nil || p.Minor <= 0 {
			return false
		}
		total += p.Minor * qty
	}
	return total == amount.Minor
}

// --- the hosted pages ---

func (s *Server) live(token string) (*session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions[token]
	return sess, ok && !sess.done && !s.cfg.Now().After(sess.expires)
}

func (s *Server) handlePage(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.live(r.PathValue("token"))
	if !ok {
		http.Error(w, "PayTR: geçersiz veya süresi dolmuş ödeme", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	opened := sess.opened
	sess.opened = true
	s.mu.Unlock()
	if opened {
		http.Error(w, "PayTR: ödeme sayfası zaten açıldı", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	cardPage.Execute(w, map[string]any{"Token": sess.token, "Merchant": sess.merchant.Name, "Amount": display(sess.amount),
		"MaxInst": sess.maxInst})
}

func display(a money.Amount) string {
	return a.DecimalSep(",") + " " + currencyOut[a.Currency.Code]
}

// handleCard takes the card typed on the page and runs the ACS.
func (s *Server) handleCard(w http.ResponseWriter, r *http.Request) {
	f, err := readForm(r)
	sess, ok := s.live(r.PathValue("token"))
	if err != nil || !ok {
		http.Error(w, "PayTR: geçersiz veya süresi dolmuş ödeme", http.StatusBadRequest)
		return
	}
	pan, err := card.ParsePAN(f.Get("card_number"))
	mm, err1 := strconv.Atoi(f.Get("expiry_month"))
	yy, err2 := strconv.Atoi(f.Get("expiry_year"))
	exp, err3 := card.NewExpiry(mm, yy)
	inst, okInst := banksim.ParseInstallments(f.Get("installment_count"))
	if err != nil || !rePAN.MatchString(pan.Reveal()) || err1 != nil || err2 != nil || err3 != nil ||
		!reCVV.MatchString(f.Get("cvv")) || !okInst || inst > sess.maxInst {
		http.Error(w, "PayTR: kart bilgileri hatalı", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	taken := !sess.opened || sess.pan != ""
	if !taken {
		sess.pan, sess.exp, sess.holder, sess.inst = pan.Reveal(), exp, f.Get("cc_owner"), inst
	}
	s.mu.Unlock()
	if taken {
		http.Error(w, "PayTR: ödeme zaten başlatıldı", http.StatusBadRequest)
		return
	}
	s.Challenge(w, pan.Reveal(), banksim.Challenge{
		Merchant: sess.merchant.Name, Amount: display(sess.amount), MaskedCard: pan.Masked(),
		Complete: func(out banksim.ACSOutcome) (string, []gateway.Field) {
			s.finish(sess, out)
			return s.URL() + PathResult + sess.token, nil
		},
	})
}

// finish provisions an authenticated payment (PayTR charges the card
// itself), builds the signed notification and starts delivering it.
func (s *Server) finish(sess *session, out banksim.ACSOutcome) {
	now := s.cfg.Now()
	status, total, reason := "failed", int64(0), [2]string{}
	switch out {
	case banksim.ACSAuthenticated:
		c := s.Book().Charge(sess.merchant.ID, sess.oid, banksim.Charge{
			Type: banksim.TxnAuth, Amount: sess.amount, Installments: sess.inst, PAN: sess.pan, Expiry: sess.exp,
			Card: maskedOf(sess.pan), Holder: sess.holder, Email: sess.email, ClientIP: sess.userIP,
			AuthCode: func() string { return banksim.NewAuthCode("P") },
		}, now)
		switch {
		case c.Duplicate:
			reason = [2]string{"99", "İşlem başarısız: sipariş numarası daha önce kullanılmış"}
		case c.Declined:
			reason = [2]string{"0", c.Decline.Message} // the issuer's own message
		default:
			status, total = "success", sess.amount.Minor
		}
	case banksim.ACSCancelled:
		reason = reasonCancelled
	case banksim.ACSAttempted:
		reason = reasonNoAuth
	default:
		reason = reasonAuthFail
	}
	totalS := strconv.FormatInt(total, 10)
	n := url.Values{
		"merchant_oid":      {sess.oid},
		"status":            {status},
		"total_amount":      {totalS},
		"hash":              {signature(sess.merchant.Key, sess.oid, sess.merchant.Salt, status, totalS)},
		"test_mode":         {sess.testMode},
		"payment_type":      {"card"},
		"currency":          {currencyOut[sess.amount.Currency.Code]},
		"payment_amount":    {strconv.FormatInt(sess.amount.Minor, 10)},
		"installment_count": {strconv.Itoa(max(sess.inst, 1))},
	}
	if status == "failed" {
		n.Set("failed_reason_code", reason[0])
		n.Set("failed_reason_msg", reason[1])
	}
	s.mu.Lock()
	sess.done, sess.result = true, n
	s.mu.Unlock()
	go s.deliver(sess)
}

func maskedOf(pan string) string {
	p, _ := card.ParsePAN(pan)
	return p.Masked()
}

// deliver posts the notification until the merchant answers OK or the
// attempts run out.
func (s *Server) deliver(sess *session) {
	defer close(sess.delivered)
	wait := s.cfg.NotifyBackoff
	for i := 0; i < s.cfg.NotifyAttempts; i++ {
		if i > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-s.Done():
				t.Stop()
				return
			}
			wait *= 2
		}
		if s.post(sess) {
			s.mu.Lock()
			sess.deliveryOK = true
			s.mu.Unlock()
			return
		}
	}
	s.Log().Warn("paytrsim: notification not acknowledged", "merchant_oid", sess.oid)
}

// post sends the notification once and records the attempt.
func (s *Server) post(sess *session) bool {
	s.mu.Lock()
	target, form := s.notifyURLs[sess.merchant.ID], sess.result
	s.mu.Unlock()
	rec := Notification{OrderID: sess.oid, Form: form}
	if target != "" {
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			select {
			case <-s.Done():
				cancel()
			case <-ctx.Done():
			}
		}()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if resp, err := s.cfg.HTTPClient.Do(req); err == nil {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
			resp.Body.Close()
			rec.Status, rec.Body = resp.StatusCode, string(b)
			rec.OK = resp.StatusCode == http.StatusOK && rec.Body == "OK"
		}
		cancel()
	}
	s.mu.Lock()
	s.sent[sess.oid] = append(s.sent[sess.oid], rec)
	s.mu.Unlock()
	return rec.OK
}

// handleResult sends the browser to the merchant's page once the
// notification was delivered (or given up), as PayTR's page does after its
// own notification.
func (s *Server) handleResult(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	sess, ok := s.sessions[r.PathValue("token")]
	s.mu.Unlock()
	if !ok || sess.result == nil {
		http.Error(w, "PayTR: geçersiz ödeme", http.StatusBadRequest)
		return
	}
	select {
	case <-sess.delivered:
	case <-r.Context().Done():
		return
	case <-s.Done():
		return
	}
	to := sess.failURL
	if sess.result.Get("status") == "success" {
		to = sess.okURL
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// --- refund and status ---

func (s *Server) handleRefund(w http.ResponseWriter, r *http.Request) {
	f, err := readForm(r)
	s.Respond(w, r, OpRefund, "application/json", func() []byte {
		if err != nil {
			return apiError("001", "Geçersiz istek")
		}
		return s.refund(f)
	})
}

// refund applies PayTR's refund rules: a successful payment of this store,
// an amount with a dot and at most two decimals, never above what is left.
func (s *Server) refund(f url.Values) []byte {
	m, ok := s.merchants.Get(f.Get("merchant_id"))
	if !ok {
		return apiError("001", "Geçersiz istek veya mağaza aktif değil")
	}
	oid, ret := f.Get("merchant_oid"), f.Get("return_amount")
	if !reOID.MatchString(oid) {
		return apiError("002", "merchant_oid geçersiz")
	}
	if !equal(f.Get("paytr_token"), signature(m.Key, m.ID, oid, ret, m.Salt)) {
		return apiError("004", "paytr_token geçersiz")
	}
	o, found := s.Book().Get(m.ID, oid)
	if !found || o.Captured == 0 {
		return apiError("005", "Başarılı ödeme bulunamadı")
	}
	a, err := money.ParseDecimal(ret, money.MustCurrency(o.Currency))
	if !reReturn.MatchString(ret) || err != nil || a.Minor <= 0 {
		return apiError("003", "return_amount geçersiz")
	}
	var body []byte
	now := s.cfg.Now()
	s.Book().Update(m.ID, oid, func(o *banksim.Order) *banksim.Order {
		if a.Minor > o.Captured-o.Refunded {
			body = apiError("009", "İade tutarı, kalan tutardan fazla")
			return nil
		}
		o.AddRefund(a.Minor)
		o.Txns = append(o.Txns, banksim.Txn{Type: banksim.TxnCredit, Amount: a.Minor, Approved: true, Code: "00",
			TransID: banksim.NewTransID(now), HostRef: banksim.NewHostRef(now), Time: now})
		body = encode(map[string]string{"status": "success", "is_test": "1", "merchant_oid": oid, "return_amount": ret})
		return nil
	})
	return body
}

func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	f, err := readForm(r)
	s.Respond(w, r, OpStatus, "application/json", func() []byte {
		if err != nil {
			return apiError("001", "Geçersiz istek")
		}
		return s.status(f)
	})
}

type statusReturn struct {
	ReturnAmount string `json:"return_amount"`
	ReturnDate   string `json:"return_date"`
	ReturnType   string `json:"return_type"`
}

// status answers a successful payment's amounts and refunds; an unknown or
// unpaid order is an error (this simulator's err_no "005").
func (s *Server) status(f url.Values) []byte {
	m, ok := s.merchants.Get(f.Get("merchant_id"))
	if !ok {
		return apiError("001", "Geçersiz istek veya mağaza aktif değil")
	}
	oid := f.Get("merchant_oid")
	if !equal(f.Get("paytr_token"), signature(m.Key, m.ID, oid, m.Salt)) {
		return apiError("004", "paytr_token geçersiz")
	}
	o, found := s.Book().Get(m.ID, oid)
	if !found || o.Captured == 0 {
		return apiError("005", "Başarılı ödeme bulunamadı")
	}
	cur := money.MustCurrency(o.Currency)
	returns := []statusReturn{}
	for _, t := range o.Txns {
		if t.Type == banksim.TxnCredit && t.Approved {
			returns = append(returns, statusReturn{ReturnAmount: money.New(t.Amount, cur).Decimal(),
				ReturnDate: t.Time.In(time.FixedZone("TRT", 3*3600)).Format("2006-01-02 15:04:05"), ReturnType: "iade"})
		}
	}
	paid := money.New(o.Captured, cur).Decimal()
	return encode(map[string]any{
		"status":         "success",
		"payment_amount": paid,
		"payment_total":  paid,
		"currency":       currencyOut[o.Currency],
		"payment_date":   o.AuthorizedAt.In(time.FixedZone("TRT", 3*3600)).Format("2006-01-02 15:04:05"),
		"taksit":         strconv.Itoa(max(o.Installments, 1)),
		"masked_pan":     o.Card,
		"odeme_tipi":     "KART",
		"returns":        returns,
	})
}

// --- control ---

func (s *Server) handleSetNotify(w http.ResponseWriter, r *http.Request) {
	var req struct {
		MerchantID string `json:"merchant_id"`
		URL        string `json:"url"`
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<16))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || (req.URL != "" && !gateway.ValidEndpoint(req.URL)) {
		http.Error(w, `{"error":"want {\"merchant_id\":…,\"url\":\"http(s)://…\"}"}`, http.StatusBadRequest)
		return
	}
	if req.MerchantID == "" {
		req.MerchantID = Sandbox().ID
	}
	if _, ok := s.merchants.Get(req.MerchantID); !ok {
		http.Error(w, `{"error":"unknown merchant"}`, http.StatusNotFound)
		return
	}
	s.SetMerchantNotifyURL(req.MerchantID, req.URL)
	s.handleGetNotify(w, r)
}

func (s *Server) handleGetNotify(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	b := encode(s.notifyURLs)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Write(b) //nolint:errcheck // client may be gone
}

var cardPage = template.Must(template.New("card").Parse(`<!doctype html>
<html lang="tr"><head><meta charset="utf-8"><title>PayTR Güvenli Ödeme (simülatör)</title></head>
<body><h1>PayTR Güvenli Ödeme</h1><p>{{.Merchant}} — Tutar / Amount: {{.Amount}}</p>
<form method="post" action="/odeme/guvenli/{{.Token}}">
<label>Kart Sahibi <input name="cc_owner" autocomplete="cc-name"></label>
<label>Kart Numarası <input name="card_number" autocomplete="cc-number" inputmode="numeric"></label>
<label>Ay <input name="expiry_month" autocomplete="cc-exp-month"></label>
<label>Yıl <input name="expiry_year" autocomplete="cc-exp-year"></label>
<label>CVV <input name="cvv" autocomplete="cc-csc"></label>
{{if gt .MaxInst 1}}<label>Taksit (1-{{.MaxInst}}) <input name="installment_count" value="1"></label>{{else}}<input type="hidden" name="installment_count" value="1">{{end}}
<button type="submit">Ödeme Yap</button>
</form></body></html>`))
