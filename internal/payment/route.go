package payment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/money"
	"github.com/kasapos/kasa/internal/routing"
	"github.com/kasapos/kasa/internal/store"
)

// POSRouting is a POS's routing configuration, stored as JSON on the POS.
// Rates are basis points (175 = 1.75 %); map keys are instalment counts.
type POSRouting struct {
	// Weight is the POS's share in a split among otherwise equal POS.
	Weight int `json:"weight"`
	// Programs are the card programmes the POS serves as its own (a TEB POS
	// serves Bonus); empty means the programmes its bank owns.
	Programs []string `json:"programs,omitempty"`
	// CommissionBPS is the bank's rate per count ("1" is a single payment).
	CommissionBPS map[string]int64 `json:"commission_bps,omitempty"`
	Plans         []PlanConfig     `json:"installment_plans,omitempty"`
}

// PlanConfig is one installment offer on the POS (see routing.Plan).
type PlanConfig struct {
	Name           string           `json:"name"`
	CountsBPS      map[string]int64 `json:"counts_bps"`     // count → commission, 2..12
	Plus           map[string]int   `json:"plus,omitempty"` // "3": 2 is a 3+2 campaign
	CustomerPays   bool             `json:"customer_pays"`
	Programs       []string         `json:"programs,omitempty"` // "*" = any domestic card
	AllowDebit     bool             `json:"allow_debit,omitempty"`
	DenyCommercial bool             `json:"deny_commercial,omitempty"`
	MinAmount      int64            `json:"min_amount,omitempty"`
}

func countMap[V any](in map[string]V, field string) (map[int]V, error) {
	out := make(map[int]V, len(in))
	for k, v := range in {
		n, err := strconv.Atoi(k)
		if err != nil {
			return nil, invalid("parameter_invalid", field, fmt.Sprintf("%q is not an instalment count", k))
		}
		out[n] = v
	}
	return out, nil
}

func rates(in map[string]int64, field string) (map[int]routing.Rate, error) {
	m, err := countMap(in, field)
	if err != nil {
		return nil, err
	}
	out := make(map[int]routing.Rate, len(m))
	for n, bps := range m {
		if bps < 0 || bps > int64(routing.MaxRate) {
			return nil, invalid("parameter_invalid", field, "rates are basis points between 0 and 10000")
		}
		out[n] = routing.Rate(bps)
	}
	return out, nil
}

// compile turns the stored configuration into the router's types.
func (rc *POSRouting) compile(p *store.POS) (routing.POSInfo, []routing.Plan, error) {
	info := routing.POSInfo{ID: p.ID, Protocol: p.Protocol, BankCode: routing.BankCode(p.Bank), Programs: rc.Programs,
		Currencies: p.Currencies, Enabled: p.Enabled, Priority: p.Priority, Weight: rc.Weight}
	var err error
	if info.Commission, err = rates(rc.CommissionBPS, "routing.commission_bps"); err != nil {
		return info, nil, err
	}
	var plans []routing.Plan
	for _, pc := range rc.Plans {
		pl := routing.Plan{POSID: p.ID, Name: pc.Name, CustomerPays: pc.CustomerPays, Programs: pc.Programs,
			AllowDebit: pc.AllowDebit, DenyCommercial: pc.DenyCommercial, MinAmount: pc.MinAmount}
		if pl.Counts, err = rates(pc.CountsBPS, "routing.installment_plans.counts_bps"); err != nil {
			return info, nil, err
		}
		if pl.Plus, err = countMap(pc.Plus, "routing.installment_plans.plus"); err != nil {
			return info, nil, err
		}
		if err := pl.Validate(); err != nil {
			return info, nil, invalid("parameter_invalid", "routing.installment_plans", err.Error())
		}
		plans = append(plans, pl)
	}
	return info, plans, nil
}

func posRouting(p *store.POS) *POSRouting {
	rc := &POSRouting{Weight: 1}
	if len(p.Routing) > 0 {
		_ = json.Unmarshal(p.Routing, rc) // validated on write
	}
	return rc
}

func (s *Service) bins() *routing.Table {
	s.routeOnce.Do(func() {
		if s.BINs == nil {
			s.BINs = routing.SeedTable()
		}
		if s.Router == nil {
			s.Router = &routing.Router{Health: routing.NewHealth(routing.BreakerConfig{}, nil)}
		}
	})
	return s.BINs
}

func (s *Service) router() *routing.Router {
	s.bins()
	return s.Router
}

// BreakerStates reports each POS's circuit breaker state on this node (for
// the metrics).
func (s *Service) BreakerStates() map[string]string {
	out := map[string]string{}
	for id, st := range s.router().Health.States() {
		out[id] = string(st)
	}
	return out
}

// LookupBIN answers GET /v1/bins/{bin}.
func (s *Service) LookupBIN(bin string) (routing.BIN, error) {
	if len(bin) < 6 || len(bin) > 8 || !digits(bin) {
		return routing.BIN{}, invalid("parameter_invalid", "bin", "a BIN is the first 6 to 8 digits of a card number")
	}
	b, ok := s.bins().Lookup(bin)
	if !ok {
		return routing.BIN{}, notFound("BIN")
	}
	return b, nil
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// routeRequest builds the router's request from the merchant's POS of the
// caller's mode.
func (s *Service) routeRequest(ctx context.Context, c Caller, amount money.Amount, installments int, bin routing.BIN, forced, seed string) (routing.Request, map[string]*store.POS, error) {
	all, err := s.merchantPOS(ctx, c.MerchantID)
	if err != nil {
		return routing.Request{}, nil, err
	}
	req := routing.Request{Amount: amount, Installments: installments, BIN: bin, ForcedPOSID: forced, Seed: seed}
	poses := map[string]*store.POS{}
	for _, p := range all {
		if p.Mode != c.Mode {
			continue
		}
		info, plans, err := posRouting(p).compile(p)
		if err != nil {
			return req, nil, err
		}
		req.Candidates = append(req.Candidates, info)
		req.Plans = append(req.Plans, plans...)
		poses[p.ID] = p
	}
	return req, poses, nil
}

// decide routes a payment; a refusal becomes a clear API error.
func (s *Service) decide(req routing.Request) (routing.Decision, error) {
	d, err := s.router().Decide(req)
	var nr *routing.NoRouteError
	if errors.As(err, &nr) {
		e := &Error{Status: http.StatusUnprocessableEntity, Code: nr.Code, Message: nr.Message}
		switch nr.Code {
		case "resource_not_found":
			e.Status, e.Field = http.StatusNotFound, "pos_id"
		case "parameter_invalid":
			e.Status, e.Field = http.StatusBadRequest, "installments"
		case "no_pos_available":
			e.Message += "; define one with POST /v1/pos"
		}
		return d, e
	}
	return d, err
}

// InstallmentOption is one row of GET /v1/installments.
type InstallmentOption struct {
	Count        int     `json:"count"`
	Plus         int     `json:"plus,omitempty"`
	Monthly      int64   `json:"monthly_amount"` // the first instalments; the last may differ
	Last         int64   `json:"last_amount"`
	Instalments  []int64 `json:"instalments"`
	Total        int64   `json:"total"`
	Fee          int64   `json:"fee"`
	RateBPS      int64   `json:"rate_bps"`
	CustomerPays bool    `json:"customer_pays"`
	POSID        string  `json:"pos_id"`
	Plan         string  `json:"plan,omitempty"`
	Rule         string  `json:"routing_rule"`
}

// InstallmentsResult is GET /v1/installments.
type InstallmentsResult struct {
	Object  string              `json:"object"`
	BIN     *BINView            `json:"bin,omitempty"`
	Options []InstallmentOption `json:"data"`
}

// BINView is a BIN table row as the API shows it.
type BINView struct {
	BIN        string `json:"bin"`
	BankCode   string `json:"bank_code,omitempty"`
	BankName   string `json:"bank_name,omitempty"`
	Brand      string `json:"brand"`
	Type       string `json:"type,omitempty"`
	Commercial bool   `json:"commercial"`
	Program    string `json:"program,omitempty"`
	Domestic   bool   `json:"domestic"`
}

// NewBINView renders a table row.
func NewBINView(b routing.BIN) *BINView {
	return &BINView{BIN: b.Prefix, BankCode: b.BankCode, BankName: b.BankName, Brand: b.Brand, Type: b.Type,
		Commercial: b.Commercial, Program: b.Program, Domestic: b.Domestic()}
}

// Installments lists every instalment option the card can use, the same
// choice a payment with that count would get, with the single payment first.
func (s *Service) Installments(ctx context.Context, c Caller, bin string, amount int64, currency string) (*InstallmentsResult, error) {
	cur, err := money.ParseCurrency(currency)
	if err != nil {
		return nil, invalid("currency_unknown", "currency", fmt.Sprintf("unknown currency %q", currency))
	}
	if amount <= 0 || amount > MaxAmount {
		return nil, invalid("amount_invalid", "amount", "amount must be a positive integer in minor units")
	}
	b, err := s.LookupBIN(bin)
	var pe *Error
	if errors.As(err, &pe) && pe.Status == http.StatusNotFound {
		b = routing.BIN{Prefix: bin} // unknown card: single payment only
	} else if err != nil {
		return nil, err
	}
	req, _, err := s.routeRequest(ctx, c, money.New(amount, cur), 1, b, "", "quote")
	if err != nil {
		return nil, err
	}
	out := &InstallmentsResult{Object: "list", Options: []InstallmentOption{}}
	if b.Brand != "" {
		out.BIN = NewBINView(b)
	}
	choices := s.router().Quotes(req)
	if d, err := s.router().Decide(req); err == nil {
		choices = append([]routing.Choice{d.Ordered[0]}, choices...)
	}
	for _, ch := range choices {
		o := ch.Option
		io := InstallmentOption{Count: o.Count, Plus: o.Plus, Instalments: o.Instalments, Total: o.Total.Minor, Fee: o.Fee,
			RateBPS: int64(o.Rate), CustomerPays: o.CustomerPays, POSID: ch.POSID, Plan: o.Plan, Rule: ch.Rule}
		if len(o.Instalments) > 0 {
			io.Monthly, io.Last = o.Instalments[0], o.Instalments[len(o.Instalments)-1]
		}
		out.Options = append(out.Options, io)
	}
	return out, nil
}

// report feeds the POS's circuit breaker.
func (s *Service) report(posID string, res *gateway.Result) {
	s.router().Health.Report(posID, routing.OutcomeOf(res))
}

// ReplaceBINs imports a BIN table (rows on top of the seed) and applies it
// at once; other nodes pick it up with ReloadBINs.
func (s *Service) ReplaceBINs(ctx context.Context, rows []routing.BIN) error {
	// A prefix listed twice keeps its later row, as the table itself does.
	at := map[string]int{}
	var recs []store.BINRow
	for _, b := range rows {
		r := store.BINRow{Prefix: b.Prefix, BankCode: b.BankCode, BankName: b.BankName, Brand: b.Brand,
			Type: b.Type, Commercial: b.Commercial, Program: b.Program}
		if i, dup := at[b.Prefix]; dup {
			recs[i] = r
			continue
		}
		at[b.Prefix] = len(recs)
		recs = append(recs, r)
	}
	if err := s.Store.ReplaceBINs(ctx, recs); err != nil {
		return err
	}
	return s.ReloadBINs(ctx)
}

// ReloadBINs loads the imported table from the store over the seed.
func (s *Service) ReloadBINs(ctx context.Context) error {
	recs, err := s.Store.ListBINs(ctx)
	if err != nil {
		return err
	}
	rows := routing.SeedBINs()
	for _, r := range recs {
		rows = append(rows, routing.BIN{Prefix: r.Prefix, BankCode: r.BankCode, BankName: r.BankName, Brand: r.Brand,
			Type: r.Type, Commercial: r.Commercial, Program: r.Program})
	}
	return s.bins().Replace(rows)
}

// RateBPS is the commission the POS's bank charges for count instalments
// (1: a single payment): the first plan offering the count, else the
// POS's commission table; 0 when not configured.
func (rc *POSRouting) RateBPS(count int) int64 {
	k := strconv.Itoa(max(count, 1))
	if count > 1 {
		for _, p := range rc.Plans {
			if r, ok := p.CountsBPS[k]; ok {
				return r
			}
		}
	}
	return rc.CommissionBPS[k]
}
