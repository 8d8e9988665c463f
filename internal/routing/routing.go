// Package routing decides which of a merchant's virtual POS gets a payment,
// and what the card can pay in instalments there. It holds the BIN table
// (prefix → issuer, brand, type, programme), the instalment plans and their
// exact integer arithmetic, the routing rules, and a circuit breaker per POS.
//
// The package reads no database: the payment service passes in the POS,
// plans and BIN record, and stores the decision's explanation with the
// payment. Every decision names the rule that made it and a reason a person
// can read, so "why did this payment go to that bank?" always has an answer.
package routing

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/kasapos/kasa/internal/money"
)

// Rule names, in priority order. A Choice carries the one that placed it.
const (
	RuleForced   = "forced"            // the request named the POS
	RuleOnUs     = "on_us"             // the card's own bank: instalments, lowest cost
	RuleProgram  = "card_program"      // a POS of the card's programme (any World bank for a World card)
	RuleCost     = "lowest_commission" // cheapest commission for the instalment count
	RuleWeighted = "weighted_split"    // share of traffic among otherwise equal POS
	RuleFallback = "fallback"          // merchant's priority order, then POS id
)

// Reasons a POS is skipped (Skip.Rule), in the order they are checked.
const (
	SkipDisabled     = "disabled"
	SkipCurrency     = "currency"
	SkipInstallments = "installments"
	SkipMaxTotal     = "max_total"
	SkipHealth       = "health"
)

// POSInfo is what the router needs to know about one POS.
type POSInfo struct {
	ID       string
	Protocol string
	BankCode string // EFT code of the POS's bank: BankCode(store.POS.Bank)
	// Programs are the card programmes the POS serves as its own (a TEB POS
	// serves Bonus). Empty: the programmes its bank owns.
	Programs   []string
	Currencies []string
	Enabled    bool
	Priority   int // lower first, as store.POS.Priority
	Weight     int // share in a split among otherwise equal POS; 0 takes no share
	// Commission is the bank's rate per instalment count; 1 is a single
	// payment. For instalments a plan's rate takes precedence.
	Commission map[int]Rate
}

func (p *POSInfo) takes(cur string) bool { return slices.Contains(p.Currencies, cur) }

// servesFamily reports whether the POS serves cards of the programme family.
func (p *POSInfo) servesFamily(family string) bool {
	if family == "" {
		return false
	}
	if len(p.Programs) == 0 {
		return p.BankCode != "" && ProgramOwner(family) == p.BankCode
	}
	for _, prog := range p.Programs {
		if ProgramFamily(prog) == family {
			return true
		}
	}
	return false
}

// Request is one payment to route.
type Request struct {
	Amount       money.Amount
	Installments int // 0 or 1: a single payment
	BIN          BIN // Table.Lookup of the card
	// CardOnBankPage is set when Kasa never sees the card (3D Host: it is
	// typed on the bank's page). BIN is then empty; card rules are skipped,
	// any plan of the POS offering the count applies and the bank enforces
	// its own card rules.
	CardOnBankPage bool
	ForcedPOSID    string
	Candidates     []POSInfo // the merchant's POS of the payment's mode
	Plans          []Plan
	// Seed makes the weighted split deterministic: pass the payment id, so
	// a retry of the same payment routes the same way.
	Seed string
	// MaxTotal, when positive, skips POS that would charge more: the total
	// the customer was shown, so failing over never raises the price.
	MaxTotal int64
}

// Choice is one POS to try, with why it is where it is in the list.
type Choice struct {
	POSID  string
	Rule   string
	Reason string
	// Option is the charge on this POS: Count 1 and Total = Amount for a
	// single payment (Rate and Fee from POSInfo.Commission[1], 0 when not
	// configured); for instalments, the count, months, total and rate.
	Option Option
}

// Explain is "rule: reason", what the payment records as its routing reason.
func (c Choice) Explain() string { return c.Rule + ": " + c.Reason }

// Skip is a candidate the router left out, and why.
type Skip struct {
	POSID  string
	Rule   string // one of the Skip* constants
	Reason string
}

// Decision is the POS to try in order. The caller sends to Ordered[0] and
// moves down the list only after a failure that provably never reached the
// bank (Outcome.FailoverSafe), or when Health.Allow refuses.
type Decision struct {
	Ordered []Choice
	Skipped []Skip
}

// NoRouteError says why no POS can take the payment.
type NoRouteError struct {
	// Code is stable for the API: no_pos_available, pos_disabled,
	// currency_not_supported_by_pos, installments_not_available,
	// amount_over_max_total, pos_unavailable, parameter_invalid.
	Code    string
	Message string
	Skipped []Skip
}

func (e *NoRouteError) Error() string { return "routing: " + e.Message }

// skipCodes maps the stage a candidate failed at to the error reported when
// no candidate got further.
var skipCodes = map[string]string{
	SkipDisabled:     "pos_disabled",
	SkipCurrency:     "currency_not_supported_by_pos",
	SkipInstallments: "installments_not_available",
	SkipMaxTotal:     "amount_over_max_total",
	SkipHealth:       "pos_unavailable",
}

var skipOrder = []string{SkipDisabled, SkipCurrency, SkipInstallments, SkipMaxTotal, SkipHealth}

// Router applies the rules. Health may be nil: every POS is then healthy.
type Router struct {
	Health *Health
}

// candidate is an eligible POS with its ranking keys.
type candidate struct {
	pos      *POSInfo
	opt      Option
	onUs     bool
	program  bool
	cost     Rate
	hasCost  bool
	weighted bool // placed by the weighted draw
}

// Decide orders the eligible POS for the request. Filters first (enabled,
// currency, instalments for this card, MaxTotal, health); then the rules in
// priority order: forced POS, on-us, card programme, lowest commission,
// weighted split, the merchant's priority. It fails with *NoRouteError when
// nothing is eligible, naming the stage that ruled out the last candidates.
func (r *Router) Decide(req Request) (Decision, error) {
	n := max(req.Installments, 1)
	if req.Amount.Minor <= 0 || req.Amount.Currency.IsZero() {
		return Decision{}, &NoRouteError{Code: "parameter_invalid", Message: "the amount must be positive and have a currency"}
	}
	if n > MaxCount {
		return Decision{}, &NoRouteError{Code: "parameter_invalid", Message: fmt.Sprintf("%d instalments is more than %d", n, MaxCount)}
	}
	if n > 1 {
		if why := cardInstallmentBlock(req.BIN, req.Amount, req.CardOnBankPage); why != "" {
			return Decision{}, &NoRouteError{Code: "installments_not_available", Message: why}
		}
	}
	family := req.BIN.Family()

	var d Decision
	cands := make([]candidate, 0, len(req.Candidates))
	furthest := -1 // index in skipOrder of the latest stage any candidate failed at
	forcedSeen := false
	for i := range req.Candidates {
		pos := &req.Candidates[i]
		if req.ForcedPOSID != "" && pos.ID != req.ForcedPOSID {
			continue
		}
		forcedSeen = true
		c, stage, why := r.check(req, pos, n, family)
		if stage != "" {
			d.Skipped = append(d.Skipped, Skip{POSID: pos.ID, Rule: stage, Reason: why})
			furthest = max(furthest, slices.Index(skipOrder, stage))
			continue
		}
		cands = append(cands, c)
	}
	if req.ForcedPOSID != "" && !forcedSeen {
		return Decision{}, &NoRouteError{Code: "resource_not_found", Message: fmt.Sprintf("no POS %q among the merchant's POS", req.ForcedPOSID)}
	}
	if len(cands) == 0 {
		return d, noRoute(req, n, furthest, d.Skipped)
	}
	if req.ForcedPOSID != "" {
		c := cands[0]
		d.Ordered = []Choice{{POSID: c.pos.ID, Rule: RuleForced, Reason: "pos_id given in the request", Option: c.opt}}
		return d, nil
	}
	rank(cands, req.Seed)
	d.Ordered = make([]Choice, len(cands))
	for i := range cands {
		var next *candidate
		if i+1 < len(cands) {
			next = &cands[i+1]
		}
		rule, reason := explain(&cands[i], next, req, n, family)
		d.Ordered[i] = Choice{POSID: cands[i].pos.ID, Rule: rule, Reason: reason, Option: cands[i].opt}
	}
	return d, nil
}

// Quotes is the checkout's instalment table: for each count from 2 to 12,
// the first choice Decide would make, so the total shown is the total
// charged. Pass the shown total back as Request.MaxTotal when paying.
func (r *Router) Quotes(req Request) []Choice {
	var out []Choice
	for n := MinCount; n <= MaxCount; n++ {
		req.Installments = n
		if d, err := r.Decide(req); err == nil {
			out = append(out, d.Ordered[0])
		}
	}
	return out
}

// check runs the filters on one POS. stage is "" when the POS is eligible.
func (r *Router) check(req Request, pos *POSInfo, n int, family string) (c candidate, stage, why string) {
	cur := req.Amount.Currency.Code
	if !pos.Enabled {
		return c, SkipDisabled, "the POS is disabled"
	}
	if !pos.takes(cur) {
		return c, SkipCurrency, "the POS does not accept " + cur
	}
	c = candidate{pos: pos}
	if n == 1 {
		c.cost, c.hasCost = pos.Commission[1]
		c.opt = Option{Count: 1, Instalments: []int64{req.Amount.Minor}, Total: req.Amount,
			Fee: c.cost.Of(req.Amount.Minor), Rate: c.cost, POSID: pos.ID}
	} else {
		opt, ok, block := optionFor(req.BIN, family, req.Amount, req.Plans, pos, n, req.CardOnBankPage)
		if !ok {
			why = fmt.Sprintf("no plan on this POS gives %d instalments to %s", n, describeCard(req.BIN))
			if block != "" {
				why += " (" + block + ")"
			}
			return c, SkipInstallments, why
		}
		c.opt, c.cost, c.hasCost = opt, opt.Rate, true
	}
	if req.MaxTotal > 0 && c.opt.Total.Minor > req.MaxTotal {
		return c, SkipMaxTotal, fmt.Sprintf("would charge %s, more than the %s shown", c.opt.Total, money.New(req.MaxTotal, req.Amount.Currency))
	}
	if r.Health != nil && !r.Health.Available(pos.ID) {
		if r.Health.State(pos.ID) == HalfOpen {
			return c, SkipHealth, "circuit half-open: its one probe call is in flight"
		}
		return c, SkipHealth, "circuit open after bank failures"
	}
	c.onUs = req.BIN.Domestic() && req.BIN.BankCode == pos.BankCode
	c.program = pos.servesFamily(family)
	return c, "", ""
}

func noRoute(req Request, n, furthest int, skipped []Skip) error {
	if furthest < 0 {
		return &NoRouteError{Code: "no_pos_available", Message: "the merchant has no POS"}
	}
	stage := skipOrder[furthest]
	var ids []string
	for _, s := range skipped {
		if s.Rule == stage {
			ids = append(ids, s.POSID)
		}
	}
	var msg string
	switch stage {
	case SkipDisabled:
		msg = "every POS is disabled"
	case SkipCurrency:
		msg = "no enabled POS accepts " + req.Amount.Currency.Code
	case SkipInstallments:
		msg = fmt.Sprintf("no POS gives %d instalments to %s", n, describeCard(req.BIN))
	case SkipMaxTotal:
		msg = fmt.Sprintf("every POS would charge more than %s", money.New(req.MaxTotal, req.Amount.Currency))
	case SkipHealth:
		msg = "every POS that could take the payment is unavailable (circuit open)"
	}
	if req.ForcedPOSID != "" {
		msg = "the requested POS cannot take the payment: " + skipped[0].Reason
	}
	return &NoRouteError{Code: skipCodes[stage], Message: msg + " (" + strings.Join(ids, ", ") + ")", Skipped: skipped}
}

// rank sorts candidates by the rules in priority order. Within a group equal
// on every cost-related rule, POS with a weight are ordered by a weighted
// draw seeded by the payment, ahead of unweighted ones; the merchant's
// priority and then the id settle the rest, so the order is total.
func rank(cands []candidate, seed string) {
	slices.SortFunc(cands, func(a, b candidate) int {
		if c := compareRules(&a, &b); c != 0 {
			return c
		}
		if c := cmp.Compare(a.pos.Priority, b.pos.Priority); c != 0 {
			return c
		}
		return strings.Compare(a.pos.ID, b.pos.ID)
	})
	for i := 0; i < len(cands); {
		j := i + 1
		for j < len(cands) && compareRules(&cands[i], &cands[j]) == 0 {
			j++
		}
		weightedDraw(cands[i:j], seed)
		i = j
	}
}

// compareRules compares on-us, programme and cost: negative when a wins.
func compareRules(a, b *candidate) int {
	if a.onUs != b.onUs {
		return boolFirst(a.onUs)
	}
	if a.program != b.program {
		return boolFirst(a.program)
	}
	if a.hasCost != b.hasCost { // a known commission beats an unknown one
		return boolFirst(a.hasCost)
	}
	return cmp.Compare(a.cost, b.cost)
}

func boolFirst(a bool) int {
	if a {
		return -1
	}
	return 1
}

// weightedDraw moves the weighted members of a tie group to its front in an
// order drawn by weight: each position takes member k with probability
// weight_k / (sum of the weights left). The draws come from the seed alone,
// so one payment always gets the same order, and over many payments each POS
// leads in proportion to its weight. Integer arithmetic only.
func weightedDraw(group []candidate, seed string) {
	// The group is in priority order; a stable sort keeps it within the
	// weighted and the unweighted members, so the draw does not depend on
	// the order the candidates came in.
	slices.SortStableFunc(group, func(a, b candidate) int {
		return cmp.Compare(hasWeight(b), hasWeight(a))
	})
	var total int64
	w := 0
	for w < len(group) && group[w].pos.Weight > 0 {
		total += int64(group[w].pos.Weight)
		w++
	}
	if w < 2 {
		if w == 1 && len(group) > 1 {
			group[0].weighted = true
		}
		return
	}
	h := fnv64(seed)
	for k := 0; k < w-1; k++ {
		h = splitmix64(h)
		x := int64(h % uint64(total))
		pick := k
		for ; pick < w-1; pick++ {
			x -= int64(group[pick].pos.Weight)
			if x < 0 {
				break
			}
		}
		total -= int64(group[pick].pos.Weight)
		picked := group[pick]
		copy(group[k+1:pick+1], group[k:pick])
		group[k] = picked
		group[k].weighted = true
	}
	group[w-1].weighted = true
}

func hasWeight(c candidate) int {
	if c.pos.Weight > 0 {
		return 1
	}
	return 0
}

func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// splitmix64 spreads FNV's output so consecutive seeds ("pay_1", "pay_2")
// give independent draws.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// explain names the rule that put c ahead of next (nil for the last), and
// gives the facts behind it.
func explain(c, next *candidate, req Request, n int, family string) (rule, reason string) {
	switch {
	case c.onUs && (next == nil || !next.onUs):
		return RuleOnUs, fmt.Sprintf("card issued by %s (%s), the POS's own bank", bankLabel(req.BIN), req.BIN.BankCode)
	case c.program && (next == nil || (!next.program && c.onUs == next.onUs)):
		return RuleProgram, fmt.Sprintf("%s card; the POS serves the %s programme", family, family)
	case next != nil && c.onUs == next.onUs && c.program == next.program && c.hasCost && (!next.hasCost || c.cost < next.cost):
		count, other := "a single payment", "unknown"
		if n > 1 {
			count = strconv.Itoa(n) + " instalments"
		}
		if next.hasCost {
			other = next.cost.String()
		}
		return RuleCost, fmt.Sprintf("commission %s for %s, against %s on %s", c.cost, count, other, next.pos.ID)
	case c.weighted:
		return RuleWeighted, fmt.Sprintf("weight %d among equally ranked POS, drawn for this payment", c.pos.Weight)
	case next == nil:
		return RuleFallback, fmt.Sprintf("last eligible POS (priority %d)", c.pos.Priority)
	}
	return RuleFallback, fmt.Sprintf("merchant priority %d, ahead of %s (priority %d)", c.pos.Priority, next.pos.ID, next.pos.Priority)
}

func bankLabel(b BIN) string {
	if b.BankName != "" {
		return b.BankName
	}
	if name := BankName(b.BankCode); name != "" {
		return name
	}
	return "bank " + b.BankCode
}

// describeCard is "Akbank Axess credit card" for messages.
func describeCard(b BIN) string {
	if !b.Domestic() {
		return "this card (not in the BIN table)"
	}
	parts := []string{bankLabel(b)}
	if b.Program != "" {
		parts = append(parts, b.Program)
	}
	if b.Commercial {
		parts = append(parts, "commercial")
	}
	parts = append(parts, b.Type, "card")
	return strings.Join(parts, " ")
}
