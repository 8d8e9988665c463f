package routing

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kasapos/kasa/internal/money"
)

// pos is a compact POSInfo for tests: enabled, TRY only, single-payment
// commission c1 (negative: unknown).
func pos(id, bank string, c1 Rate) POSInfo {
	p := POSInfo{ID: id, Protocol: "est3", BankCode: bank, Currencies: []string{"TRY"}, Enabled: true}
	if c1 >= 0 {
		p.Commission = map[int]Rate{1: c1}
	}
	return p
}

func with(p POSInfo, f func(*POSInfo)) POSInfo { f(&p); return p }

func ids(d Decision) []string {
	var out []string
	for _, c := range d.Ordered {
		out = append(out, c.POSID)
	}
	return out
}

func rules(d Decision) []string {
	var out []string
	for _, c := range d.Ordered {
		out = append(out, c.Rule)
	}
	return out
}

// Each rule alone: the candidates differ only in what that rule looks at.
func TestEachRuleAlone(t *testing.T) {
	cases := []struct {
		name      string
		req       Request
		wantFirst string
		wantRule  string
		reason    string // a fragment of the first choice's reason
	}{
		{
			name: "forced POS, even when another is on-us and cheaper",
			req: Request{ForcedPOSID: "pos_garanti", BIN: akbankAxess,
				Candidates: []POSInfo{pos("pos_akbank", "0046", 100), pos("pos_garanti", "0062", 300)}},
			wantFirst: "pos_garanti", wantRule: RuleForced, reason: "pos_id given",
		},
		{
			name: "on-us: the card's own bank",
			req: Request{BIN: akbankAxess,
				Candidates: []POSInfo{pos("pos_isbank", "0064", -1), pos("pos_akbank", "0046", -1)}},
			wantFirst: "pos_akbank", wantRule: RuleOnUs, reason: "card issued by Akbank (0046)",
		},
		{
			name: "card programme: a VakıfBank World card on Yapı Kredi (World's owner)",
			req: Request{BIN: vakifWorld,
				Candidates: []POSInfo{pos("pos_isbank", "0064", -1), pos("pos_ykb", "0067", -1)}},
			wantFirst: "pos_ykb", wantRule: RuleProgram, reason: "World card",
		},
		{
			name: "card programme: a partner bank's POS declared as serving Bonus",
			req: Request{BIN: garantiBonus,
				Candidates: []POSInfo{pos("pos_isbank", "0064", -1),
					with(pos("pos_teb", "0032", -1), func(p *POSInfo) { p.Programs = []string{"Bonus"} })}},
			wantFirst: "pos_teb", wantRule: RuleProgram, reason: "serves the Bonus programme",
		},
		{
			name: "lowest commission",
			req: Request{BIN: foreignCard,
				Candidates: []POSInfo{pos("pos_isbank", "0064", 229), pos("pos_akbank", "0046", 189), pos("pos_ykb", "0067", 199)}},
			wantFirst: "pos_akbank", wantRule: RuleCost, reason: "commission 1.89% for a single payment, against 1.99% on pos_ykb",
		},
		{
			name: "a known commission beats an unknown one",
			req: Request{BIN: foreignCard,
				Candidates: []POSInfo{pos("pos_isbank", "0064", -1), pos("pos_akbank", "0046", 250)}},
			wantFirst: "pos_akbank", wantRule: RuleCost, reason: "against unknown on pos_isbank",
		},
		{
			name: "weighted split among equals",
			req: Request{BIN: foreignCard, Seed: "pay_1",
				Candidates: []POSInfo{pos("pos_isbank", "0064", 200),
					with(pos("pos_akbank", "0046", 200), func(p *POSInfo) { p.Weight = 1 })}},
			wantFirst: "pos_akbank", wantRule: RuleWeighted, reason: "weight 1",
		},
		{
			name: "fallback: the merchant's priority",
			req: Request{BIN: foreignCard,
				Candidates: []POSInfo{with(pos("pos_isbank", "0064", 200), func(p *POSInfo) { p.Priority = 2 }),
					with(pos("pos_akbank", "0046", 200), func(p *POSInfo) { p.Priority = 1 })}},
			wantFirst: "pos_akbank", wantRule: RuleFallback, reason: "merchant priority 1, ahead of pos_isbank (priority 2)",
		},
		{
			name: "currency: only the POS taking USD",
			req: Request{Amount: money.New(5000, money.USD), BIN: akbankAxess,
				Candidates: []POSInfo{pos("pos_akbank", "0046", 100),
					with(pos("pos_garanti", "0062", 300), func(p *POSInfo) { p.Currencies = []string{"TRY", "USD"} })}},
			wantFirst: "pos_garanti", wantRule: RuleFallback, reason: "last eligible POS",
		},
	}
	var r Router
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.req.Amount.Minor == 0 {
				c.req.Amount = try(10000)
			}
			d, err := r.Decide(c.req)
			if err != nil {
				t.Fatal(err)
			}
			first := d.Ordered[0]
			if first.POSID != c.wantFirst || first.Rule != c.wantRule || !strings.Contains(first.Reason, c.reason) {
				t.Errorf("first = %s %s %q; want %s %s containing %q", first.POSID, first.Rule, first.Reason, c.wantFirst, c.wantRule, c.reason)
			}
			if first.Option.Count != 1 || first.Option.Total != c.req.Amount {
				t.Errorf("single payment option = %+v", first.Option)
			}
		})
	}
}

// All rules at once: on-us beats programme beats cost beats weight beats
// priority, and each choice says which rule placed it ahead of the next.
func TestRulesInPriorityOrder(t *testing.T) {
	candidates := []POSInfo{
		with(pos("pos_default", "0099", 300), func(p *POSInfo) { p.Priority = 1 }),
		with(pos("pos_default2", "0099", 300), func(p *POSInfo) { p.Priority = 2 }),
		with(pos("pos_weighted", "0099", 300), func(p *POSInfo) { p.Priority = 9; p.Weight = 5 }),
		pos("pos_cheap", "0064", 150),
		pos("pos_world", "0067", 400),
		with(pos("pos_vakif", "0015", 500), func(p *POSInfo) { p.Programs = []string{"World"} }),
		pos("pos_usd_only", "0046", 100),
		with(pos("pos_off", "0010", 100), func(p *POSInfo) { p.Enabled = false }),
	}
	candidates[6].Currencies = []string{"USD"}
	var r Router
	d, err := r.Decide(Request{Amount: try(25000), BIN: vakifWorld, Candidates: candidates, Seed: "pay_x"})
	if err != nil {
		t.Fatal(err)
	}
	wantIDs := []string{"pos_vakif", "pos_world", "pos_cheap", "pos_weighted", "pos_default", "pos_default2"}
	wantRules := []string{RuleOnUs, RuleProgram, RuleCost, RuleWeighted, RuleFallback, RuleFallback}
	if !slices.Equal(ids(d), wantIDs) || !slices.Equal(rules(d), wantRules) {
		t.Fatalf("order %v %v\nwant   %v %v", ids(d), rules(d), wantIDs, wantRules)
	}
	for _, c := range d.Ordered {
		t.Logf("%-13s %s", c.POSID, c.Explain())
	}
	skipped := map[string]string{}
	for _, s := range d.Skipped {
		skipped[s.POSID] = s.Rule
	}
	if skipped["pos_usd_only"] != SkipCurrency || skipped["pos_off"] != SkipDisabled || len(skipped) != 2 {
		t.Errorf("skipped = %+v", d.Skipped)
	}
	// Input order does not matter.
	slices.Reverse(candidates)
	d2, _ := r.Decide(Request{Amount: try(25000), BIN: vakifWorld, Candidates: candidates, Seed: "pay_x"})
	if !slices.Equal(ids(d2), wantIDs) {
		t.Errorf("reversed input gave %v", ids(d2))
	}
}

func TestInstalmentRouting(t *testing.T) {
	candidates := []POSInfo{pos("pos_akbank", "0046", 150), pos("pos_garanti", "0062", 140), pos("pos_isbank", "0064", 130)}
	plans := []Plan{
		{POSID: "pos_akbank", Counts: map[int]Rate{3: 320, 6: 600}},
		{POSID: "pos_isbank", Counts: map[int]Rate{3: 280}, Programs: []string{"*"}, CustomerPays: true},
		{POSID: "pos_garanti", Counts: map[int]Rate{3: 250, 9: 700}}, // Bonus cards only
	}
	var r Router
	req := Request{Amount: try(90000), BIN: akbankAxess, Candidates: candidates, Plans: plans, Installments: 3}
	d, err := r.Decide(req)
	if err != nil {
		t.Fatal(err)
	}
	// Garanti gives Bonus cards only; the on-us Akbank POS beats cheaper İşbank.
	if got := ids(d); !slices.Equal(got, []string{"pos_akbank", "pos_isbank"}) {
		t.Fatalf("order = %v", got)
	}
	if o := d.Ordered[0].Option; o.Count != 3 || o.Total.Minor != 90000 || o.Rate != 320 {
		t.Errorf("on-us option = %+v", o)
	}
	if o := d.Ordered[1].Option; o.Total.Minor != 92520 || !o.CustomerPays { // 900.00 + 2.80 %
		t.Errorf("İşbank option = %+v", o)
	}
	if s := d.Skipped; len(s) != 1 || s[0].POSID != "pos_garanti" || s[0].Rule != SkipInstallments ||
		s[0].Reason != "no plan on this POS gives 3 instalments to Akbank Axess credit card (card neither from the POS's bank nor of its programmes)" {
		t.Errorf("skipped = %+v", s)
	}

	// The total shown at checkout caps failover: İşbank would charge more.
	req.MaxTotal = 90000
	if d, _ := r.Decide(req); !slices.Equal(ids(d), []string{"pos_akbank"}) {
		t.Errorf("with MaxTotal: %v", ids(d))
	}

	req.MaxTotal = 0
	req.Installments = 6
	if d, _ := r.Decide(req); !slices.Equal(ids(d), []string{"pos_akbank"}) {
		t.Errorf("6 instalments: %v", ids(d))
	}
	req.Installments = 9
	_, err = r.Decide(req)
	wantNoRoute(t, err, "installments_not_available", "no POS gives 9 instalments to Akbank Axess credit card")

	// 3D Host: the card is typed on the bank's page, so any POS with a plan
	// for the count is eligible and the bank applies its own card rules.
	hosted := Request{Amount: try(90000), CardOnBankPage: true, Candidates: candidates, Plans: plans, Installments: 9}
	if d, err := r.Decide(hosted); err != nil || !slices.Equal(ids(d), []string{"pos_garanti"}) {
		t.Errorf("3D Host, 9 instalments: %v %v", ids(d), err)
	}
	hosted.Amount = money.New(90000, money.EUR)
	_, err = r.Decide(hosted)
	wantNoRoute(t, err, "installments_not_available", "TRY only")

	// The checkout table: one quote per count, as Decide would route it.
	quotes := r.Quotes(Request{Amount: try(90000), BIN: garantiBonus, Candidates: candidates, Plans: plans})
	var got []string
	for _, q := range quotes {
		got = append(got, fmt.Sprintf("%d@%s=%d", q.Option.Count, q.POSID, q.Option.Total.Minor))
	}
	if want := []string{"3@pos_garanti=90000", "9@pos_garanti=90000"}; !slices.Equal(got, want) {
		t.Errorf("quotes = %v, want %v", got, want)
	}
}

func TestNoInstalmentsForTheseCards(t *testing.T) {
	candidates := []POSInfo{pos("pos_akbank", "0046", 150)}
	candidates[0].Currencies = []string{"TRY", "USD"}
	plans := []Plan{{POSID: "pos_akbank", Counts: map[int]Rate{3: 300}, Programs: []string{"*"}}}
	cases := []struct {
		name   string
		card   BIN
		amount money.Amount
		msg    string
	}{
		{"debit", akbankDebit, try(10000), "no POS gives 3 instalments to Akbank debit card"},
		{"prepaid", akbankPrepaid, try(10000), "prepaid cards get no instalments"},
		{"foreign", foreignCard, try(10000), "not in the BIN table"},
		{"USD", akbankAxess, money.New(10000, money.USD), "TRY only"},
	}
	var r Router
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := r.Decide(Request{Amount: c.amount, BIN: c.card, Candidates: candidates, Plans: plans, Installments: 3})
			wantNoRoute(t, err, "installments_not_available", c.msg)
			// A single payment still routes.
			if _, err := r.Decide(Request{Amount: c.amount, BIN: c.card, Candidates: candidates, Plans: plans, Installments: 1}); err != nil {
				t.Errorf("single payment: %v", err)
			}
		})
	}
}

func wantNoRoute(t *testing.T, err error, code, fragment string) {
	t.Helper()
	var nr *NoRouteError
	if !errors.As(err, &nr) {
		t.Fatalf("err = %v, want *NoRouteError", err)
	}
	if nr.Code != code || !strings.Contains(nr.Message, fragment) {
		t.Errorf("error %s %q; want %s containing %q", nr.Code, nr.Message, code, fragment)
	}
}

func TestNothingEligible(t *testing.T) {
	var r Router
	usd := money.New(100, money.USD)
	off := with(pos("pos_b", "0062", 1), func(p *POSInfo) { p.Enabled = false })
	cases := []struct {
		name string
		req  Request
		code string
		msg  string
	}{
		{"no POS at all", Request{Amount: try(100)}, "no_pos_available", "no POS"},
		{"all disabled", Request{Amount: try(100), Candidates: []POSInfo{off}}, "pos_disabled", "every POS is disabled (pos_b)"},
		{"no POS takes the currency", Request{Amount: usd, Candidates: []POSInfo{pos("pos_a", "0046", 1), off}},
			"currency_not_supported_by_pos", "no enabled POS accepts USD (pos_a)"},
		{"forced POS unknown", Request{Amount: try(100), ForcedPOSID: "pos_x", Candidates: []POSInfo{pos("pos_a", "0046", 1)}},
			"resource_not_found", `no POS "pos_x"`},
		{"forced POS disabled", Request{Amount: try(100), ForcedPOSID: "pos_b", Candidates: []POSInfo{pos("pos_a", "0046", 1), off}},
			"pos_disabled", "the requested POS cannot take the payment: the POS is disabled"},
		{"forced POS without the currency", Request{Amount: usd, ForcedPOSID: "pos_a", Candidates: []POSInfo{pos("pos_a", "0046", 1)}},
			"currency_not_supported_by_pos", "does not accept USD"},
		{"zero amount", Request{Amount: try(0), Candidates: []POSInfo{pos("pos_a", "0046", 1)}}, "parameter_invalid", "positive"},
		{"13 instalments", Request{Amount: try(100), Installments: 13, Candidates: []POSInfo{pos("pos_a", "0046", 1)}}, "parameter_invalid", "more than 12"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := r.Decide(c.req)
			wantNoRoute(t, err, c.code, c.msg)
		})
	}
}

func TestOpenPOSIsSkippedAndFallbacksOrdered(t *testing.T) {
	c := newClock()
	h := newTestHealth(c)
	r := Router{Health: h}
	candidates := []POSInfo{pos("pos_akbank", "0046", 300), pos("pos_isbank", "0064", 150), pos("pos_ykb", "0067", 200)}
	req := Request{Amount: try(10000), BIN: akbankAxess, Candidates: candidates}

	d, _ := r.Decide(req)
	if got := ids(d); !slices.Equal(got, []string{"pos_akbank", "pos_isbank", "pos_ykb"}) {
		t.Fatalf("healthy order = %v", got)
	}
	reportN(h, "pos_akbank", OutcomeTimeout, 5)
	d, _ = r.Decide(req)
	if got := ids(d); !slices.Equal(got, []string{"pos_isbank", "pos_ykb"}) {
		t.Fatalf("with pos_akbank open: %v", got)
	}
	if d.Ordered[0].Rule != RuleCost || len(d.Skipped) != 1 || d.Skipped[0].Rule != SkipHealth || d.Skipped[0].Reason != "circuit open after bank failures" {
		t.Errorf("decision = %+v", d)
	}

	// Deciding does not take the half-open probe; the caller's Allow does.
	c.add(30 * time.Second)
	for range 3 {
		if d, _ = r.Decide(req); d.Ordered[0].POSID != "pos_akbank" {
			t.Fatalf("half-open POS not offered: %v", ids(d))
		}
	}
	if !h.Allow("pos_akbank") {
		t.Fatal("probe refused")
	}
	if d, _ = r.Decide(req); d.Ordered[0].POSID != "pos_isbank" {
		t.Fatalf("POS with a probe in flight still first: %v", ids(d))
	}

	reportN(h, "pos_isbank", OutcomeNotSent, 5)
	reportN(h, "pos_ykb", OutcomeServerError, 5)
	_, err := r.Decide(req)
	wantNoRoute(t, err, "pos_unavailable", "unavailable (circuit open) (pos_akbank, pos_isbank, pos_ykb)")

	_, err = r.Decide(Request{Amount: try(10000), ForcedPOSID: "pos_ykb", Candidates: candidates})
	wantNoRoute(t, err, "pos_unavailable", "circuit open")
}

// The weighted split depends only on the seed: the same payment always gets
// the same order, and over many payments each POS leads in proportion to
// its weight.
func TestWeightedSplit(t *testing.T) {
	candidates := []POSInfo{
		with(pos("pos_a", "0046", 200), func(p *POSInfo) { p.Weight = 70 }),
		with(pos("pos_b", "0062", 200), func(p *POSInfo) { p.Weight = 20 }),
		with(pos("pos_c", "0064", 200), func(p *POSInfo) { p.Weight = 10 }),
		pos("pos_d", "0067", 200), // no weight: after the weighted ones
	}
	var r Router
	const n = 10000
	first := map[string]int{}
	second := map[string]int{}
	for i := range n {
		req := Request{Amount: try(10000), BIN: foreignCard, Candidates: candidates, Seed: fmt.Sprintf("pay_%d", i)}
		d, err := r.Decide(req)
		if err != nil {
			t.Fatal(err)
		}
		again, _ := r.Decide(req)
		if !slices.Equal(ids(d), ids(again)) {
			t.Fatalf("seed %s: %v then %v", req.Seed, ids(d), ids(again))
		}
		if got := ids(d); len(got) != 4 || got[3] != "pos_d" {
			t.Fatalf("seed %s: %v, want every weighted POS before pos_d", req.Seed, got)
		}
		if !slices.Equal(rules(d), []string{RuleWeighted, RuleWeighted, RuleWeighted, RuleFallback}) {
			t.Fatalf("rules = %v", rules(d))
		}
		first[d.Ordered[0].POSID]++
		if d.Ordered[0].POSID == "pos_a" {
			second[d.Ordered[1].POSID]++
		}
	}
	// Binomial standard deviation for n=10,000 is at most 50; allow 4σ.
	for id, w := range map[string]float64{"pos_a": 0.70, "pos_b": 0.20, "pos_c": 0.10} {
		want := w * n
		if math.Abs(float64(first[id])-want) > 200 {
			t.Errorf("%s first in %d of %d payments, want about %.0f", id, first[id], n, want)
		}
	}
	// After pos_a, b and c split 2:1.
	if b, c := second["pos_b"], second["pos_c"]; math.Abs(float64(b)/float64(b+c)-2.0/3) > 0.03 {
		t.Errorf("second place after pos_a: b %d, c %d, want 2:1", b, c)
	}
	t.Logf("first place over %d seeds: %v", n, first)
}
