package bench

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kasapos/kasa/internal/store/pgtest"
)

// Go benchmarks of the same operations `kasa bench` drives, with
// b.RunParallel as the clients (-cpu and -test.parallelism set how many):
//
//	go test -run '^$' -bench . -benchtime 10s ./internal/bench/
//
// They measure; they never assert timing (a shared CI machine is too noisy).

func benchOp(b *testing.B, databaseURL string, fn func(*Env) func(context.Context, int64, any) error) {
	ctx := context.Background()
	env, err := Setup(ctx, SetupConfig{DatabaseURL: databaseURL, Conns: 64})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(env.Close)
	do := fn(env)
	b.SetParallelism(8)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for i := int64(0); pb.Next(); i++ {
			if err := do(ctx, i, nil); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkSaleSQLite(b *testing.B) {
	benchOp(b, "", func(e *Env) func(context.Context, int64, any) error { return e.KasaSale })
}

func BenchmarkSalePostgres(b *testing.B) {
	dsn := pgtest.DSN(b) // skips without PostgreSQL
	benchOp(b, dsn, func(e *Env) func(context.Context, int64, any) error { return e.KasaSale })
}

// BenchmarkSaleDirect is the baseline: the same sale straight to the simulator.
func BenchmarkSaleDirect(b *testing.B) {
	benchOp(b, "", func(e *Env) func(context.Context, int64, any) error { return e.DirectSale })
}

func BenchmarkRoutingDecide(b *testing.B) {
	o := routingOp()
	b.ReportAllocs()
	for i := int64(0); b.Loop(); i++ {
		if err := o.do(context.Background(), i, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkThreeDSQLite(b *testing.B) {
	benchOp(b, "", func(e *Env) func(context.Context, int64, any) error { return e.KasaThreeD })
}

// TestScenarios runs every scenario briefly: each must complete requests
// without errors (what they measure is for `kasa bench`, never asserted).
func TestScenarios(t *testing.T) {
	for _, sc := range Scenarios {
		t.Run(sc, func(t *testing.T) {
			cfg := Config{Scenario: sc, Clients: 2, Duration: 300 * time.Millisecond}
			if sc == ScenarioList {
				cfg.SeedRows = 2000 // only the list needs a history; a seed's checkpoint would crowd a short phase
			}
			rep, err := Run(t.Context(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Kasa.Requests == 0 || rep.Kasa.Errors != 0 {
				t.Fatalf("%s: %d requests, %d errors (%s)", sc, rep.Kasa.Requests, rep.Kasa.Errors, rep.Kasa.FirstError)
			}
			if rep.Direct != nil && (rep.Direct.Requests == 0 || rep.Direct.Errors != 0) {
				t.Fatalf("%s direct: %+v", sc, rep.Direct)
			}
		})
	}
}

// TestHop: with Hop, the direct requests also go through the pass-through
// proxy, and reach the simulator that way (the proxy's phase has requests
// and no errors, and its figures are reported beside the others).
func TestHop(t *testing.T) {
	rep := run(t, Config{Scenario: ScenarioRefund, Clients: 2, Duration: 300 * time.Millisecond, Hop: true})
	if rep.Hop == nil || rep.Hop.Requests == 0 || rep.Hop.Errors != 0 || rep.HopAddedP50 == nil {
		t.Fatalf("hop phase: %+v", rep.Hop)
	}
	if out := table(rep); !strings.Contains(out, "one pass-through HTTP hop adds") {
		t.Fatalf("table without the hop:\n%s", out)
	}
}

// run runs cfg and fails the test on an error.
func run(t *testing.T, cfg Config) *Report {
	t.Helper()
	rep, err := Run(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// table is rep as WriteTable prints it.
func table(rep *Report) string {
	var out strings.Builder
	WriteTable(&out, rep)
	return out.String()
}

// TestWebhook: with Webhook, the merchant's endpoint receives the sales'
// events during the run, and the report counts them.
func TestWebhook(t *testing.T) {
	rep := run(t, Config{Scenario: ScenarioSale, Clients: 2, Duration: 500 * time.Millisecond,
		NoDirect: true, Webhook: true, WebhookEvery: 20 * time.Millisecond, WebhookWorkers: 2})
	if rep.Kasa.Errors != 0 || rep.WebhooksDelivered == 0 {
		t.Fatalf("%d errors, %d webhook deliveries", rep.Kasa.Errors, rep.WebhooksDelivered)
	}
	if out := table(rep); !strings.Contains(out, "webhook deliveries received") {
		t.Fatalf("table without the deliveries:\n%s", out)
	}
}

// TestInterleave: with Interleave, the direct, hop and Kasa requests share
// one phase, each request's target drawn at random: each target gets the
// rate on average, the overhead figures are derived from the phase, and a
// closed loop, whose shared clients make the counts alike by construction,
// reports no throughput ratio.
func TestInterleave(t *testing.T) {
	rep := run(t, Config{Scenario: ScenarioSale, Clients: 16, Duration: 600 * time.Millisecond,
		Rate: 100, Hop: true, Interleave: true})
	if !rep.Interleaved || rep.Direct == nil || rep.Hop == nil || rep.AddedP50 == nil || rep.HopAddedP50 == nil || rep.ThroughputRatio == nil {
		t.Fatalf("interleaved report: %+v", rep)
	}
	for _, s := range []Stats{*rep.Direct, *rep.Hop, rep.Kasa} {
		// 100/s each for 0.6 s: ~60, binomially spread (σ ≈ 6).
		if s.Errors != 0 || s.Requests < 30 || s.Requests > 90 {
			t.Fatalf("%s: %d requests, %d errors (%s), want ~60 at 100/s", s.Target, s.Requests, s.Errors, s.FirstError)
		}
	}
	if out := table(rep); !strings.Contains(out, "targets interleaved in one phase") || !strings.Contains(out, "throughput") {
		t.Fatalf("table:\n%s", out)
	}

	rep = run(t, Config{Scenario: ScenarioSale, Clients: 2, Duration: 300 * time.Millisecond, Interleave: true})
	if rep.Direct.Requests == 0 || rep.Kasa.Requests == 0 || rep.ThroughputRatio != nil || rep.AddedP50 == nil {
		t.Fatalf("closed loop: direct %d, kasa %d requests, ratio %v", rep.Direct.Requests, rep.Kasa.Requests, rep.ThroughputRatio)
	}
	if out := table(rep); strings.Contains(out, "throughput") {
		t.Fatalf("a closed interleaved loop printed a throughput ratio:\n%s", out)
	}
}
