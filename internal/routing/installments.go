package routing

import (
	"cmp"
	"fmt"
	"math/bits"
	"slices"
	"strings"

	"github.com/kasapos/kasa/internal/money"
)

// Rate is a commission rate in basis points: 1 bp = 0.01 %, so 279 is 2.79 %.
// Integers keep every computed amount exact; banks publish rates with at most
// two decimals of a percent.
type Rate int64

// MaxRate bounds a rate at 100 %; it also keeps amount × rate in range.
const MaxRate Rate = 10000

// ParseRate reads a percentage with up to two decimals: "2.79", "2,79",
// "%2.79", "3" → 279, 279, 279, 300.
func ParseRate(s string) (Rate, error) {
	t := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(s), "%"), "%")
	a, err := money.ParseDecimal(t, money.Currency{Exponent: 2})
	if err != nil || a.Minor < 0 || Rate(a.Minor) > MaxRate {
		return 0, fmt.Errorf("routing: rate %q is not a percentage from 0 to 100 with at most two decimals", s)
	}
	return Rate(a.Minor), nil
}

func (r Rate) String() string {
	return money.Amount{Minor: int64(r), Currency: money.Currency{Exponent: 2}}.Decimal() + "%"
}

// Of returns amount × r rounded half up to the minor unit, in integers only:
// (amount·r + 5000) / 10000, computed in 128 bits so no amount overflows.
// amount must not be negative and r must be within 0..MaxRate.
func (r Rate) Of(amount int64) int64 {
	hi, lo := bits.Mul64(uint64(amount), uint64(r))
	lo, carry := bits.Add64(lo, 5000, 0)
	q, _ := bits.Div64(hi+carry, lo, 10000) // q ≤ amount since r ≤ 10000: no overflow
	return int64(q)
}

// Plan is one installment offer of a merchant on one POS: which counts, at
// what commission, for which cards, and who pays the commission.
type Plan struct {
	POSID string
	Name  string // shown in explanations, e.g. "Bonus spring campaign"
	// Counts are the instalment counts offered (2..12), each with the
	// commission the bank charges for it.
	Counts map[int]Rate
	// Plus holds "plus instalment" campaigns: Plus[3] = 2 is "3+2", the bank
	// is sent 3 and spreads the charge over 5 months at no extra cost.
	Plus map[int]int
	// CustomerPays passes the commission on to the customer (vade farkı):
	// total = amount + round-half-up(amount × rate). Otherwise the merchant
	// absorbs it and the customer pays the amount.
	CustomerPays bool
	// Programs are the card programmes the plan serves. Empty means the cards
	// of the POS's own bank and of the programmes the POS belongs to, which is
	// what a bank allows by default; "*" means any domestic credit card.
	Programs []string
	// Debit cards get no instalments unless the plan allows them (banks
	// forbid them by default); commercial cards get them unless denied.
	AllowDebit     bool
	DenyCommercial bool
	MinAmount      int64 // minor units; smaller amounts get no instalments from this plan
}

// Installment limits: Turkish banks offer 2 to 12 instalments; plus
// campaigns add a few more months.
const (
	MinCount = 2
	MaxCount = 12
	maxPlus  = 12
	// maxAmount (10 trillion TRY) is far above any card limit and keeps
	// amount + commission inside int64.
	maxAmount = 1e15
)

// Validate reports the first problem with a plan's configuration.
func (p Plan) Validate() error {
	if p.POSID == "" {
		return fmt.Errorf("routing: plan %q has no POS", p.Name)
	}
	if len(p.Counts) == 0 {
		return fmt.Errorf("routing: plan %q offers no instalment count", p.Name)
	}
	for n, r := range p.Counts {
		if n < MinCount || n > MaxCount {
			return fmt.Errorf("routing: plan %q: %d instalments is outside %d..%d", p.Name, n, MinCount, MaxCount)
		}
		if r < 0 || r > MaxRate {
			return fmt.Errorf("routing: plan %q: rate %d bp for %d instalments is outside 0..%d", p.Name, r, n, MaxRate)
		}
	}
	for n, extra := range p.Plus {
		if _, ok := p.Counts[n]; !ok {
			return fmt.Errorf("routing: plan %q: plus instalments for %d, which the plan does not offer", p.Name, n)
		}
		if extra < 1 || extra > maxPlus {
			return fmt.Errorf("routing: plan %q: %d plus instalments is outside 1..%d", p.Name, extra, maxPlus)
		}
	}
	if p.MinAmount < 0 {
		return fmt.Errorf("routing: plan %q: negative minimum amount", p.Name)
	}
	return nil
}

// Option is one way the card can pay in instalments on one POS.
type Option struct {
	Count int // instalment count sent to the bank
	Plus  int // extra months the bank adds at no cost
	// Instalments are what the customer pays each month, Count+Plus of them:
	// the floor of Total/months and the last absorbs the remainder, the way
	// banks split, so they always sum to Total.
	Instalments  []int64
	Total        money.Amount // what the card is charged
	Fee          int64        // round-half-up(amount × Rate), in Total when CustomerPays
	Rate         Rate         // the bank's commission for Count
	CustomerPays bool
	POSID        string
	Plan         string // the plan's Name
}

// Months is how many instalments the customer sees on the statement.
func (o Option) Months() int { return o.Count + o.Plus }

// Options lists every instalment option the card can use on the given POS
// for this amount, sorted by count, then total, then rate. Within one POS the
// first plan (in the order given) that serves the card for a count wins, so
// merchants list specific campaigns before general plans. Non-TRY amounts,
// cards not in the BIN table (foreign) and prepaid cards get none.
func Options(bin BIN, amount money.Amount, plans []Plan, poses []POSInfo) []Option {
	if cardInstallmentBlock(bin, amount, false) != "" {
		return nil
	}
	family := bin.Family()
	var out []Option
	for i := range poses {
		pos := &poses[i]
		if !pos.Enabled || !pos.takes(amount.Currency.Code) {
			continue
		}
		out = appendPOSOptions(out, bin, family, amount, plans, pos)
	}
	slices.SortStableFunc(out, func(a, b Option) int {
		if a.Count != b.Count {
			return a.Count - b.Count
		}
		if a.Total.Minor != b.Total.Minor {
			return cmp.Compare(a.Total.Minor, b.Total.Minor)
		}
		return cmp.Compare(a.Rate, b.Rate)
	})
	return out
}

// optionFor is the option for exactly count instalments on pos from the
// first plan that gives it to this card. Otherwise why says what the first
// plan offering the count holds against the card ("" when none offers it).
func optionFor(bin BIN, family string, amount money.Amount, plans []Plan, pos *POSInfo, count int, anyCard bool) (o Option, ok bool, why string) {
	for i := range plans {
		p := &plans[i]
		r, offered := p.Counts[count]
		if p.POSID != pos.ID || !offered || !validCount(count, r) {
			continue
		}
		if block := planBlock(p, bin, family, amount, pos, anyCard); block != "" {
			if why == "" {
				why = block
			}
			continue
		}
		return makeOption(p, count, r, amount), true, ""
	}
	return Option{}, false, why
}

func appendPOSOptions(out []Option, bin BIN, family string, amount money.Amount, plans []Plan, pos *POSInfo) []Option {
	var seen [MaxCount + 1]bool
	for i := range plans {
		p := &plans[i]
		if p.POSID != pos.ID || planBlock(p, bin, family, amount, pos, false) != "" {
			continue
		}
		for n, r := range p.Counts {
			if validCount(n, r) && !seen[n] {
				seen[n] = true
				out = append(out, makeOption(p, n, r, amount))
			}
		}
	}
	return out
}

func validCount(n int, r Rate) bool {
	return n >= MinCount && n <= MaxCount && r >= 0 && r <= MaxRate
}

func makeOption(p *Plan, count int, r Rate, amount money.Amount) Option {
	fee := r.Of(amount.Minor) // ≤ amount, and amount ≤ maxAmount: the sum cannot overflow
	total := amount.Minor
	if p.CustomerPays {
		total += fee
	}
	plus := min(max(p.Plus[count], 0), maxPlus)
	return Option{
		Count: count, Plus: plus,
		Instalments:  money.Split(total, count+plus),
		Total:        money.Amount{Minor: total, Currency: amount.Currency},
		Fee:          fee,
		Rate:         r,
		CustomerPays: p.CustomerPays,
		POSID:        p.POSID,
		Plan:         p.Name,
	}
}

// cardInstallmentBlock says why no plan can give this card instalments for
// this amount, or "" when plans may. Without the card (onBankPage) only the
// amount is checked.
func cardInstallmentBlock(bin BIN, amount money.Amount, onBankPage bool) string {
	switch {
	case amount.Currency.Code != money.TRY.Code:
		return "instalments are offered in TRY only, not " + amount.Currency.Code
	case amount.Minor <= 0 || amount.Minor > maxAmount:
		return "no instalments for this amount"
	case onBankPage:
		return ""
	case !bin.Domestic():
		return "the card is not in the BIN table (foreign or unknown issuer): single payment only"
	case bin.Type == TypePrepaid:
		return "prepaid cards get no instalments"
	}
	return ""
}

// planBlock says why plan p does not serve this card for this amount on pos,
// or "" when it does. anyCard skips the card's checks: the card will be typed
// on the bank's page, and the bank applies its own rules to it.
func planBlock(p *Plan, bin BIN, family string, amount money.Amount, pos *POSInfo, anyCard bool) string {
	switch {
	case amount.Minor < p.MinAmount:
		return "amount below the plan's minimum"
	case anyCard:
		return ""
	case bin.Type == TypeDebit && !p.AllowDebit:
		return "debit card"
	case bin.Type == TypePrepaid:
		return "prepaid card"
	case bin.Commercial && p.DenyCommercial:
		return "commercial card"
	}
	if len(p.Programs) == 0 {
		if bin.BankCode == pos.BankCode || pos.servesFamily(family) {
			return ""
		}
		return "card neither from the POS's bank nor of its programmes"
	}
	for _, prog := range p.Programs {
		if prog == "*" || (family != "" && ProgramFamily(prog) == family) {
			return ""
		}
	}
	return "card programme not served by the plan"
}
