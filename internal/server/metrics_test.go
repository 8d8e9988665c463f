package server_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/kasapos/kasa/client"
	"github.com/kasapos/kasa/internal/kasatest"
)

// TestMetrics checks that /metrics carries what an operator watches: API
// requests, bank latency and approvals/declines per POS, each POS's circuit
// breaker state and the webhook backlog.
func TestMetrics(t *testing.T) {
	e := kasatest.New(t, "sqlite", "est3", nil)
	ctx := context.Background()
	e.Pay(e.Sale(1000))
	d := e.Sale(1000)
	d.Card.Number = "4000000000070005" // the simulators' do-not-honour card
	e.Pay(d)

	scrape := func() string {
		t.Helper()
		resp, err := http.Get(e.K.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("/metrics: %d", resp.StatusCode)
		}
		return string(b)
	}
	want := func(body string, series ...string) {
		t.Helper()
		for _, s := range series {
			if !strings.Contains(body, s) {
				t.Errorf("/metrics lacks %s", s)
			}
		}
	}
	pos := `pos_id="` + e.POS.ID + `"`
	want(scrape(),
		`kasa_http_requests_total{method="POST",route="POST /v1/payments",status="201"} 2`,
		`kasa_bank_call_duration_seconds_count{operation="sale",`+pos+`,protocol="est3"} 2`,
		`kasa_bank_outcomes_total{operation="sale",outcome="approved",`+pos+`} 1`,
		`kasa_bank_outcomes_total{operation="sale",outcome="declined",`+pos+`} 1`,
		`kasa_pos_circuit_state{`+pos+`,state="closed"} 1`,
		`kasa_webhook_backlog `,
		`process_resident_memory_bytes `,
	)

	// The bank goes away: after enough failed calls the breaker opens, and
	// the metric says so.
	e.Sim.Close()
	refused := false
	for i := 0; i < 20 && !refused; i++ {
		p, _, err := e.C.CreatePayment(ctx, e.Sale(1000), client.NewIdempotencyKey())
		if ce, ok := err.(*client.Error); ok && ce.Code == "pos_unavailable" {
			refused = true // the breaker is open: Kasa no longer tries the bank
		} else if err != nil {
			t.Fatal(err)
		} else if p.Status != client.StatusFailed && p.Status != client.StatusUnknown {
			// unknown: a kept-alive connection the closing bank cut mid-request.
			t.Fatalf("payment to a closed bank: %s", p.Status)
		}
	}
	if !refused {
		t.Fatal("the breaker never opened")
	}
	body := scrape()
	want(body, `kasa_pos_circuit_state{`+pos+`,state="open"} 1`, `kasa_pos_circuit_state{`+pos+`,state="closed"} 0`)
	if !strings.Contains(body, `outcome="not_sent",`+pos) && !strings.Contains(body, `outcome="unknown",`+pos) {
		t.Error("/metrics lacks the failed calls to the closed bank")
	}
}
