package routing

import (
	"fmt"
	"os"
	"testing"
)

// benchPANs are card numbers spread over the table: 8-digit hits, 6-digit
// hits and misses, so the benchmark walks every path of Lookup.
func benchPANs(rows []BIN) []string {
	var pans []string
	for i := 0; i < len(rows); i += len(rows)/64 + 1 {
		p := rows[i].Prefix
		pans = append(pans, p+"1234567890123456"[:16-len(p)])
	}
	return append(pans, "4111111111111111", "5555555555554444") // misses
}

// BenchmarkLookup runs on the real dataset (9,957 rows) when it is next to
// the repository, else on the seed table.
func BenchmarkLookup(b *testing.B) {
	rows := SeedBINs()
	if fileExists(realBINFile) {
		rows = loadRealBINs(b)
	}
	tab, err := NewTable(rows)
	if err != nil {
		b.Fatal(err)
	}
	pans := benchPANs(rows)
	b.ReportAllocs()
	found := 0
	for i := 0; b.Loop(); i++ {
		if _, ok := tab.Lookup(pans[i%len(pans)]); ok {
			found++
		}
	}
	if found == 0 {
		b.Fatal("nothing found")
	}
}

// benchRequest is a merchant with 10 POS at 10 banks, a plan on each and
// one breaker open.
func benchRequest() (Router, Request) {
	banks := []string{"0046", "0062", "0064", "0067", "0010", "0012", "0015", "0111", "0134", "0205"}
	var cands []POSInfo
	var plans []Plan
	for i, bank := range banks {
		id := fmt.Sprintf("pos_%d", i)
		p := pos(id, bank, Rate(150+i*10))
		p.Weight = i % 3
		p.Priority = i
		p.Commission[3] = Rate(300 + i*5)
		cands = append(cands, p)
		plans = append(plans,
			Plan{POSID: id, Name: "campaign", Counts: map[int]Rate{3: 0}, Plus: map[int]int{3: 2}, Programs: []string{"Bonus"}},
			Plan{POSID: id, Name: "standard", Counts: map[int]Rate{2: 200, 3: Rate(310 + i*7), 6: 500, 9: 750, 12: 1000}, Programs: []string{"*"}, CustomerPays: i%2 == 0})
	}
	c := newClock()
	h := newTestHealth(c)
	reportN(h, "pos_3", OutcomeTimeout, 5)
	return Router{Health: h}, Request{Amount: try(123456), BIN: akbankAxess, Candidates: cands, Plans: plans, Seed: "pay_01JBENCH"}
}

func BenchmarkDecide10POS(b *testing.B) {
	for _, n := range []int{1, 3} {
		b.Run(fmt.Sprintf("installments=%d", n), func(b *testing.B) {
			r, req := benchRequest()
			req.Installments = n
			b.ReportAllocs()
			for b.Loop() {
				if d, err := r.Decide(req); err != nil || len(d.Ordered) != 9 {
					b.Fatal(err, len(d.Ordered))
				}
			}
		})
	}
}

func BenchmarkParseCSV(b *testing.B) {
	if !fileExists(realBINFile) {
		b.Skipf("%s not found", realBINFile)
	}
	b.ReportAllocs()
	for b.Loop() {
		rows := loadRealBINs(b)
		if _, err := NewTable(rows); err != nil {
			b.Fatal(err)
		}
	}
}

func fileExists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}
