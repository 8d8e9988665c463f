package posnetv1_test

import (
	"testing"

	posnetv1sim "github.com/kasapos/kasa/internal/banksim/posnetv1"
	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/gateway/gatewaytest"
	"github.com/kasapos/kasa/internal/gateway/posnettest"
	"github.com/kasapos/kasa/internal/gateway/posnetv1"
	"github.com/kasapos/kasa/internal/money"
)

// Adapter tests run against the PosNet V1 simulator over real loopback HTTP.

const (
	mid     = "6702640212"
	goodPAN = "4506347010299085" // the public Albaraka test card
)

var sandboxCreds = map[string]string{
	posnetv1.CredMerchantNo: mid,
	posnetv1.CredTerminalNo: "67C16990",
	posnetv1.CredPosnetID:   "1010062861356072",
	posnetv1.CredEncKey:     "10,10,10,10,10,10,10,10",
}

type env struct {
	t   *testing.T
	sim *posnetv1sim.Server
	g   *posnetv1.Gateway
}

func newEnv(t *testing.T, cfg posnetv1sim.Config) *env {
	t.Helper()
	sim := posnetv1sim.New(cfg)
	if _, err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	return &env{t: t, sim: sim, g: newGateway(t, sim, sandboxCreds)}
}

func newGateway(t *testing.T, sim *posnetv1sim.Server, creds map[string]string) *posnetv1.Gateway {
	t.Helper()
	client := gateway.NewHTTPClient()
	t.Cleanup(client.CloseIdleConnections)
	g, err := posnetv1.New(gateway.Config{Credentials: creds, HTTPClient: client,
		Endpoints: gateway.Endpoints{API: sim.APIURL(), ThreeDGate: sim.ThreeDGateURL()}})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func testCard(t testing.TB, pan string) card.Card {
	t.Helper()
	p, err := card.ParsePAN(pan)
	if err != nil {
		t.Fatal(err)
	}
	exp, _ := card.NewExpiry(9, 2030)
	cvv, _ := card.ParseCVV("000")
	return card.Card{PAN: p, Expiry: exp, CVV: cvv, Holder: "Ada Lovelace"}
}

// bench is the env for the scenarios gatewaytest shares between adapters.
func (e *env) bench() gatewaytest.Bench {
	return gatewaytest.Bench{G: e.g, Sim: e.sim.Core, Merchant: mid, GoodPAN: goodPAN, Card: testCard}
}

// family adds what the scenarios posnettest shares with the other PosNet
// protocol need.
func (e *env) family() posnettest.Bench {
	bad := map[string]string{}
	for k, v := range sandboxCreds {
		bad[k] = v
	}
	bad[posnetv1.CredTerminalNo] = "67C00000"
	return posnettest.Bench{Bench: e.bench(), BankCode: "00", MaskedCard: "450634******9085",
		WrongTerminal: newGateway(e.t, e.sim, bad), DuplicateEchoesHostRef: false, QueryOp: posnetv1sim.OpInquiry}
}

var (
	want       = gatewaytest.Want
	status     = gatewaytest.Status
	wantStatus = gatewaytest.WantStatus
	newOrder   = gatewaytest.NewOrder
)

func TestRegistered(t *testing.T) {
	d, err := gateway.Lookup("posnetv1")
	if err != nil {
		t.Fatal(err)
	}
	if d.MaxOrderID != 20 || len(d.Currencies) != 4 || len(d.ThreeDModels) != 1 || d.ThreeDModels[0] != gateway.Model3D {
		t.Errorf("descriptor: %+v", d)
	}
	if err := d.Validate(map[string]string{"merchant_no": mid, "terminal_no": "67C16990", "enc_key": "k"}); err != nil {
		t.Errorf("posnet_id must be optional: %v", err)
	}
	if err := d.Validate(map[string]string{"merchant_no": mid, "terminal_no": "67C16990"}); err == nil {
		t.Error("missing enc_key accepted: every request is signed with it")
	}
	for _, f := range d.Credentials {
		if f.Secret != (f.Key == posnetv1.CredEncKey) {
			t.Errorf("credential %s secret=%v", f.Key, f.Secret)
		}
	}
	for name, host := range map[string]string{"albaraka-test": "https://epostest.albarakaturk.com.tr/", "albaraka-production": "https://epos.albarakaturk.com.tr/"} {
		p, ok := d.Preset(name)
		if !ok || p.Endpoints.API != host+"ALBMerchantService/MerchantJSONAPI.svc" ||
			p.Endpoints.ThreeDGate != host+"ALBSecurePaymentUI/SecureProcess/SecureVerification.aspx" {
			t.Errorf("preset %s: %+v", name, p)
		}
	}
	g, err := d.New(gateway.Config{Credentials: sandboxCreds, Endpoints: gateway.Endpoints{API: "https://example.invalid/ALBMerchantService/MerchantJSONAPI.svc"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range []gateway.Operation{gateway.OpAuthorize, gateway.OpCapture, gateway.OpVoid, gateway.OpRefund, gateway.OpStatus, gateway.Op3D} {
		if !gateway.Supports(g, op) {
			t.Errorf("does not support %s", op)
		}
	}
	if gateway.Supports(g, gateway.OpHistory) {
		t.Error("PosNet V1 has no order history")
	}
	if g, err := d.New(gateway.Config{Credentials: sandboxCreds}); err == nil || g != nil {
		t.Errorf("no endpoint: got %v, %v", g, err)
	}
}

func TestAuthorizeApproved(t *testing.T) {
	posnettest.AuthorizeApproved(t, newEnv(t, posnetv1sim.Config{}).family())
}

func TestShortOrderIDIsPadded(t *testing.T) {
	posnettest.ShortOrderIDIsPadded(t, newEnv(t, posnetv1sim.Config{}).family())
}

func TestDeclineTriggers(t *testing.T) {
	gatewaytest.DeclineTriggers(t, newEnv(t, posnetv1sim.Config{}).bench(), "00", gateway.StateNotFound)
}

func TestExpiredCardDeclined(t *testing.T) {
	posnettest.ExpiredCardDeclined(t, newEnv(t, posnetv1sim.Config{}).family())
}

func TestRejected(t *testing.T) {
	posnettest.Rejected(t, newEnv(t, posnetv1sim.Config{}).family())
}

func TestDuplicateOrderID(t *testing.T) {
	posnettest.DuplicateOrderID(t, newEnv(t, posnetv1sim.Config{}).family())
}

func TestPreAuthAndPartialCapture(t *testing.T) {
	gatewaytest.PreAuthPartialCapture(t, newEnv(t, posnetv1sim.Config{}).bench())
}

func TestVoid(t *testing.T) {
	gatewaytest.VoidRules(t, newEnv(t, posnetv1sim.Config{}).bench(), "0110")
}

func TestRefunds(t *testing.T) {
	gatewaytest.RefundRules(t, newEnv(t, posnetv1sim.Config{}).bench(), "0109")
}

func TestStatusNotFound(t *testing.T) {
	posnettest.StatusNotFound(t, newEnv(t, posnetv1sim.Config{}).family())
}

// The bank commits the sale, the reply is lost: Unknown, then the status
// query settles it.
func TestLostResponseThenStatus(t *testing.T) {
	gatewaytest.LostReplyThenStatus(t, newEnv(t, posnetv1sim.Config{}).bench(), posnetv1sim.OpSale, posnetv1sim.OpReturn)
}

func TestUnknownOnFaults(t *testing.T) {
	posnettest.UnknownOnFaults(t, newEnv(t, posnetv1sim.Config{}).family(), posnetv1sim.OpSale)
}

func TestNotSentWhenNothingListens(t *testing.T) {
	g, err := posnetv1.New(gateway.Config{Credentials: sandboxCreds, Endpoints: gateway.Endpoints{API: gatewaytest.DeadURL(t, "/ALBMerchantService/MerchantJSONAPI.svc")}})
	if err != nil {
		t.Fatal(err)
	}
	posnettest.NotSentWhenNothingListens(t, g, testCard(t, goodPAN))
}

func TestCurrencies(t *testing.T) {
	gatewaytest.Currencies(t, newEnv(t, posnetv1sim.Config{}).bench(), 123456)
}

func TestInstallments(t *testing.T) {
	e := newEnv(t, posnetv1sim.Config{})
	gatewaytest.Installments(t, e.bench())
	e.sim.AddMerchant(posnetv1sim.Merchant{MerchantNo: "6700000001", TerminalNo: "67000001", EncKey: "k", MaxInstallments: 6})
	g := newGateway(t, e.sim, map[string]string{posnetv1.CredMerchantNo: "6700000001", posnetv1.CredTerminalNo: "67000001", posnetv1.CredEncKey: "k"})
	r := g.Authorize(t.Context(), &gateway.AuthorizeRequest{Order: newOrder(100, money.TRY), Capture: true, Installments: 9, Card: testCard(t, goodPAN)})
	want(t, "beyond plan", r, gateway.Rejected, gateway.ReasonInstallments)
}

// Concurrent retries of one order id charge at most once.
func TestConcurrentSameOrderChargesOnce(t *testing.T) {
	gatewaytest.ChargesOnce(t, newEnv(t, posnetv1sim.Config{}).bench())
}
