package payment_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasapos/kasa/client"
	paytrsim "github.com/kasapos/kasa/internal/banksim/paytr"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/kasatest"
	"github.com/kasapos/kasa/internal/payment"
	"github.com/kasapos/kasa/internal/store"
)

// Service-level tests of server-to-server notifications (PayTR), named
// after the 3-D Secure requirements of shared/research/security-reliability.md.

func TestMain(m *testing.M) {
	// The browser's return waits for the notification this long; the
	// tests below withhold it on purpose.
	payment.ReturnWait = 300 * time.Millisecond
	os.Exit(m.Run())
}

var bg = context.Background()

// withheld is a paytr node whose simulator's notifications are answered
// OK by a stand-in and never reach Kasa: the tests deliver them.
type withheld struct {
	e   *kasatest.Env
	sim *paytrsim.Server
}

func newWithheld(t *testing.T) *withheld {
	t.Helper()
	e := kasatest.New(t, "sqlite", "paytr", nil)
	stand := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("OK")) }))
	t.Cleanup(stand.Close)
	sim := e.Sim.(*paytrsim.Server)
	sim.SetNotifyURL(stand.URL)
	return &withheld{e: e, sim: sim}
}

// pay creates a 3d_host payment and lets the customer pay on PayTR's page
// with code; it returns the payment and PayTR's genuine notification.
func (w *withheld) pay(t *testing.T, code string) (*client.Payment, url.Values) {
	t.Helper()
	r := w.e.Sale(15075)
	r.Card, r.ThreeD, r.ReturnURL = nil, gateway.Model3DHost, kasatest.ReturnURL
	p, _, err := w.e.C.CreatePayment(bg, r, client.NewIdempotencyKey())
	if err != nil {
		t.Fatal(err)
	}
	tc := paytrsim.TestCard
	final, _, _, err := kasatest.Drive3D(p.NextAction.RedirectURL, kasatest.ACS{Code: code,
		Card: &kasatest.HostedCard{PAN: tc.PAN, MM: "12", YY: "30", CVV: tc.CVV, Holder: "Ayşe Yılmaz"}})
	if err != nil {
		t.Fatal(err)
	}
	// The browser came back before any notification reached Kasa: it was
	// sent on with the payment still waiting.
	if !strings.Contains(final, "status=requires_action") {
		t.Fatalf("returned to %s", final)
	}
	ns := w.sim.Notifications(p.BankOrderID)
	if len(ns) == 0 {
		t.Fatal("no notification")
	}
	return p, ns[0].Form
}

func (w *withheld) payment(t *testing.T, id string) *store.Payment {
	t.Helper()
	p, err := w.e.K.Store.PaymentByID(bg, id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (w *withheld) events(t *testing.T, id, typ string) int {
	t.Helper()
	evs, err := w.e.K.Store.ListEvents(bg, id)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range evs {
		if ev.Type == typ {
			n++
		}
	}
	return n
}

func wantCode(t *testing.T, err error, status int) {
	t.Helper()
	var pe *payment.Error
	if !errors.As(err, &pe) || pe.Status != status {
		t.Fatalf("error %v, want HTTP %d", err, status)
	}
}

func forge(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	out.Set("hash", "AAAA"+out.Get("hash"))
	return out
}

// 3DS-5: fifty concurrent deliveries of one genuine notification settle the
// payment once; every one is acknowledged with PayTR's OK.
func Test3DS5_ConcurrentNotificationsSettleOnce(t *testing.T) {
	w := newWithheld(t)
	p, genuine := w.pay(t, kasatest.ACSCode)
	var wg sync.WaitGroup
	errs := make([]error, 50)
	bodies := make([]string, 50)
	for i := range errs {
		wg.Go(func() {
			rep, err := w.e.K.Service.Notify(bg, w.e.POS.ID, genuine)
			errs[i] = err
			if rep != nil {
				bodies[i] = rep.Body
			}
		})
	}
	wg.Wait()
	for i := range errs {
		if errs[i] != nil || bodies[i] != "OK" {
			t.Fatalf("delivery %d: %q %v", i, bodies[i], errs[i])
		}
	}
	got := w.payment(t, p.ID)
	if got.Status != store.StatusSucceeded || got.CapturedAmount != 15075 || got.MDStatus != "success" {
		t.Fatalf("payment %+v", got)
	}
	if n := w.events(t, p.ID, "payment.succeeded"); n != 1 {
		t.Fatalf("%d payment.succeeded events", n)
	}
	txs, _ := w.e.K.Store.ListTransactions(bg, p.ID)
	sales := 0
	for _, tx := range txs {
		if tx.Kind == store.KindSale {
			sales++
		}
	}
	if sales != 1 || w.sim.Book().ApprovedAuths(p.BankOrderID) != 1 {
		t.Fatalf("%d sale rows, bank approved %d", sales, w.sim.Book().ApprovedAuths(p.BankOrderID))
	}
	if _, err := w.e.K.Store.GetVault(bg, p.ID, time.Now()); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("vault after settlement: %v", err)
	}
	// A later replay is acknowledged and changes nothing.
	before := w.payment(t, p.ID).UpdatedAt
	if rep, err := w.e.K.Service.Notify(bg, w.e.POS.ID, genuine); err != nil || rep.Body != "OK" {
		t.Fatalf("replay: %+v %v", rep, err)
	}
	if !w.payment(t, p.ID).UpdatedAt.Equal(before) {
		t.Fatal("a replay changed the payment")
	}
}

// 3DS-1 and 3DS-5: a forged notification — success or failure —
// changes nothing and is not acknowledged; the genuine one then settles.
func Test3DS1_ForgedNotificationChangesNothing(t *testing.T) {
	w := newWithheld(t)
	p, genuine := w.pay(t, kasatest.ACSCode)
	forgedFailure := forge(genuine)
	forgedFailure.Set("status", "failed")
	forgedFailure.Set("total_amount", "0")
	for name, f := range map[string]url.Values{"forged success": forge(genuine), "forged failure": forgedFailure,
		"unsigned": {"merchant_oid": {p.BankOrderID}, "status": {"success"}, "total_amount": {"15075"}}} {
		rep, err := w.e.K.Service.Notify(bg, w.e.POS.ID, f)
		wantCode(t, err, http.StatusBadRequest)
		if rep == nil || rep.Body == "OK" {
			t.Fatalf("%s answered %+v", name, rep)
		}
		if got := w.payment(t, p.ID); got.Status != store.StatusRequiresAction {
			t.Fatalf("%s moved the payment to %s", name, got.Status)
		}
	}
	if _, err := w.e.K.Service.Notify(bg, w.e.POS.ID, genuine); err != nil {
		t.Fatal(err)
	}
	if got := w.payment(t, p.ID); got.Status != store.StatusSucceeded {
		t.Fatalf("after the genuine notification: %s", got.Status)
	}
	// A forged duplicate of a settled payment is still refused.
	_, err := w.e.K.Service.Notify(bg, w.e.POS.ID, forge(genuine))
	wantCode(t, err, http.StatusBadRequest)
}

// 3DS-3: a notification is bound to its POS and its order.
func Test3DS3_NotificationBoundToPOS(t *testing.T) {
	w := newWithheld(t)
	_, genuine := w.pay(t, kasatest.ACSCode)
	_, err := w.e.K.Service.Notify(bg, "pos_nosuchpos", genuine)
	wantCode(t, err, http.StatusNotFound)
	// Another merchant's POS on the same PayTR store: not its payment.
	sp := w.sim.POS()
	other, err := w.e.NewMerchant("Other").CreatePOS(bg, &client.POSRequest{Protocol: "paytr",
		Endpoints: &client.Endpoints{API: sp.Endpoints.API}, Credentials: sp.Credentials})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := w.e.K.Service.Notify(bg, other.ID, genuine)
	wantCode(t, err, http.StatusNotFound)
	if rep == nil || rep.Body == "OK" {
		t.Fatalf("reply %+v", rep)
	}
	// Not a notification at all.
	_, err = w.e.K.Service.Notify(bg, w.e.POS.ID, url.Values{"foo": {"bar"}})
	wantCode(t, err, http.StatusBadRequest)
	// A POS of a protocol without notifications has no endpoint.
	est, err := w.e.C.CreatePOS(bg, &client.POSRequest{Protocol: "est3", Endpoints: &client.Endpoints{API: "http://127.0.0.1:1/fim/api"},
		Credentials: map[string]string{"client_id": "1", "api_user": "u", "api_password": "p", "store_key": "k"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.e.K.Service.Notify(bg, est.ID, genuine)
	wantCode(t, err, http.StatusNotFound)
}

// A failed payment's notification declines it with PayTR's code and the
// reason Kasa maps it to.
func TestNotificationOfAFailure(t *testing.T) {
	w := newWithheld(t)
	p, genuine := w.pay(t, "000000")
	if genuine.Get("status") != "failed" || genuine.Get("failed_reason_code") != "2" {
		t.Fatalf("notification %v", genuine)
	}
	if _, err := w.e.K.Service.Notify(bg, w.e.POS.ID, genuine); err != nil {
		t.Fatal(err)
	}
	got := w.payment(t, p.ID)
	if got.Status != store.StatusDeclined || got.BankCode != "2" || got.DeclineReason != payment.ReasonAuthenticationFailed {
		t.Fatalf("payment %s %s %s", got.Status, got.BankCode, got.DeclineReason)
	}
}

// The browser's return settles nothing: GET or POST, it waits and reports
// the status as it stands.
func TestBrowserReturnWaitsForTheNotification(t *testing.T) {
	w := newWithheld(t)
	p, genuine := w.pay(t, kasatest.ACSCode)
	to, err := w.e.K.Service.Callback3D(bg, p.ID, genuine) // even a genuine form, posted by the browser
	if err != nil || !strings.Contains(to, "status=requires_action") {
		t.Fatalf("browser post: %s %v", to, err)
	}
	if got := w.payment(t, p.ID); got.Status != store.StatusRequiresAction {
		t.Fatalf("the browser's post settled the payment: %s", got.Status)
	}
	done := make(chan string, 1)
	go func() {
		to, _ := w.e.K.Service.Await3D(bg, p.ID, 5*time.Second)
		done <- to
	}()
	time.Sleep(50 * time.Millisecond)
	if _, err := w.e.K.Service.Notify(bg, w.e.POS.ID, genuine); err != nil {
		t.Fatal(err)
	}
	select {
	case to := <-done:
		if !strings.Contains(to, "status=succeeded") || !strings.Contains(to, "payment_id="+p.ID) {
			t.Fatalf("returned to %s", to)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Await3D did not see the settlement")
	}
	if _, err := w.e.K.Service.Await3D(bg, "pay_nosuchpayment", time.Second); err == nil {
		t.Fatal("unknown payment")
	}
}
