package posnet_test

import (
	"testing"

	posnetsim "github.com/kasapos/kasa/internal/banksim/posnet"
	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/gateway/gatewaytest"
	"github.com/kasapos/kasa/internal/gateway/posnet"
	"github.com/kasapos/kasa/internal/gateway/posnettest"
	"github.com/kasapos/kasa/internal/money"
)

// Adapter tests run against the PosNet simulator over real loopback HTTP.

const (
	mid     = "6706598320"
	goodPAN = "4048095010857528" // the public YKB test card
)

var sandboxCreds = map[string]string{
	posnet.CredMerchantID: mid,
	posnet.CredTerminalID: "67005551",
	posnet.CredPosnetID:   "27426",
	posnet.CredEncKey:     "10,10,10,10,10,10,10,10",
}

type env struct {
	t   *testing.T
	sim *posnetsim.Server
	g   *posnet.Gateway
}

func newEnv(t *testing.T, cfg posnetsim.Config) *env {
	t.Helper()
	sim := posnetsim.New(cfg)
	if _, err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	return &env{t: t, sim: sim, g: newGateway(t, sim, sandboxCreds)}
}

func newGateway(t *testing.T, sim *posnetsim.Server, creds map[string]string) *posnet.Gateway {
	t.Helper()
	client := gateway.NewHTTPClient()
	t.Cleanup(client.CloseIdleConnections)
	g, err := posnet.New(gateway.Config{Credentials: creds, HTTPClient: client,
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
	exp, _ := card.NewExpiry(5, 2028)
	cvv, _ := card.ParseCVV("454")
	return card.Card{PAN: p, Expiry: exp, CVV: cvv, Holder: "Ada Lovelace"}
}

func (e *env) sale(o gateway.Order) *gateway.Result {
	e.t.Helper()
	return e.g.Authorize(e.t.Context(), &gateway.AuthorizeRequest{Order: o, Capture: true, Card: testCard(e.t, goodPAN)})
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
	bad[posnet.CredTerminalID] = "67000000"
	return posnettest.Bench{Bench: e.bench(), BankCode: "1", MaskedCard: "404809******7528",
		WrongTerminal: newGateway(e.t, e.sim, bad), DuplicateEchoesHostRef: true, QueryOp: posnetsim.OpAgreement}
}

var (
	want       = gatewaytest.Want
	status     = gatewaytest.Status
	wantStatus = gatewaytest.WantStatus
	newOrder   = gatewaytest.NewOrder
)

func TestRegistered(t *testing.T) {
	d, err := gateway.Lookup("posnet")
	if err != nil {
		t.Fatal(err)
	}
	if d.MaxOrderID != 20 || len(d.Currencies) != 4 || len(d.ThreeDModels) != 1 || d.ThreeDModels[0] != gateway.Model3D {
		t.Errorf("descriptor: %+v", d)
	}
	if err := d.Validate(map[string]string{"merchant_id": mid, "terminal_id": "67005551"}); err != nil {
		t.Errorf("3D credentials must be optional: %v", err)
	}
	if err := d.Validate(map[string]string{"merchant_id": mid}); err == nil {
		t.Error("missing terminal_id accepted")
	}
	for _, f := range d.Credentials {
		if f.Secret != (f.Key == posnet.CredEncKey) {
			t.Errorf("credential %s secret=%v", f.Key, f.Secret)
		}
	}
	for name, host := range map[string]string{"yapikredi-test": "https://setmpos.ykb.com/", "yapikredi-production": "https://posnet.yapikredi.com.tr/"} {
		p, ok := d.Preset(name)
		if !ok || p.Endpoints.API != host+"PosnetWebService/XML" || p.Endpoints.ThreeDGate != host+"3DSWebService/YKBPaymentService" {
			t.Errorf("preset %s: %+v", name, p)
		}
	}
	g, err := d.New(gateway.Config{Credentials: sandboxCreds, Endpoints: gateway.Endpoints{API: "https://example.invalid/PosnetWebService/XML"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range []gateway.Operation{gateway.OpAuthorize, gateway.OpCapture, gateway.OpVoid, gateway.OpRefund, gateway.OpStatus, gateway.Op3D} {
		if !gateway.Supports(g, op) {
			t.Errorf("does not support %s", op)
		}
	}
	if gateway.Supports(g, gateway.OpHistory) {
		t.Error("PosNet has no order history")
	}
	if g, err := d.New(gateway.Config{Credentials: sandboxCreds}); err == nil || g != nil {
		t.Errorf("no endpoint: got %v, %v", g, err)
	}
}

func TestAuthorizeApproved(t *testing.T) {
	posnettest.AuthorizeApproved(t, newEnv(t, posnetsim.Config{}).family())
}

func TestShortOrderIDIsPadded(t *testing.T) {
	posnettest.ShortOrderIDIsPadded(t, newEnv(t, posnetsim.Config{}).family())
}

func TestDeclineTriggers(t *testing.T) {
	gatewaytest.DeclineTriggers(t, newEnv(t, posnetsim.Config{}).bench(), "00", gateway.StateNotFound)
}

func TestExpiredCardDeclined(t *testing.T) {
	posnettest.ExpiredCardDeclined(t, newEnv(t, posnetsim.Config{}).family())
}

func TestRejected(t *testing.T) {
	posnettest.Rejected(t, newEnv(t, posnetsim.Config{}).family())
}

func TestDuplicateOrderID(t *testing.T) {
	posnettest.DuplicateOrderID(t, newEnv(t, posnetsim.Config{}).family())
}

func TestPreAuthAndPartialCapture(t *testing.T) {
	gatewaytest.PreAuthPartialCapture(t, newEnv(t, posnetsim.Config{}).bench())
}

func TestVoid(t *testing.T) {
	gatewaytest.VoidRules(t, newEnv(t, posnetsim.Config{}).bench(), "0110")
}

func TestRefunds(t *testing.T) {
	gatewaytest.RefundRules(t, newEnv(t, posnetsim.Config{}).bench(), "0109")
}

func TestStatusNotFound(t *testing.T) {
	posnettest.StatusNotFound(t, newEnv(t, posnetsim.Config{}).family())
}

// The bank commits the sale, the reply is lost: Unknown, then the status
// query settles it.
func TestLostResponseThenStatus(t *testing.T) {
	gatewaytest.LostReplyThenStatus(t, newEnv(t, posnetsim.Config{}).bench(), posnetsim.OpSale, posnetsim.OpReturn)
}

func TestUnknownOnFaults(t *testing.T) {
	posnettest.UnknownOnFaults(t, newEnv(t, posnetsim.Config{}).family(), posnetsim.OpSale)
}

func TestNotSentWhenNothingListens(t *testing.T) {
	g, err := posnet.New(gateway.Config{Credentials: sandboxCreds, Endpoints: gateway.Endpoints{API: gatewaytest.DeadURL(t, "/PosnetWebService/XML")}})
	if err != nil {
		t.Fatal(err)
	}
	posnettest.NotSentWhenNothingListens(t, g, testCard(t, goodPAN))
}

func TestCurrencies(t *testing.T) {
	gatewaytest.Currencies(t, newEnv(t, posnetsim.Config{}).bench(), 123456)
}

func TestInstallments(t *testing.T) {
	e := newEnv(t, posnetsim.Config{})
	gatewaytest.Installments(t, e.bench())
	e.sim.AddMerchant(posnetsim.Merchant{MID: "6700000001", TID: "67000001", MaxInstallments: 6})
	g := newGateway(t, e.sim, map[string]string{posnet.CredMerchantID: "6700000001", posnet.CredTerminalID: "67000001"})
	r := g.Authorize(t.Context(), &gateway.AuthorizeRequest{Order: newOrder(100, money.TRY), Capture: true, Installments: 9, Card: testCard(t, goodPAN)})
	want(t, "beyond plan", r, gateway.Rejected, gateway.ReasonInstallments)
}

// Concurrent retries of one order id charge at most once.
func TestConcurrentSameOrderChargesOnce(t *testing.T) {
	gatewaytest.ChargesOnce(t, newEnv(t, posnetsim.Config{}).bench())
}
