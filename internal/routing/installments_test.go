package routing

import (
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/kasapos/kasa/internal/money"
)

func try(minor int64) money.Amount { return money.New(minor, money.TRY) }

// Cards used across the tests, as the BIN table describes them.
var (
	akbankAxess   = BIN{Prefix: "435508", BankCode: "0046", BankName: "Akbank", Brand: "visa", Type: TypeCredit, Program: "Axess"}
	akbankWings   = BIN{Prefix: "43550899", BankCode: "0046", BankName: "Akbank", Brand: "visa", Type: TypeCredit, Program: "Wings"}
	garantiBonus  = BIN{Prefix: "428220", BankCode: "0062", BankName: "Garanti BBVA", Brand: "visa", Type: TypeCredit, Program: "Bonus"}
	denizBonus    = BIN{Prefix: "409070", BankCode: "0134", BankName: "DenizBank", Brand: "visa", Type: TypeCredit, Program: "Bonus"}
	vakifWorld    = BIN{Prefix: "493841", BankCode: "0015", BankName: "VakıfBank", Brand: "visa", Type: TypeCredit, Program: "World"}
	ykbWorld      = BIN{Prefix: "404809", BankCode: "0067", BankName: "Yapı Kredi", Brand: "visa", Type: TypeCredit, Program: "World"}
	akbankDebit   = BIN{Prefix: "474853", BankCode: "0046", BankName: "Akbank", Brand: "visa", Type: TypeDebit}
	akbankCorp    = BIN{Prefix: "552608", BankCode: "0046", BankName: "Akbank", Brand: "mastercard", Type: TypeCredit, Commercial: true, Program: "Axess"}
	akbankPrepaid = BIN{Prefix: "435599", BankCode: "0046", BankName: "Akbank", Brand: "visa", Type: TypePrepaid, Program: "Axess"}
	foreignCard   = BIN{Brand: "visa"} // what Lookup returns for a card not in the table
)

func TestRateOf(t *testing.T) {
	cases := []struct {
		amount int64
		rate   Rate
		want   int64
	}{
		{10000, 250, 250}, // 100.00 × 2.50 % = 2.50
		{1, 5000, 1},      // 0.005 rounds half up to 0.01
		{1, 4999, 0},      // 0.004999 rounds down
		{333, 150, 5},     // 4.995 → 5
		{333, 149, 5},     // 4.9617 → 5
		{12345, 179, 221}, // 220.9755 → 221
		{99999, 1, 10},    // 9.9999 → 10
		{10000, 0, 0},     // no commission
		{10000, 10000, 10000},
		{math.MaxInt64, 10000, math.MaxInt64}, // 128-bit product: no overflow
		{math.MaxInt64, 1, 922337203685478},   // (2^63-1)/10000 = 922337203685477.5807 → …478
	}
	for _, c := range cases {
		if got := c.rate.Of(c.amount); got != c.want {
			t.Errorf("Rate(%d).Of(%d) = %d, want %d", c.rate, c.amount, got, c.want)
		}
	}
}

func TestParseRate(t *testing.T) {
	good := map[string]Rate{"2.79": 279, "2,79": 279, "%2.79": 279, "2.79%": 279, "3": 300, "0": 0, "100": 10000, "0.05": 5}
	for in, want := range good {
		if got, err := ParseRate(in); err != nil || got != want {
			t.Errorf("ParseRate(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "2.795", "-1", "100.01", "abc", "1e2"} {
		if _, err := ParseRate(bad); err == nil {
			t.Errorf("ParseRate(%q) accepted", bad)
		}
	}
	if s := Rate(279).String(); s != "2.79%" {
		t.Errorf("String = %q", s)
	}
}

// roundHalfUp is the reference the integer code must match, in big integers.
func roundHalfUp(amount int64, rate Rate) int64 {
	p := new(big.Int).Mul(big.NewInt(amount), big.NewInt(int64(rate)))
	p.Add(p, big.NewInt(5000))
	return p.Quo(p, big.NewInt(10000)).Int64()
}

// Property: for random amounts, counts 2..12, plus campaigns and rates, the
// instalments sum exactly to the total, the total is the amount (merchant
// absorbs) or amount + round-half-up(amount × rate) (customer pays), and all
// instalments but the last are equal, the last holding the remainder.
func TestInstalmentsAlwaysSumToTotal(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 2026))
	pos := []POSInfo{{ID: "pos_akbank", BankCode: "0046", Currencies: []string{"TRY"}, Enabled: true}}
	for i := range 20000 {
		amount := r.Int64N(1_000_000_000) + 1
		if i%10 == 0 {
			amount = r.Int64N(100) + 1 // tiny amounts, smaller than the count
		}
		count := r.IntN(MaxCount-MinCount+1) + MinCount
		rate := Rate(r.IntN(5000))
		plan := Plan{POSID: "pos_akbank", Counts: map[int]Rate{count: rate}, CustomerPays: i%2 == 0}
		if r.IntN(3) == 0 {
			plan.Plus = map[int]int{count: r.IntN(3) + 1}
		}
		opts := Options(akbankAxess, try(amount), []Plan{plan}, pos)
		if len(opts) != 1 {
			t.Fatalf("amount %d count %d: %d options", amount, count, len(opts))
		}
		o := opts[0]
		wantTotal := amount
		if plan.CustomerPays {
			wantTotal += roundHalfUp(amount, rate)
		}
		if o.Fee != roundHalfUp(amount, rate) || o.Total.Minor != wantTotal {
			t.Fatalf("amount %d rate %d customer pays %v: fee %d total %d, want fee %d total %d",
				amount, rate, plan.CustomerPays, o.Fee, o.Total.Minor, roundHalfUp(amount, rate), wantTotal)
		}
		if len(o.Instalments) != o.Months() || o.Months() != count+plan.Plus[count] {
			t.Fatalf("months %d, instalments %v", o.Months(), o.Instalments)
		}
		var sum int64
		for _, p := range o.Instalments {
			sum += p
		}
		first, last := o.Instalments[0], o.Instalments[len(o.Instalments)-1]
		if sum != o.Total.Minor {
			t.Fatalf("amount %d ×%d: instalments %v sum to %d, total %d", amount, count, o.Instalments, sum, o.Total.Minor)
		}
		if first != o.Total.Minor/int64(o.Months()) || last-first < 0 || last-first >= int64(o.Months()) {
			t.Fatalf("amount %d ×%d: instalments %v are not floor + remainder-in-last", amount, count, o.Instalments)
		}
		for _, p := range o.Instalments[:len(o.Instalments)-1] {
			if p != first {
				t.Fatalf("instalments %v differ before the last", o.Instalments)
			}
		}
	}
}

func TestOptionsWorkedExamples(t *testing.T) {
	pos := []POSInfo{{ID: "pos_akbank", BankCode: "0046", Currencies: []string{"TRY"}, Enabled: true}}
	cases := []struct {
		name        string
		plan        Plan
		count       int
		total, fee  int64
		instalments []int64
	}{
		{"merchant absorbs 2.50% on 100.00 in 3", Plan{Counts: map[int]Rate{3: 250}}, 3, 10000, 250, []int64{3333, 3333, 3334}},
		{"customer pays 2.50% on 100.00 in 3", Plan{Counts: map[int]Rate{3: 250}, CustomerPays: true}, 3, 10250, 250, []int64{3416, 3416, 3418}},
		{"customer pays 1.99% on 1,234.56 in 6", Plan{Counts: map[int]Rate{6: 199}, CustomerPays: true}, 6, 125913, 2457, []int64{20985, 20985, 20985, 20985, 20985, 20988}},
		{"3+2 campaign: 3 sent to the bank, 5 months", Plan{Counts: map[int]Rate{3: 300}, Plus: map[int]int{3: 2}}, 3, 10001, 300, []int64{2000, 2000, 2000, 2000, 2001}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.plan.POSID = "pos_akbank"
			amount := c.total
			if c.plan.CustomerPays {
				amount = c.total - c.fee
			}
			opts := Options(akbankAxess, try(amount), []Plan{c.plan}, pos)
			if len(opts) != 1 {
				t.Fatalf("options = %+v", opts)
			}
			o := opts[0]
			if o.Count != c.count || o.Total.Minor != c.total || o.Fee != c.fee || !slices.Equal(o.Instalments, c.instalments) {
				t.Errorf("got count %d total %d fee %d %v; want %d %d %d %v", o.Count, o.Total.Minor, o.Fee, o.Instalments, c.count, c.total, c.fee, c.instalments)
			}
		})
	}
}

func TestWhichCardsGetInstalments(t *testing.T) {
	akbankPOS := POSInfo{ID: "pos_akbank", BankCode: "0046", Currencies: []string{"TRY", "USD"}, Enabled: true}
	garantiPOS := POSInfo{ID: "pos_garanti", BankCode: "0062", Currencies: []string{"TRY"}, Enabled: true}
	counts := map[int]Rate{2: 150, 3: 200}
	cases := []struct {
		name   string
		card   BIN
		amount money.Amount
		plan   Plan
		pos    POSInfo
		want   int // number of options
	}{
		{"on-us credit card, default plan", akbankAxess, try(10000), Plan{}, akbankPOS, 2},
		{"sub-brand of the POS's programme (Wings is Axess)", akbankWings, try(10000), Plan{}, akbankPOS, 2},
		{"other bank's card of the POS's programme (DenizBank Bonus on Garanti)", denizBonus, try(10000), Plan{}, garantiPOS, 2},
		{"other programme on a default plan", akbankAxess, try(10000), Plan{}, garantiPOS, 0},
		{"other programme on a plan serving any card", akbankAxess, try(10000), Plan{Programs: []string{"*"}}, garantiPOS, 2},
		{"plan limited to Bonus, Axess card", akbankAxess, try(10000), Plan{Programs: []string{"Bonus"}}, akbankPOS, 0},
		{"plan limited to Bonus, Bonus card spelled differently", denizBonus, try(10000), Plan{Programs: []string{"bonus"}}, akbankPOS, 2},
		{"debit card, default plan: none", akbankDebit, try(10000), Plan{}, akbankPOS, 0},
		{"debit card, plan allows debit", akbankDebit, try(10000), Plan{AllowDebit: true}, akbankPOS, 2},
		{"commercial card, default plan: allowed", akbankCorp, try(10000), Plan{}, akbankPOS, 2},
		{"commercial card, plan denies commercial", akbankCorp, try(10000), Plan{DenyCommercial: true}, akbankPOS, 0},
		{"prepaid card: never, even when debit is allowed", akbankPrepaid, try(10000), Plan{AllowDebit: true, Programs: []string{"*"}}, akbankPOS, 0},
		{"foreign card (not in the table): never", foreignCard, try(10000), Plan{Programs: []string{"*"}}, akbankPOS, 0},
		{"non-TRY amount: never", akbankAxess, money.New(10000, money.USD), Plan{}, akbankPOS, 0},
		{"below the plan's minimum", akbankAxess, try(9999), Plan{MinAmount: 10000}, akbankPOS, 0},
		{"at the plan's minimum", akbankAxess, try(10000), Plan{MinAmount: 10000}, akbankPOS, 2},
		{"disabled POS", akbankAxess, try(10000), Plan{}, POSInfo{ID: "pos_akbank", BankCode: "0046", Currencies: []string{"TRY"}}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.plan.POSID = c.pos.ID
			c.plan.Counts = counts
			if got := Options(c.card, c.amount, []Plan{c.plan}, []POSInfo{c.pos}); len(got) != c.want {
				t.Errorf("%d options (%+v), want %d", len(got), got, c.want)
			}
		})
	}
}

func TestOptionsAcrossPOSAndPlans(t *testing.T) {
	poses := []POSInfo{
		{ID: "pos_ykb", BankCode: "0067", Currencies: []string{"TRY"}, Enabled: true},
		{ID: "pos_vakif", BankCode: "0015", Programs: []string{"World"}, Currencies: []string{"TRY"}, Enabled: true},
	}
	plans := []Plan{
		// A campaign listed before the general plan wins for the counts it has.
		{POSID: "pos_ykb", Name: "spring", Counts: map[int]Rate{3: 0}, Plus: map[int]int{3: 3}},
		{POSID: "pos_ykb", Name: "standard", Counts: map[int]Rate{2: 180, 3: 250, 6: 400}},
		{POSID: "pos_vakif", Name: "vakif", Counts: map[int]Rate{3: 220, 6: 390}, CustomerPays: true},
	}
	opts := Options(vakifWorld, try(60000), plans, poses)
	type row struct {
		count, plus int
		pos, plan   string
		total       int64
	}
	var got []row
	for _, o := range opts {
		got = append(got, row{o.Count, o.Plus, o.POSID, o.Plan, o.Total.Minor})
	}
	want := []row{
		{2, 0, "pos_ykb", "standard", 60000},
		{3, 3, "pos_ykb", "spring", 60000},
		{3, 0, "pos_vakif", "vakif", 61320}, // 600.00 + 2.20 %
		{6, 0, "pos_ykb", "standard", 60000},
		{6, 0, "pos_vakif", "vakif", 62340},
	}
	if !slices.Equal(got, want) {
		t.Errorf("options\n got %+v\nwant %+v", got, want)
	}
}

func TestPlanValidate(t *testing.T) {
	good := Plan{POSID: "p", Counts: map[int]Rate{2: 100, 12: 900}, Plus: map[int]int{12: 3}}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := []Plan{
		{Counts: map[int]Rate{2: 100}},
		{POSID: "p"},
		{POSID: "p", Counts: map[int]Rate{1: 100}},
		{POSID: "p", Counts: map[int]Rate{13: 100}},
		{POSID: "p", Counts: map[int]Rate{2: -1}},
		{POSID: "p", Counts: map[int]Rate{2: 10001}},
		{POSID: "p", Counts: map[int]Rate{2: 100}, Plus: map[int]int{3: 1}},
		{POSID: "p", Counts: map[int]Rate{2: 100}, Plus: map[int]int{2: 0}},
		{POSID: "p", Counts: map[int]Rate{2: 100}, MinAmount: -1},
	}
	for i, p := range bad {
		if p.Validate() == nil {
			t.Errorf("bad plan %d accepted: %+v", i, p)
		}
	}
}
