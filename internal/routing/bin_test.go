package routing

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// realBINFile is the shared dataset, outside the repository (it must not be
// copied in): ../shared/data relative to the repository root.
var realBINFile = filepath.Join("..", "..", "..", "shared", "data", "tr-bins.csv")

func loadRealBINs(tb testing.TB) []BIN {
	tb.Helper()
	f, err := os.Open(realBINFile)
	if errors.Is(err, os.ErrNotExist) {
		tb.Skipf("%s not found: the real BIN dataset lives next to the repository (../shared/data); skipping", realBINFile)
	}
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	rows, err := ParseCSV(f)
	if err != nil {
		tb.Fatalf("ParseCSV(%s): %v", realBINFile, err)
	}
	return rows
}

func TestLookupPrefersLongestPrefix(t *testing.T) {
	tab, err := NewTable([]BIN{
		{Prefix: "435508", BankCode: "0046", Type: TypeCredit, Program: "Axess"},
		{Prefix: "4355081", BankCode: "0046", Type: TypeCredit, Program: "Neo"},
		{Prefix: "43550899", BankCode: "0046", Type: TypeCredit, Program: "Wings", Commercial: true},
		{Prefix: "540134", BankCode: "0010", Type: TypeCredit, Program: "Bankkart"},
	})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		in      string
		found   bool
		program string
	}{
		{"4355089912345678", true, "Wings"}, // 8 digits beat 7 and 6
		{"4355081234567890", true, "Neo"},   // 7 beats 6
		{"4355080012345678", true, "Axess"}, // only the 6-digit parent
		{"43550899", true, "Wings"},         // a bare 8-digit BIN
		{"435508", true, "Axess"},           // a bare 6-digit BIN
		{"5401341234567891", true, "Bankkart"},
		{"4355", false, ""}, // too short for any prefix
		{"", false, ""},
		{"4111111111111111", false, ""},
	}
	for _, c := range cases {
		b, ok := tab.Lookup(c.in)
		if ok != c.found || b.Program != c.program {
			t.Errorf("Lookup(%q) = %+v, %v; want program %q, found %v", c.in, b, ok, c.program, c.found)
		}
	}
	if b, _ := tab.Lookup("4111111111111111"); b.Brand != "visa" || b.Domestic() {
		t.Errorf("miss should still give the brand from the number and not be domestic: %+v", b)
	}
	var zero Table
	if _, ok := zero.Lookup("4355084355084358"); ok || zero.Len() != 0 {
		t.Error("the zero Table should be empty")
	}
	if _, err := NewTable([]BIN{{Prefix: "12345"}}); err == nil {
		t.Error("a 5-digit prefix was accepted")
	}
}

// An import swaps the table atomically while payments look cards up.
func TestTableReplaceWhileReading(t *testing.T) {
	tab := SeedTable()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				b, ok := tab.Lookup("4355084355084358")
				if !ok || b.BankCode != "0046" {
					t.Errorf("lookup during replace: %+v %v", b, ok)
					return
				}
			}
		})
	}
	for i := range 200 {
		prog := "Axess"
		if i%2 == 0 {
			prog = "Wings"
		}
		if err := tab.Replace([]BIN{{Prefix: "435508", BankCode: "0046", Type: TypeCredit, Program: prog}}); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if tab.Len() != 1 {
		t.Errorf("Len after Replace = %d", tab.Len())
	}
}

func TestParseCSVRealDataset(t *testing.T) {
	rows := loadRealBINs(t)
	if len(rows) != 9957 {
		t.Fatalf("rows = %d, want 9957", len(rows))
	}
	tab, err := NewTable(rows)
	if err != nil {
		t.Fatal(err)
	}
	// 15 rows repeat a prefix already seen (9 prefixes); the later row wins.
	if tab.Len() != 9942 {
		t.Errorf("distinct prefixes = %d, want 9942", tab.Len())
	}
	// Rows read from the file by hand.
	spot := []struct {
		pan  string
		want BIN
	}{
		// 43550843 (line 1693) under its 6-digit parent 435508 (line 1649).
		{"4355084355084358", BIN{Prefix: "43550843", BankCode: "0046", BankName: "Akbank", Brand: "visa", Type: TypeCredit, Program: "Axess"}},
		{"0161011234567890", BIN{Prefix: "016101", BankCode: "0067", BankName: "YapiKrediBankasi", Brand: "troy", Type: TypeDebit}},
		{"0837001234567890", BIN{Prefix: "083700", BankCode: "0067", BankName: "YapiKrediBankasi", Brand: "troy", Type: TypeCredit, Commercial: true}},
		{"1150150012345678", BIN{Prefix: "11501500", BankCode: "0015", BankName: "Vakifbank", Brand: "unionpay", Type: TypeCredit, Program: "World"}},
		{"9001203123456789", BIN{Prefix: "9001203", BankCode: "0012", BankName: "Halkbank", Brand: "amex", Type: TypeCredit, Program: "Paraf"}},
		{"1006701234567890", BIN{Prefix: "100670", BankCode: "0067", BankName: "YapiKrediBankasi", Type: TypeCredit, Program: "World"}},
		// Duplicated prefixes: the last row of each wins.
		{"9792670012345678", BIN{Prefix: "97926700", BankCode: "0205", BankName: "KuveytTurk", Brand: "troy", Type: TypeCredit, Program: "SaglamKart"}},
		{"4748534012345678", BIN{Prefix: "47485340", BankCode: "0046", BankName: "Akbank", Brand: "visa", Type: TypeDebit, Commercial: true}},
	}
	for _, s := range spot {
		got, ok := tab.Lookup(s.pan)
		if !ok || got != s.want {
			t.Errorf("Lookup(%s) = %+v, %v\n want %+v", s.pan, got, ok, s.want)
		}
	}
	if got := rows[0]; got.Prefix != "016101" || got.BankCode != "0067" {
		t.Errorf("first row = %+v", got)
	}
}

func TestParseCSVBadRows(t *testing.T) {
	in := strings.Join([]string{
		"bin,bank_eft_code,bank,card_type,brand,commercial,program",
		"435508,0046,Akbank,credit,visa,false,Axess", // line 2: good
		"12345,0046,Akbank,credit,visa,false,",       // line 3: short bin
		"43550A,0046,Akbank,credit,visa,false,",      // line 4: not digits
		"435509,00A6,Akbank,credit,visa,false,",      // line 5: bad EFT code
		"435510,0046,Akbank,gold,visa,false,",        // line 6: bad type
		"435511,0046,Akbank,credit,diner's,false,",   // line 7: bad brand
		"435512,0046,Akbank,credit,visa,maybe,",      // line 8: bad flag
		"435513,0046,Akbank,credit,visa",             // line 9: too few fields
		"435514,46,,debit,VISA,TRUE,Wings",           // line 10: good, normalised
	}, "\n")
	_, err := ParseCSV(strings.NewReader(in))
	var ie *ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("err = %v, want *ImportError", err)
	}
	want := []struct {
		line   int
		column string
	}{{3, "bin"}, {4, "bin"}, {5, "bank_eft_code"}, {6, "card_type"}, {7, "brand"}, {8, "commercial"}, {9, ""}}
	if ie.Total != len(want) || len(ie.Rows) != len(want) {
		t.Fatalf("bad rows = %d (%v), want %d", ie.Total, ie, len(want))
	}
	for i, w := range want {
		if ie.Rows[i].Line != w.line || ie.Rows[i].Column != w.column {
			t.Errorf("row error %d = %+v, want line %d column %q", i, ie.Rows[i], w.line, w.column)
		}
	}
	if !strings.Contains(err.Error(), "line 5: bank_eft_code") {
		t.Errorf("message lacks the line: %v", err)
	}

	// The good rows alone import; spreadsheet damage is repaired.
	good := "\ufeffprogram,bin,bank,bank_eft_code,card_type,brand,commercial\nWings,435514,,46,debit,VISA,TRUE\n"
	rows, err := ParseCSV(strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	want0 := BIN{Prefix: "435514", BankCode: "0046", BankName: "Akbank", Brand: "visa", Type: TypeDebit, Commercial: true, Program: "Wings"}
	if len(rows) != 1 || rows[0] != want0 {
		t.Errorf("rows = %+v, want %+v", rows, want0)
	}

	if _, err := ParseCSV(strings.NewReader("bin,bank,card_type\n435508,Akbank,credit\n")); err == nil || !strings.Contains(err.Error(), "bank_eft_code") {
		t.Errorf("missing column: err = %v", err)
	}
	if _, err := ParseCSV(strings.NewReader(strings.Join(csvColumns, ",") + "\n\"435508,0046\n")); err == nil {
		t.Error("broken quoting accepted")
	}
}

func TestImportErrorListsAtMostTwenty(t *testing.T) {
	var b strings.Builder
	b.WriteString(strings.Join(csvColumns, ",") + "\n")
	for range 50 {
		b.WriteString("1,0046,Akbank,credit,visa,false,\n")
	}
	_, err := ParseCSV(strings.NewReader(b.String()))
	var ie *ImportError
	if !errors.As(err, &ie) || ie.Total != 50 || len(ie.Rows) != maxRowErrors || !strings.Contains(err.Error(), "and 30 more") {
		t.Fatalf("err = %v", err)
	}
}

func TestSeed(t *testing.T) {
	tab := SeedTable()
	if tab.Len() < 10 {
		t.Fatalf("seed has %d rows", tab.Len())
	}
	b, ok := tab.Lookup("4355084355084358") // Akbank's published EST test card
	if !ok || b.BankCode != "0046" || b.Family() != "Axess" || b.Type != TypeCredit {
		t.Errorf("seed lookup = %+v, %v", b, ok)
	}
	for _, r := range SeedBINs() {
		if BankName(r.BankCode) == "" {
			t.Errorf("seed row %s has EFT code %s missing from the bank list", r.Prefix, r.BankCode)
		}
		if r.Program != "" && ProgramOwner(r.Program) == "" {
			t.Errorf("seed row %s has unknown programme %q", r.Prefix, r.Program)
		}
	}
}

func TestBankCodeOfPresetSlugs(t *testing.T) {
	cases := map[string]string{
		"isbank": "0064", "akbank": "0046", "akbank-legacy": "0046", "garanti": "0062",
		"yapikredi": "0067", "ziraat": "0010", "halkbank": "0012", "vakifbank": "0015",
		"qnb": "0111", "enpara": "0111", "finansbank-legacy": "0111", "denizbank": "0134",
		"kuveytturk": "0205", "teb": "0032", "sekerbank": "0059", "anadolubank": "0135",
		"albaraka": "0203", "ing": "0099", "ziraat-katilim": "0209", " ISBANK ": "0064",
		"payten": "", "nosuchbank": "",
	}
	for slug, want := range cases {
		if got := BankCode(slug); got != want {
			t.Errorf("BankCode(%q) = %q, want %q", slug, got, want)
		}
	}
	if BankName("0064") != "Türkiye İş Bankası" || BankName("9999") != "" {
		t.Error("BankName")
	}
}

func TestProgramFamilies(t *testing.T) {
	cases := []struct{ in, family, owner string }{
		{"Axess", "Axess", "0046"}, {"Wings", "Axess", "0046"}, {"Neo", "Axess", "0046"},
		{"Bonus", "Bonus", "0062"}, {"MilesAndSmiles", "Bonus", "0062"}, {"Miles&Smiles", "Bonus", "0062"},
		{"ShopAndFly", "Bonus", "0062"}, {"Maximum", "Maximum", "0064"}, {"World", "World", "0067"},
		{"CardFinans", "CardFinans", "0111"}, {"Paraf", "Paraf", "0012"}, {"Bank24", "Paraf", "0012"},
		{"Bankkart Combo", "Bankkart", "0010"}, {"Sağlam Kart", "SaglamKart", "0205"},
		{"SAGLAMKART", "SaglamKart", "0205"}, {"Advantage", "Advantage", "0123"},
		{" NewProgramme ", "NewProgramme", ""}, {"", "", ""},
	}
	for _, c := range cases {
		if f, o := ProgramFamily(c.in), ProgramOwner(c.in); f != c.family || o != c.owner {
			t.Errorf("%q: family %q owner %q, want %q %q", c.in, f, o, c.family, c.owner)
		}
	}
	if got := ProgramsOf("0067"); len(got) != 1 || got[0] != "World" {
		t.Errorf("ProgramsOf(0067) = %v", got)
	}
}
