package routing

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/kasapos/kasa/internal/card"
)

// Card types.
const (
	TypeCredit  = "credit"
	TypeDebit   = "debit"
	TypePrepaid = "prepaid"
)

// BIN is what the issuer prefix of a card tells Kasa.
type BIN struct {
	Prefix     string // 6, 7 or 8 digits
	BankCode   string // issuer's 4-digit EFT code; "" when the card is not in the table
	BankName   string
	Brand      string // visa, mastercard, troy, amex, ...; "" when unknown
	Type       string // credit, debit or prepaid
	Commercial bool
	Program    string // card programme as the data names it ("Bonus", "Wings"); "" when unknown
}

// Domestic reports whether the card was found with a Turkish issuer. Kasa's
// table holds Turkish issuers only, so a card it does not know is treated as
// foreign: it can pay, in one instalment.
func (b BIN) Domestic() bool { return b.BankCode != "" }

// Family is the card's programme family ("Wings" → "Axess").
func (b BIN) Family() string { return ProgramFamily(b.Program) }

// Table maps issuer prefixes to BIN records. It is safe for concurrent use and
// Replace swaps the whole content atomically, so an import takes effect on
// the next Lookup without a restart and no reader sees half a table. The zero
// Table is empty and ready to use.
type Table struct {
	cur atomic.Pointer[tableData]
}

type tableData struct {
	byPrefix       map[string]BIN
	minLen, maxLen int
}

// NewTable builds a table from rows; see Replace.
func NewTable(rows []BIN) (*Table, error) {
	t := &Table{}
	return t, t.Replace(rows)
}

// Replace installs exactly rows as the table's content. A prefix given twice
// keeps the later row, so corrections can be appended to a file; to keep the
// seed prefixes under an import, pass append(SeedBINs(), imported...).
func (t *Table) Replace(rows []BIN) error {
	d := &tableData{byPrefix: make(map[string]BIN, len(rows)), minLen: 8, maxLen: 6}
	for i, r := range rows {
		if !validPrefix(r.Prefix) {
			return fmt.Errorf("routing: row %d: prefix %q is not 6 to 8 digits", i, r.Prefix)
		}
		d.byPrefix[r.Prefix] = r
		d.minLen = min(d.minLen, len(r.Prefix))
		d.maxLen = max(d.maxLen, len(r.Prefix))
	}
	t.cur.Store(d)
	return nil
}

// Len is the number of distinct prefixes.
func (t *Table) Len() int {
	if d := t.cur.Load(); d != nil {
		return len(d.byPrefix)
	}
	return 0
}

// Lookup finds the record for a PAN or a BIN, preferring the longest matching
// prefix (an 8-digit row describes a sub-range of its 6-digit parent). On a
// miss it still returns the brand read from the number itself. It does not
// allocate: map lookups with substrings of the input.
func (t *Table) Lookup(panOrBIN string) (BIN, bool) {
	if d := t.cur.Load(); d != nil {
		for n := min(d.maxLen, len(panOrBIN)); n >= d.minLen; n-- {
			if b, ok := d.byPrefix[panOrBIN[:n]]; ok {
				return b, true
			}
		}
	}
	return BIN{Brand: brandOf(panOrBIN)}, false
}

func brandOf(digits string) string {
	if b := card.BrandOf(digits); b != card.Unknown {
		return string(b)
	}
	return ""
}

func validPrefix(s string) bool {
	return len(s) >= 6 && len(s) <= 8 && allDigits(s)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// csvColumns is the import format, the header of tr-bins.csv.
var csvColumns = []string{"bin", "bank_eft_code", "bank", "card_type", "brand", "commercial", "program"}

var knownBrands = map[string]bool{
	"": true, "visa": true, "mastercard": true, "maestro": true, "troy": true,
	"amex": true, "jcb": true, "unionpay": true, "discover": true, "diners": true,
}

// maxRowErrors bounds how many bad rows one ImportError lists.
const maxRowErrors = 20

// RowError is one bad row of an import.
type RowError struct {
	Line   int    // 1-based line in the file
	Column string // "" for a row-level problem
	Msg    string
}

func (e RowError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return fmt.Sprintf("line %d: %s: %s", e.Line, e.Column, e.Msg)
}

// ImportError reports the bad rows of a CSV import. The import is all or
// nothing; listing many rows at once lets a merchant fix the file in one go.
type ImportError struct {
	Rows  []RowError // the first maxRowErrors bad rows
	Total int        // how many rows were bad
}

func (e *ImportError) Error() string {
	parts := make([]string, len(e.Rows))
	for i, r := range e.Rows {
		parts[i] = r.Error()
	}
	s := fmt.Sprintf("routing: %d bad row(s) in BIN file: %s", e.Total, strings.Join(parts, "; "))
	if e.Total > len(e.Rows) {
		s += fmt.Sprintf("; and %d more", e.Total-len(e.Rows))
	}
	return s
}

// ParseCSV reads a BIN file in the tr-bins.csv format: a header naming the
// columns bin, bank_eft_code, bank, card_type, brand, commercial, program (in
// any order), then one row per prefix. EFT codes that lost their leading
// zeros to a spreadsheet ("46") are padded back; an empty bank name is filled
// from the EFT code list. Any bad row fails the whole import with an
// *ImportError naming each line.
func ParseCSV(r io.Reader) ([]BIN, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // counted per row below, to report every bad row
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("routing: BIN file header: %w", err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	idx := make([]int, len(csvColumns))
	for i, c := range csvColumns {
		j, ok := col[c]
		if !ok {
			return nil, fmt.Errorf("routing: BIN file header lacks column %q (want %s)", c, strings.Join(csvColumns, ","))
		}
		idx[i] = j
	}
	var rows []BIN
	ie := &ImportError{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil { // malformed quoting: csv.ParseError names the line
			return nil, fmt.Errorf("routing: BIN file: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(head) {
			ie.add(RowError{Line: line, Msg: fmt.Sprintf("%d fields, want %d", len(rec), len(head))})
			continue
		}
		f := func(i int) string { return strings.TrimSpace(rec[idx[i]]) }
		b, rerr := parseRow(f(0), f(1), f(2), f(3), f(4), f(5), f(6))
		if rerr != nil {
			rerr.Line = line
			ie.add(*rerr)
			continue
		}
		rows = append(rows, b)
	}
	if ie.Total > 0 {
		return nil, ie
	}
	return rows, nil
}

func (e *ImportError) add(r RowError) {
	e.Total++
	if len(e.Rows) < maxRowErrors {
		e.Rows = append(e.Rows, r)
	}
}

func parseRow(prefix, code, name, typ, brand, commercial, prog string) (BIN, *RowError) {
	if !validPrefix(prefix) {
		return BIN{}, &RowError{Column: "bin", Msg: fmt.Sprintf("%q is not 6 to 8 digits", prefix)}
	}
	if !allDigits(code) || len(code) > 4 {
		return BIN{}, &RowError{Column: "bank_eft_code", Msg: fmt.Sprintf("%q is not an EFT code of up to 4 digits", code)}
	}
	code = strings.Repeat("0", 4-len(code)) + code
	if name == "" {
		name = BankName(code)
	}
	typ = strings.ToLower(typ)
	if typ != TypeCredit && typ != TypeDebit && typ != TypePrepaid {
		return BIN{}, &RowError{Column: "card_type", Msg: fmt.Sprintf("%q is not credit, debit or prepaid", typ)}
	}
	brand = strings.ToLower(brand)
	if !knownBrands[brand] {
		return BIN{}, &RowError{Column: "brand", Msg: fmt.Sprintf("unknown brand %q", brand)}
	}
	com, err := strconv.ParseBool(commercial)
	if err != nil {
		return BIN{}, &RowError{Column: "commercial", Msg: fmt.Sprintf("%q is not true or false", commercial)}
	}
	return BIN{Prefix: prefix, BankCode: code, BankName: name, Brand: brand, Type: typ, Commercial: com, Program: prog}, nil
}
