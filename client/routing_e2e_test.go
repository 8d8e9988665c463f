package client_test

import (
	"testing"

	"github.com/kasapos/kasa/client"
	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/kasatest"
)

// addSecondEST adds another EST simulator as a second POS (weight 1, same
// priority) and returns it with its POS id.
func addSecondEST(t *testing.T, e *kasatest.Env, bank string) (banksim.Simulator, string) {
	t.Helper()
	sim, err := banksim.New("est3", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	sp := sim.POS()
	p, err := e.C.CreatePOS(ctx, &client.POSRequest{Protocol: "est3", Bank: bank, Name: "second",
		Endpoints: &client.Endpoints{API: sp.Endpoints.API}, Credentials: sp.Credentials,
		Routing: &client.Routing{Weight: 1, CommissionBPS: map[string]int64{"1": 150}}})
	if err != nil {
		t.Fatal(err)
	}
	return sim, p.ID
}

// Issue #6: one bank down; every payment still succeeds on the other, and no
// card is charged twice (checked in both simulators' books).
func TestFailoverWhenABankIsDown(t *testing.T) {
	backends(t, func(t *testing.T, e *kasatest.Env) {
		second, secondID := addSecondEST(t, e, "halkbank")
		second.Close() // halkbank is down: connection refused
		for i := 0; i < 12; i++ {
			p := e.Pay(e.Sale(int64(1000 + i)))
			wantStatus(t, p, client.StatusSucceeded)
			if n := e.Sim.Book().ApprovedAuths(p.BankOrderID); n != 1 {
				t.Fatalf("payment %s approved %d times at the live bank", p.ID, n)
			}
			if len(second.Book().Find(p.BankOrderID)) != 0 {
				t.Fatalf("payment %s reached the bank that is down", p.ID)
			}
			if p.POSID == secondID {
				t.Fatalf("payment %s reports the dead POS", p.ID)
			}
		}
		// After five straight connection failures the breaker is open and
		// the dead POS is not even tried.
		if st := e.K.Service.Router.Health.State(secondID); st != "open" {
			t.Fatalf("breaker of the dead POS is %s", st)
		}
	})
}

// A payment whose outcome is unknown is never retried elsewhere.
func TestUnknownIsNeverRetriedOnAnotherPOS(t *testing.T) {
	backends(t, func(t *testing.T, e *kasatest.Env) {
		second, _ := addSecondEST(t, e, "halkbank")
		e.Fault("Auth", banksim.TimeoutAfter, 1)
		second.Faults().Next("Auth", banksim.TimeoutAfter, 1)
		p := e.Pay(e.Sale(2222))
		wantStatus(t, p, client.StatusUnknown)
		total := 0
		for _, s := range []banksim.Simulator{e.Sim, second} {
			for _, o := range s.Book().All() {
				total += o.AuthAttempts
			}
		}
		if total != 1 {
			t.Fatalf("an unknown payment reached %d banks", total)
		}
	})
}

func TestBINAndInstallmentsEndpoints(t *testing.T) {
	backends(t, func(t *testing.T, e *kasatest.Env) {
		var bin struct {
			BIN, BankCode, Brand string
			Domestic             bool
		}
		if err := getJSON(e, "/v1/bins/43550843", &bin); err != nil || bin.Brand == "" || !bin.Domestic {
			t.Fatalf("BIN lookup: %+v %v", bin, err)
		}
		var inst struct {
			Data []struct {
				Count       int     `json:"count"`
				Total       int64   `json:"total"`
				Instalments []int64 `json:"instalments"`
				POSID       string  `json:"pos_id"`
			} `json:"data"`
		}
		if err := getJSON(e, "/v1/installments?bin=43550843&amount=10000&currency=TRY", &inst); err != nil {
			t.Fatal(err)
		}
		if len(inst.Data) != 12 || inst.Data[0].Count != 1 {
			t.Fatalf("options: %+v", inst.Data)
		}
		for _, o := range inst.Data {
			var sum int64
			for _, x := range o.Instalments {
				sum += x
			}
			if sum != o.Total || o.Total != 10000 || o.POSID != e.POS.ID {
				t.Fatalf("option %+v does not add up", o)
			}
		}
		if err := getJSON(e, "/v1/bins/12", &bin); err == nil {
			t.Fatal("a 2-digit BIN was accepted")
		}
	})
}

// Installments: a payment records the card's issuer and the plan's count.
func TestPaymentRecordsRoutingAndCard(t *testing.T) {
	backends(t, func(t *testing.T, e *kasatest.Env) {
		r := e.Sale(60000)
		r.Installments = 6
		p := e.Pay(r)
		wantStatus(t, p, client.StatusSucceeded)
		if p.RoutingReason == "" || e.Order(p.BankOrderID).Installments != 6 {
			t.Fatalf("routing %q, bank installments %d", p.RoutingReason, e.Order(p.BankOrderID).Installments)
		}
		r = e.Sale(1000)
		r.Currency, r.Installments = "USD", 3
		_, _, err := e.C.CreatePayment(ctx, r, client.NewIdempotencyKey())
		wantCode(t, err, 400, "installments_not_allowed")
	})
}
