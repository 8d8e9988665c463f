package paytr

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/money"
)

const (
	testMerchant = "100001"
	testKey      = "KasaSimPayTRKey1"
	testSalt     = "KasaSimPayTRSalt"
)

func testGateway(t testing.TB, api string) *Gateway {
	t.Helper()
	g, err := New(gateway.Config{Credentials: map[string]string{CredMerchantID: testMerchant, CredMerchantKey: testKey, CredMerchantSalt: testSalt},
		Endpoints: gateway.Endpoints{API: api}})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func testOrder() gateway.Order {
	return gateway.Order{OrderID: "K12345ABC", Amount: money.New(15075, money.TRY), ClientIP: "203.0.113.7"}
}

// notification is a genuine notification, signed with the test store's key.
func notification(oid, status, total string) url.Values {
	return url.Values{fieldOID: {oid}, fieldStatus: {status}, fieldTotal: {total},
		fieldHash: {NotificationHash(testKey, testSalt, oid, status, total)}, "test_mode": {"1"}, "payment_type": {"card"},
		fieldCurrency: {"TL"}, fieldPaymentAmt: {"15075"}, "installment_count": {"1"}}
}

func verify(t *testing.T, g *Gateway, form url.Values) (*gateway.ThreeDResult, error) {
	t.Helper()
	return g.Verify3D(t.Context(), &gateway.ThreeDCallback{Model: gateway.Model3DHost, Expected: testOrder(), Capture: true, Form: form})
}

// 3DS-1, 3DS-2, 3DS-3 on PayTR's notification.
func TestVerifyNotification(t *testing.T) {
	g := testGateway(t, "http://127.0.0.1:1")
	r3, err := verify(t, g, notification("K12345ABC", "success", "15075"))
	if err != nil || !r3.Provision.OK() || r3.Auth != gateway.AuthFull || r3.MDStatus != "success" {
		t.Fatalf("genuine success: %+v %v", r3, err)
	}
	// Instalment interest: PayTR collected more than the order's amount.
	if r3, err := verify(t, g, notification("K12345ABC", "success", "16000")); err != nil || !r3.Provision.OK() {
		t.Fatalf("success with instalment interest: %+v %v", r3, err)
	}

	reject := map[string]func(url.Values){
		"hash flipped":     func(v url.Values) { v.Set(fieldHash, "A"+v.Get(fieldHash)[1:]) },
		"hash missing":     func(v url.Values) { v.Del(fieldHash) },
		"hash lower-cased": func(v url.Values) { v.Set(fieldHash, strings.ToLower(v.Get(fieldHash))) },
		"hash of another key": func(v url.Values) {
			v.Set(fieldHash, NotificationHash("other", testSalt, "K12345ABC", "success", "15075"))
		},
		"hash repeated":           func(v url.Values) { v.Add(fieldHash, v.Get(fieldHash)) },
		"status changed":          func(v url.Values) { v.Set(fieldStatus, "failed") },
		"total changed":           func(v url.Values) { v.Set(fieldTotal, "15076") },
		"order changed":           func(v url.Values) { v.Set(fieldOID, "K99999ZZZ") },
		"order repeated":          func(v url.Values) { v.Add(fieldOID, "K99999ZZZ") },
		"status missing":          func(v url.Values) { v.Del(fieldStatus) },
		"payment_amount differs":  func(v url.Values) { v.Set(fieldPaymentAmt, "100") },
		"payment_amount repeated": func(v url.Values) { v.Add(fieldPaymentAmt, "15075") },
		"currency differs":        func(v url.Values) { v.Set(fieldCurrency, "USD") },
	}
	for name, tamper := range reject {
		v := notification("K12345ABC", "success", "15075")
		tamper(v)
		if _, err := verify(t, g, v); err == nil {
			t.Errorf("%s: accepted", name)
		} else if _, ok := err.(*gateway.CallbackError); !ok {
			t.Errorf("%s: %T %v, want a CallbackError", name, err, err)
		}
	}
	// Genuinely signed, but not this attempt's: another order, a total
	// below the attempt's amount, an unknown status.
	for name, v := range map[string]url.Values{
		"another order":  notification("K99999ZZZ", "success", "15075"),
		"total below":    notification("K12345ABC", "success", "15074"),
		"unknown status": notification("K12345ABC", "pending", "15075"),
		"garbage total":  notification("K12345ABC", "success", "150.75"),
	} {
		if _, err := verify(t, g, v); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// Unsigned informational fields may be absent.
	v := notification("K12345ABC", "success", "15075")
	v.Del(fieldPaymentAmt)
	v.Del(fieldCurrency)
	if _, err := verify(t, g, v); err != nil {
		t.Errorf("without payment_amount and currency: %v", err)
	}
}

func TestVerifyFailedReasons(t *testing.T) {
	g := testGateway(t, "http://127.0.0.1:1")
	for _, tt := range []struct {
		code, msg string
		reason    gateway.DeclineReason
	}{
		{"2", "Kimlik Doğrulama başarısız.", reasonAuthFailed},
		{"1", "Kimlik Doğrulama yapılmadı.", reasonAuthFailed},
		{"6", "Müşteri ödeme yapmaktan vazgeçti", reasonAuthFailed},
		{"0", "Yetersiz bakiye", gateway.ReasonInsufficientFunds},
		{"0", "Kayıp kart", gateway.ReasonLostOrStolen},
		{"0", "Vadesi dolmuş kart", gateway.ReasonExpiredCard},
		{"0", "Geçersiz işlem", gateway.ReasonInvalidTxn},
		{"0", "Red - Onaylanmadı", gateway.ReasonDoNotHonour},
		{"3", "Güvenlik kontrolü", gateway.ReasonFraudSuspected},
		{"8", "Bu karta taksit yapılamamaktadır.", gateway.ReasonInstallments},
		{"9", "Bu kart ile işlem yetkisi bulunmamaktadır.", gateway.ReasonNotPermitted},
		{"99", "Teknik entegrasyon hatası", gateway.ReasonSystemError},
		{"42", "?", gateway.ReasonOther},
	} {
		v := notification("K12345ABC", "failed", "0")
		v.Set(fieldReasonCode, tt.code)
		v.Set(fieldReasonMsg, tt.msg)
		r3, err := verify(t, g, v)
		if err != nil {
			t.Fatalf("%s: %v", tt.code, err)
		}
		p := r3.Provision
		if p == nil || p.Outcome != gateway.Declined || p.Reason != tt.reason || p.BankCode != tt.code || p.BankMessage != tt.msg {
			t.Errorf("code %s %q: %+v, want declined %s", tt.code, tt.msg, p, tt.reason)
		}
	}
}

func TestNotifier(t *testing.T) {
	g := testGateway(t, "http://127.0.0.1:1")
	if oid, err := g.NotificationOrder(notification("K12345ABC", "success", "1")); err != nil || oid != "K12345ABC" {
		t.Fatalf("order: %q %v", oid, err)
	}
	for _, bad := range []url.Values{{}, {fieldOID: {""}}, {fieldOID: {"K1", "K2"}}, {fieldOID: {"K-1"}}, {fieldOID: {strings.Repeat("A", 65)}}} {
		if _, err := g.NotificationOrder(bad); err == nil {
			t.Errorf("order of %v accepted", bad)
		}
	}
	if st, ct, body := g.NotificationReply(true); st != http.StatusOK || body != "OK" || !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("ok reply: %d %q %q", st, ct, body)
	}
	if _, _, body := g.NotificationReply(false); body == "OK" {
		t.Error("the failure reply says OK")
	}
}

func TestStart3DRefusesLocally(t *testing.T) {
	g := testGateway(t, gatewayDeadURL)
	base := func() *gateway.ThreeDRequest {
		return &gateway.ThreeDRequest{Order: testOrder(), Model: gateway.Model3DHost, Capture: true,
			OkURL: "https://kasa.example/3ds/pay_1/callback", FailURL: "https://kasa.example/3ds/pay_1/callback"}
	}
	for name, edit := range map[string]func(*gateway.ThreeDRequest){
		"3d model":            func(r *gateway.ThreeDRequest) { r.Model = gateway.Model3D },
		"pre-authorisation":   func(r *gateway.ThreeDRequest) { r.Capture = false },
		"order id with dash":  func(r *gateway.ThreeDRequest) { r.OrderID = "K-1" },
		"order id too long":   func(r *gateway.ThreeDRequest) { r.OrderID = strings.Repeat("K", 65) },
		"JPY":                 func(r *gateway.ThreeDRequest) { r.Amount = money.New(100, money.JPY) },
		"zero amount":         func(r *gateway.ThreeDRequest) { r.Amount.Minor = 0 },
		"no client IP":        func(r *gateway.ThreeDRequest) { r.ClientIP = "" },
		"no callback":         func(r *gateway.ThreeDRequest) { r.OkURL = "" },
		"USD instalments":     func(r *gateway.ThreeDRequest) { r.Amount = money.New(100, money.USD); r.Installments = 3 },
		"13 instalments":      func(r *gateway.ThreeDRequest) { r.Installments = 13 },
		"relative fail route": func(r *gateway.ThreeDRequest) { r.FailURL = "/3ds/x" },
	} {
		req := base()
		edit(req)
		if f, res := g.Start3D(t.Context(), req); f != nil || res.Outcome != gateway.Rejected {
			t.Errorf("%s: %+v %+v", name, f, res)
		}
	}
}

// gatewayDeadURL is never reached: every case above is refused first.
const gatewayDeadURL = "http://127.0.0.1:1"

func TestTestModeFollowsEnvironment(t *testing.T) {
	creds := map[string]string{CredMerchantID: "1", CredMerchantKey: "k", CredMerchantSalt: "s"}
	for env, want := range map[string]string{"": "1", "test": "1", "production": "0"} {
		g, err := New(gateway.Config{Credentials: creds, Endpoints: gateway.Endpoints{API: "https://www.paytr.com/"}, Environment: env})
		if err != nil {
			t.Fatal(err)
		}
		if got := g.testModeField(); got != want {
			t.Errorf("environment %q: test_mode %s, want %s", env, got, want)
		}
		if g.base != "https://www.paytr.com" {
			t.Errorf("base %q", g.base)
		}
	}
}
