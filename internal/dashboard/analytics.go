package dashboard

import (
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kasapos/kasa/internal/payment"
	"github.com/kasapos/kasa/internal/routing"
	"github.com/kasapos/kasa/internal/store"
	"github.com/kasapos/kasa/internal/web"
)

// Analytics: aggregates over the store (GROUP BY, per currency), charts as
// inline SVG drawn here — no chart library, no script.

type currencyTotals struct {
	Currency                  string
	Count, Approved, Declined int64
	Volume, Refunded          int64
	AvgTicket                 int64
	ApprovalRate              string
}

type posRate struct {
	Name, Currency string
	Count          int64
	Rate           string
	Volume         int64
}

type analyticsData struct {
	From, To     string
	Totals       []currencyTotals
	VolumeChart  map[string]template.HTML // currency → SVG
	CountChart   template.HTML
	POS          []posRate
	Declines     []store.StatsRow
	Installments []store.StatsRow
	Fees         []posFee
}

// posFee is the estimated bank commission of one POS in one currency:
// captured volume less refunds, times the POS's rate for each count.
type posFee struct {
	Name, Currency string
	Volume, Fee    int64
}

func rate(approved, declined int64) string {
	if approved+declined == 0 {
		return "—"
	}
	return strconv.FormatFloat(100*float64(approved)/float64(approved+declined), 'f', 1, 64) + " %"
}

func (s *Server) analytics(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	lang := s.lang(w, r)
	q := r.URL.Query()
	today := s.now().In(payment.Istanbul)
	to, ok := parseDay(q.Get("to"))
	if !ok {
		to, _ = parseDay(today.Format("2006-01-02"))
	}
	from, ok := parseDay(q.Get("from"))
	if !ok || !from.Before(to.AddDate(0, 0, 1)) || to.Sub(from) > 366*24*time.Hour {
		from = to.AddDate(0, 0, -29)
	}
	f := store.StatsFilter{MerchantID: rc.User.MerchantID, Mode: rc.Session.Mode, From: from, To: to.AddDate(0, 0, 1)}
	get := func(g string) []store.StatsRow {
		rows, err := s.Store.PaymentStats(r.Context(), f, g)
		if err != nil {
			s.Log.Error("dashboard analytics", "group", g, "err", err)
		}
		return rows
	}
	days, byPOS := get(store.GroupDay), get(store.GroupPOS)
	d := &analyticsData{From: from.Format("2006-01-02"), To: to.Format("2006-01-02"), VolumeChart: map[string]template.HTML{},
		Declines: get(store.GroupDeclineReason), Installments: get(store.GroupInstallments)}
	// Totals per currency.
	tot := map[string]*currencyTotals{}
	var curs []string
	for _, row := range days {
		t := tot[row.Currency]
		if t == nil {
			t = &currencyTotals{Currency: row.Currency}
			tot[row.Currency] = t
			curs = append(curs, row.Currency)
		}
		t.Count += row.Count
		t.Approved += row.Approved
		t.Declined += row.Declined
		t.Volume += row.Volume
		t.Refunded += row.Refunded
	}
	slices.Sort(curs)
	for _, c := range curs {
		t := tot[c]
		if t.Approved > 0 {
			t.AvgTicket = t.Volume / t.Approved
		}
		t.ApprovalRate = rate(t.Approved, t.Declined)
		d.Totals = append(d.Totals, *t)
	}
	// One bar per day of the range.
	var labels []string
	for day := from; !day.After(to); day = day.AddDate(0, 0, 1) {
		labels = append(labels, day.Format("2006-01-02"))
	}
	counts := make([]int64, len(labels))
	for _, c := range curs {
		vals := make([]int64, len(labels))
		for _, row := range days {
			if i := slices.Index(labels, row.Key); i >= 0 && row.Currency == c {
				vals[i] += row.Volume
			}
		}
		d.VolumeChart[c] = barChart(labels, vals, func(v int64) string { return web.FormatAmount(v, c, lang) })
	}
	for _, row := range days {
		if i := slices.Index(labels, row.Key); i >= 0 {
			counts[i] += row.Count
		}
	}
	d.CountChart = barChart(labels, counts, func(v int64) string { return strconv.FormatInt(v, 10) })
	_, names := s.posNames(r, rc)
	for _, row := range byPOS {
		name := names[row.Key]
		if name == "" {
			name = row.Key
		}
		d.POS = append(d.POS, posRate{Name: name, Currency: row.Currency, Count: row.Count, Rate: rate(row.Approved, row.Declined), Volume: row.Volume})
	}
	d.Fees = s.fees(r, rc, get(store.GroupPOSInstallments), names)
	s.render(w, r, rc, http.StatusOK, "analytics", "nav_analytics", d)
}

// fees estimates what each POS's bank charged, from the commission rates
// configured on the POS (its routing settings), per instalment count.
func (s *Server) fees(r *http.Request, rc *reqCtx, rows []store.StatsRow, names map[string]string) []posFee {
	poses, _ := s.Svc.ListPOS(r.Context(), rc.User.MerchantID, rc.Session.Mode)
	rates := map[string]*payment.POSRouting{}
	for _, p := range poses {
		rates[p.ID] = p.Routing
	}
	var out []posFee
	idx := map[string]int{}
	for _, row := range rows {
		posID, n, _ := strings.Cut(row.Key, ":")
		count, _ := strconv.Atoi(n)
		net := row.Volume - row.Refunded
		var fee int64
		if cfg := rates[posID]; cfg != nil {
			fee = routing.Rate(cfg.RateBPS(count)).Of(net)
		}
		k := posID + "/" + row.Currency
		i, ok := idx[k]
		if !ok {
			name := names[posID]
			if name == "" {
				name = posID
			}
			i, idx[k] = len(out), len(out)
			out = append(out, posFee{Name: name, Currency: row.Currency})
		}
		out[i].Volume += net
		out[i].Fee += fee
	}
	return out
}

// barChart draws a bar chart as inline SVG. Everything variable is a
// number or escaped text; presentation attributes only (the CSP forbids
// inline style).
func barChart(labels []string, vals []int64, format func(int64) string) template.HTML {
	const w, h, pad = 720, 180, 24
	var maxV int64 = 1
	for _, v := range vals {
		maxV = max(maxV, v)
	}
	n := max(len(vals), 1)
	bw := float64(w-2*pad) / float64(n)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" xmlns="http://www.w3.org/2000/svg">`, w, h+pad)
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#999"/>`, pad, h, w-pad, h)
	for i, v := range vals {
		bh := float64(h-pad) * float64(v) / float64(maxV)
		x := float64(pad) + float64(i)*bw
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#2f6fde"><title>%s: %s</title></rect>`,
			x+1, float64(h)-bh, max(bw-2, 1), bh, template.HTMLEscapeString(labels[i]), template.HTMLEscapeString(format(v)))
	}
	if len(labels) > 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" fill="#555">%s</text>`, pad, h+16, template.HTMLEscapeString(labels[0]))
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" fill="#555" text-anchor="end">%s</text>`, w-pad, h+16, template.HTMLEscapeString(labels[len(labels)-1]))
	}
	fmt.Fprintf(&b, `<text x="%d" y="14" font-size="11" fill="#555">%s</text>`, pad, template.HTMLEscapeString(format(maxV)))
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
