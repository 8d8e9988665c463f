package bench

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kasapos/kasa/internal/money"
	"github.com/kasapos/kasa/internal/routing"
)

// routingOp decides a route among 10 POS at 10 banks, each with a plan, for
// a 3-instalment Axess card: the work Create does before any bank call.
func routingOp() op {
	banks := []string{"0046", "0062", "0064", "0067", "0010", "0012", "0015", "0111", "0134", "0205"}
	var cands []routing.POSInfo
	var plans []routing.Plan
	for i, bank := range banks {
		id := fmt.Sprintf("pos_%d", i)
		cands = append(cands, routing.POSInfo{ID: id, Protocol: "est3", BankCode: bank, Currencies: []string{"TRY"},
			Enabled: true, Priority: i, Weight: i % 3, Commission: map[int]routing.Rate{1: routing.Rate(150 + i*10), 3: routing.Rate(300 + i*5)}})
		plans = append(plans, routing.Plan{POSID: id, Name: "standard", Programs: []string{"*"}, CustomerPays: i%2 == 0,
			Counts: map[int]routing.Rate{2: 200, 3: routing.Rate(310 + i*7), 6: 500, 9: 750, 12: 1000}})
	}
	r := &routing.Router{Health: routing.NewHealth(routing.BreakerConfig{}, time.Now)}
	bin := routing.BIN{Prefix: "435508", BankCode: "0046", BankName: "Akbank", Brand: "visa", Type: "credit", Program: "Axess"}
	return op{do: func(_ context.Context, i int64, _ any) error {
		req := routing.Request{Amount: money.New(123456, money.TRY), Installments: 3, BIN: bin, Candidates: cands, Plans: plans,
			Seed: fmt.Sprintf("pay_%d", i)}
		d, err := r.Decide(req)
		if err == nil && len(d.Ordered) == 0 {
			err = fmt.Errorf("routing: no choice")
		}
		return err
	}}
}

// WriteTable prints a report for people.
func WriteTable(w io.Writer, r *Report) {
	fmt.Fprintf(w, "scenario %s, storage %s, %d clients", r.Scenario, r.Storage, r.Clients)
	if r.Rate > 0 {
		fmt.Fprintf(w, ", open loop at %.0f/s", r.Rate)
	}
	if r.Seeded > 0 {
		fmt.Fprintf(w, ", %d seeded rows", r.Seeded)
	}
	if r.Interleaved {
		fmt.Fprint(w, ", targets interleaved in one phase")
	}
	fmt.Fprintf(w, "\nmachine: %d CPUs (GOMAXPROCS %d), %s, %s\n\n", r.Machine.CPUs, r.Machine.GOMAXPROCS, r.Machine.CPUModel, r.Machine.GoVersion)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "target\trequests\terrors\treq/s\tp50 ms\tp95 ms\tp99 ms\tmax ms\t")
	row := func(s Stats) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.0f\t%.3f\t%.3f\t%.3f\t%.3f\t\n", s.Target, s.Requests, s.Errors, s.Throughput, s.P50, s.P95, s.P99, s.Max)
	}
	for _, s := range []*Stats{r.Direct, r.Hop, &r.Kasa} {
		if s != nil {
			row(*s)
		}
	}
	tw.Flush()
	if r.AddedP50 != nil {
		fmt.Fprintf(w, "\ngateway overhead: +%.3f ms p50, +%.3f ms p99", *r.AddedP50, *r.AddedP99)
		if r.ThroughputRatio != nil {
			fmt.Fprintf(w, "; throughput %.0f%% of direct", *r.ThroughputRatio*100)
		}
		fmt.Fprintln(w)
	}
	if r.HopAddedP50 != nil {
		fmt.Fprintf(w, "one pass-through HTTP hop adds: +%.3f ms p50, +%.3f ms p99\n", *r.HopAddedP50, *r.HopAddedP99)
	}
	if r.WebhooksDelivered > 0 {
		fmt.Fprintf(w, "webhook deliveries received: %d\n", r.WebhooksDelivered)
	}
	if r.ServerRSSMB > 0 {
		fmt.Fprintf(w, "server RSS after the run: %.0f MB\n", r.ServerRSSMB)
	}
	for _, s := range []*Stats{r.Direct, r.Hop, &r.Kasa} {
		if s != nil && s.FirstError != "" {
			fmt.Fprintf(w, "first %s error: %s\n", s.Target, strings.TrimSpace(s.FirstError))
		}
	}
}
