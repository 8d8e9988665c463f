package keyrotate_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kasapos/kasa/client"
	"github.com/kasapos/kasa/internal/id"
	"github.com/kasapos/kasa/internal/kasatest"
	"github.com/kasapos/kasa/internal/keyrotate"
	"github.com/kasapos/kasa/internal/secret"
	"github.com/kasapos/kasa/internal/server"
	"github.com/kasapos/kasa/internal/store"
	"github.com/kasapos/kasa/internal/webhook"
)

func startNode(t *testing.T, cfg server.Config, keys string) *server.Kasa {
	t.Helper()
	cfg.MasterKeys, cfg.Addr = keys, "127.0.0.1:0"
	k, err := server.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Start(); err != nil {
		t.Fatal(err)
	}
	return k
}

func closeNode(t *testing.T, k *server.Kasa) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := k.Close(ctx); err != nil {
		t.Log(err)
	}
}

func keyring(t *testing.T, spec string) *secret.Keyring {
	kr, err := secret.ParseKeyring(spec)
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

// TestKEY2_RotateOnline: a node keeps paying (and re-sealing POS
// credentials) while every sealed value is re-wrapped under the new primary;
// afterwards a keyring with only the new key opens everything (API keys
// still authenticate), and the old key alone opens nothing.
func TestKEY2_RotateOnline(t *testing.T) {
	kasatest.Backends(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		e := kasatest.New(t, backend, "est3", nil)
		oldSpec := e.K.Config.MasterKeys
		newKey := secret.NewKeyringSpec(2)
		apiKey := e.C.APIKey
		sp := e.Sim.POS()

		// Something in every sealed column: a 3D payment waiting (vault), a
		// webhook endpoint with a rotated secret (secret and prev_secret).
		req := e.Sale(2000)
		req.ThreeD, req.ReturnURL = "3d", "http://127.0.0.1/done"
		if p := e.Pay(req); p.Status != "requires_action" {
			t.Fatalf("3D payment: %s", p.Status)
		}
		pay1, err := e.K.Store.PaymentByID(ctx, e.Pay(e.Sale(1000)).ID)
		if err != nil {
			t.Fatal(err)
		}
		ep := &store.WebhookEndpoint{ID: id.New("we"), MerchantID: pay1.MerchantID, Mode: store.ModeTest,
			URL: "https://shop.example.com/hooks", EventTypes: []string{"*"}, Enabled: true}
		ep.Secret = e.K.Keys.Seal([]byte("current-secret-0123456789abcdef"), webhook.SecretAAD(ep.ID))
		ep.PrevSecret = e.K.Keys.Seal([]byte("previous-secret-0123456789abcde"), webhook.PrevSecretAAD(ep.ID))
		ep.PrevSecretUntil = time.Now().Add(time.Hour)
		if err := e.K.Store.CreateWebhookEndpoint(ctx, ep); err != nil {
			t.Fatal(err)
		}

		// Rolling deploy: the node now runs with the new key as primary.
		cfg := e.K.Config
		closeNode(t, e.K)
		both := newKey + "," + oldSpec
		node := startNode(t, cfg, both)
		c := client.New(node.URL, apiKey)

		stop := make(chan struct{})
		var paid, failed atomic.Int64
		var wg sync.WaitGroup
		wg.Go(func() { // payments
			for {
				select {
				case <-stop:
					return
				default:
				}
				p, _, err := c.CreatePayment(ctx, e.Sale(1500), client.NewIdempotencyKey())
				if err != nil || p.Status != "succeeded" {
					failed.Add(1)
					t.Errorf("payment during rotation: %v %v", err, p)
					return
				}
				paid.Add(1)
			}
		})
		wg.Go(func() { // credential updates race the rotation's writes
			for range 5 {
				if _, err := c.UpdatePOS(ctx, e.POS.ID, &client.POSRequest{Credentials: sp.Credentials}); err != nil {
					t.Errorf("update POS during rotation: %v", err)
					return
				}
			}
		})
		kr := keyring(t, both)
		counts, err := keyrotate.Rotate(ctx, node.Store, kr, 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		for paid.Load() < 3 && failed.Load() == 0 {
			time.Sleep(10 * time.Millisecond)
		}
		close(stop)
		wg.Wait()
		rewrapped := 0
		for _, c := range counts {
			t.Logf("%+v", c)
			rewrapped += c.Rewrapped
		}
		if rewrapped < 4 { // credentials, secret, prev_secret, vault, mac root
			t.Errorf("rewrapped %d values", rewrapped)
		}
		// Idempotent: a second run finds everything current.
		again, err := keyrotate.Rotate(ctx, node.Store, kr, 100, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range again {
			if c.Rewrapped != 0 || c.Failed != 0 {
				t.Errorf("second run: %+v", c)
			}
		}
		census, err := keyrotate.Census(ctx, node.Store)
		if err != nil || len(census) != 1 || census[2] == 0 {
			t.Fatalf("census after rotation: %v %v", census, err)
		}
		closeNode(t, node)

		// The old key alone is refused at start-up: values need key 2.
		cfgOld := cfg
		cfgOld.MasterKeys = oldSpec
		if _, err := server.Open(ctx, cfgOld); err == nil || !strings.Contains(err.Error(), "key id 2") {
			t.Fatalf("start with only the old key: %v", err)
		}
		// The new key alone opens every value; the old key opens none.
		newOnly, oldOnly := keyring(t, newKey), keyring(t, oldSpec)
		st, err := server.OpenStore(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		for _, col := range store.SealedColumns {
			vals, err := st.ListSealed(ctx, col, "", 1000)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				aad, _ := keyrotate.AAD(col, v.Key)
				if _, err := newOnly.Open(v.Sealed, aad); err != nil {
					t.Errorf("%s %s with the new key: %v", col, v.Key, err)
				}
				if _, err := oldOnly.Open(v.Sealed, aad); err == nil {
					t.Errorf("%s %s still opens with the old key", col, v.Key)
				}
			}
		}
		st.Close()

		// After removing the old key the node pays, with the same API key.
		node = startNode(t, cfg, newKey)
		defer closeNode(t, node)
		c = client.New(node.URL, apiKey)
		if p, _, err := c.CreatePayment(ctx, e.Sale(1200), client.NewIdempotencyKey()); err != nil || p.Status != "succeeded" {
			t.Fatalf("payment with only the new key: %v %v", err, p)
		}
		t.Logf("paid %d times during the rotation", paid.Load())
	})
}

// TestKEY1_RotateRefusesSwappedCredentials: two POS rows' sealed
// credentials swapped in the database open for neither row (the AAD binds
// them), and rotation leaves them alone and reports the failure.
func TestKEY1_RotateRefusesSwappedCredentials(t *testing.T) {
	kasatest.Backends(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		e := kasatest.New(t, backend, "est3", nil)
		sp := e.Sim.POS()
		other, err := e.C.CreatePOS(ctx, &client.POSRequest{Protocol: sp.Protocol, Bank: sp.Bank, Name: "second",
			Endpoints: &client.Endpoints{API: sp.Endpoints.API, ThreeDGate: sp.Endpoints.ThreeDGate}, Credentials: sp.Credentials})
		if err != nil {
			t.Fatal(err)
		}
		st, col := e.K.Store, store.SealedPOSCredentials
		a, _ := st.GetSealed(ctx, col, e.POS.ID)
		b, _ := st.GetSealed(ctx, col, other.ID)
		if ok1, err1 := st.SwapSealed(ctx, col, e.POS.ID, a, b); !ok1 || err1 != nil {
			t.Fatal(err1)
		}
		if ok2, err2 := st.SwapSealed(ctx, col, other.ID, b, a); !ok2 || err2 != nil {
			t.Fatal(err2)
		}
		kr := keyring(t, secret.NewKeyringSpec(2)+","+e.K.Config.MasterKeys)
		counts, err := keyrotate.Rotate(ctx, st, kr, 10, nil)
		if !errors.Is(err, keyrotate.ErrFailed) || counts[0].Failed != 2 {
			t.Fatalf("rotate over swapped credentials: %v %+v", err, counts)
		}
		if a2, _ := st.GetSealed(ctx, col, e.POS.ID); string(a2) != string(b) {
			t.Error("rotation wrote a value it could not open")
		}
		// And the node refuses to pay with them.
		if p, _, err := e.C.CreatePayment(ctx, e.Sale(1000), client.NewIdempotencyKey()); err == nil && p.Status == "succeeded" {
			t.Fatal("payment succeeded with swapped credentials")
		}
	})
}
