package conformance

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/kasapos/kasa/client"
	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/kasatest"
	"github.com/kasapos/kasa/internal/store"
)

// Protocols whose trusted result arrives server to server (gateway.Notifier,
// e.g. PayTR): the bank posts a signed notification to the URL registered
// in its panel, Kasa's /notify/{pos_id}, and the browser comes back with
// nothing signed. The suite puts a relay between the simulator and Kasa to
// keep, replay, forge and move the genuine notifications, as threeD does
// with the browser's post-back (3DS-1, 3DS-3, 3DS-5).

// notifies reports whether d's adapter takes server-to-server notifications.
func notifies(t *testing.T, e *kasatest.Env, d *gateway.Descriptor) bool {
	sp := e.Sim.POS()
	g, err := d.New(gateway.Config{Credentials: sp.Credentials, Endpoints: sp.Endpoints})
	if err != nil {
		t.Fatal(err)
	}
	_, ok := g.(gateway.Notifier)
	if ok {
		if _, setter := e.Sim.(banksim.NotifyURLSetter); !setter {
			t.Fatalf("%s takes notifications but its simulator is not a banksim.NotifyURLSetter", d.Name)
		}
	}
	return ok
}

// relay stands between the simulator and Kasa's /notify/{pos_id}: it keeps
// every notification as the bank sent it and forwards it, unless a hook
// takes the next one.
type relay struct {
	e     *kasatest.Env
	mu    sync.Mutex
	got   []url.Values
	hooks []func(url.Values) bool // run in turn on the next notifications; false: answer "retry" instead of forwarding
}

func newRelay(t *testing.T, e *kasatest.Env) *relay {
	r := &relay{e: e}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	e.Sim.(banksim.NotifyURLSetter).SetNotifyURL(srv.URL + gateway.NotifyPath(e.POS.ID))
	return r
}

func (r *relay) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if err := req.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	form := clone(req.PostForm)
	r.mu.Lock()
	r.got = append(r.got, clone(form))
	var hook func(url.Values) bool
	if len(r.hooks) > 0 {
		hook, r.hooks = r.hooks[0], r.hooks[1:]
	}
	r.mu.Unlock()
	if hook != nil && !hook(clone(form)) {
		http.Error(w, "try again", http.StatusServiceUnavailable)
		return
	}
	st, body, err := notify(r.e.K.URL+req.URL.Path, form)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	w.WriteHeader(st)
	io.WriteString(w, body)
}

// hook has f take the next notification.
func (r *relay) hook(f func(url.Values) bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hooks = append(r.hooks, f)
}

// last is the latest notification the bank sent for a bank order id.
func (r *relay) last(t *testing.T, oid string) url.Values {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.got) - 1; i >= 0; i-- {
		for _, vs := range r.got[i] {
			if len(vs) == 1 && vs[0] == oid {
				return clone(r.got[i])
			}
		}
	}
	t.Fatalf("no notification for order %s", oid)
	return nil
}

func clone(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// notify posts a notification as the bank does and returns Kasa's answer.
func notify(target string, form url.Values) (int, string, error) {
	resp, err := http.PostForm(target, form)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}

// signedField is the notification field holding the bank's signature.
func signedField(v url.Values) string {
	for k := range v {
		if lk := strings.ToLower(k); strings.Contains(lk, "hash") || strings.Contains(lk, "sign") || lk == "mac" {
			return k
		}
	}
	return ""
}

func notified3D(t *testing.T, e *kasatest.Env, r *relay, model string) {
	notifyURL := e.K.URL + gateway.NotifyPath(e.POS.ID)
	okStatus, _, okBody := gatewayReply(t, e)
	t.Run("Success", func(t *testing.T) {
		p, got, _, _ := pay3D(t, e, model)
		genuine := r.last(t, p.BankOrderID)
		// 3DS-5: a replayed notification is acknowledged and changes nothing.
		if st, body, err := notify(notifyURL, genuine); err != nil || st != okStatus || body != okBody {
			t.Fatalf("replay: %d %q %v", st, body, err)
		}
		again := get(t, e, p.ID)
		if !again.UpdatedAt.Equal(got.UpdatedAt) || e.Sim.Book().ApprovedAuths(p.BankOrderID) != 1 {
			t.Fatal("a replayed notification changed the payment")
		}
		// 3DS-1: a forged duplicate of a settled payment is not acknowledged.
		forged := clone(genuine)
		forged.Set(signedField(forged), "AAAA"+forged.Get(signedField(forged)))
		if st, _, _ := notify(notifyURL, forged); st/100 != 4 {
			t.Fatalf("forged duplicate: HTTP %d", st)
		}
		// 3DS-3: the genuine notification posted to another merchant's POS
		// (same bank account), or to no POS, is refused.
		sp := e.Sim.POS()
		otherPOS, err := e.NewMerchant("Other Shop").CreatePOS(ctx, &client.POSRequest{Protocol: sp.Protocol, Bank: sp.Bank,
			Name: "other", Endpoints: &client.Endpoints{API: sp.Endpoints.API, ThreeDGate: sp.Endpoints.ThreeDGate},
			Credentials: sp.Credentials})
		if err != nil {
			t.Fatal(err)
		}
		for _, pos := range []string{otherPOS.ID, "pos_nosuchpos"} {
			if st, body, _ := notify(e.K.URL+gateway.NotifyPath(pos), genuine); st/100 != 4 || body == okBody {
				t.Fatalf("notification to POS %s: HTTP %d %q", pos, st, body)
			}
		}
		// …and its signed order id cannot be moved onto another payment.
		other := create3D(t, e, model)
		moved := clone(genuine)
		for k, vs := range moved {
			if len(vs) == 1 && vs[0] == p.BankOrderID {
				moved.Set(k, other.BankOrderID)
			}
		}
		if st, _, _ := notify(notifyURL, moved); st/100 != 4 {
			t.Fatalf("notification moved onto another payment: HTTP %d", st)
		}
		wantStatus(t, get(t, e, other.ID), "requires_action")
		if !get(t, e, p.ID).UpdatedAt.Equal(got.UpdatedAt) {
			t.Fatal("a refused notification changed the payment")
		}
	})
	refusedByCustomer(t, e, model)
	t.Run("ForgedHash", func(t *testing.T) {
		p := create3D(t, e, model)
		// The first delivery reaches Kasa forged and the bank is told to
		// try again; the retry is the genuine notification.
		var forgedStatus int
		var during string
		r.hook(func(genuine url.Values) bool {
			forged := clone(genuine)
			forged.Set(signedField(forged), "AAAA"+forged.Get(signedField(forged)))
			forgedStatus, _, _ = notify(notifyURL, forged)
			if q, err := e.C.GetPayment(ctx, p.ID); err == nil {
				during = q.Status
			}
			return false
		})
		if _, _, _, err := drive(e, model, p, kasatest.ACS{Code: kasatest.ACSCode}); err != nil {
			t.Fatal(err)
		}
		if forgedStatus/100 != 4 || during != "requires_action" {
			t.Fatalf("forged notification: HTTP %d, payment then %s", forgedStatus, during)
		}
		wantStatus(t, get(t, e, p.ID), client.StatusSucceeded)
		if n := e.Sim.Book().ApprovedAuths(p.BankOrderID); n != 1 {
			t.Fatalf("bank approved %d times", n)
		}
	})
	t.Run("ConcurrentDuplicates", func(t *testing.T) {
		// 3DS-5: the bank's duplicates arriving together settle the
		// payment once, and every one of them is acknowledged.
		p := create3D(t, e, model)
		const n = 12
		answers := make([]string, n)
		r.hook(func(genuine url.Values) bool {
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					st, body, err := notify(notifyURL, genuine)
					answers[i] = strings.TrimSpace(http.StatusText(st) + " " + body + " " + errText(err))
				})
			}
			wg.Wait()
			return true
		})
		if _, _, _, err := drive(e, model, p, kasatest.ACS{Code: kasatest.ACSCode}); err != nil {
			t.Fatal(err)
		}
		want := http.StatusText(okStatus) + " " + okBody
		for i, a := range answers {
			if a != want {
				t.Errorf("duplicate %d answered %q, want %q", i, a, want)
			}
		}
		wantStatus(t, get(t, e, p.ID), client.StatusSucceeded)
		evs, err := e.K.Store.ListEvents(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		succeeded := 0
		for _, ev := range evs {
			if ev.Type == "payment."+store.StatusSucceeded {
				succeeded++
			}
		}
		if succeeded != 1 || e.Sim.Book().ApprovedAuths(p.BankOrderID) != 1 {
			t.Fatalf("%d payment.succeeded events, bank approved %d times", succeeded, e.Sim.Book().ApprovedAuths(p.BankOrderID))
		}
	})
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// gatewayReply is the adapter's "processed" answer to a notification.
func gatewayReply(t *testing.T, e *kasatest.Env) (int, string, string) {
	t.Helper()
	d, err := gateway.Lookup(e.Sim.POS().Protocol)
	if err != nil {
		t.Fatal(err)
	}
	sp := e.Sim.POS()
	g, err := d.New(gateway.Config{Credentials: sp.Credentials, Endpoints: sp.Endpoints})
	if err != nil {
		t.Fatal(err)
	}
	return g.(gateway.Notifier).NotificationReply(true)
}
