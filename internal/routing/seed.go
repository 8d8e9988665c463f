package routing

import (
	_ "embed"
	"strings"
	"sync"
)

// Public facts shipped in the binary: the EFT codes of Turkish banks, the
// card programs and the bank that owns each, and a few well-known BIN
// prefixes (those of the banks' published sandbox test cards). The full BIN
// table is not shipped: a merchant imports it from CSV (see ParseCSV).

// bank is one Turkish bank: its 4-digit EFT code, display name, and the
// slugs adapters' presets use for it (several presets may name one bank).
type bank struct {
	code  string
	name  string
	slugs []string
}

var banks = []bank{
	{"0010", "Ziraat Bankası", []string{"ziraat", "ziraatbank"}},
	{"0012", "Halkbank", []string{"halkbank"}},
	{"0015", "VakıfBank", []string{"vakifbank"}},
	{"0032", "TEB", []string{"teb"}},
	{"0046", "Akbank", []string{"akbank", "akbank-legacy"}},
	{"0059", "Şekerbank", []string{"sekerbank"}},
	{"0062", "Garanti BBVA", []string{"garanti"}},
	{"0064", "Türkiye İş Bankası", []string{"isbank"}},
	{"0067", "Yapı Kredi", []string{"yapikredi", "ykb"}},
	{"0099", "ING", []string{"ing"}},
	{"0103", "Fibabanka", []string{"fibabanka"}},
	// Enpara is QNB's digital bank and issues on QNB's code.
	{"0111", "QNB", []string{"qnb", "enpara", "finansbank", "finansbank-legacy"}},
	{"0123", "HSBC", []string{"hsbc"}},
	{"0124", "Alternatif Bank", []string{"alternatifbank"}},
	{"0134", "DenizBank", []string{"denizbank"}},
	{"0135", "Anadolubank", []string{"anadolubank"}},
	{"0143", "Aktif Yatırım Bankası", []string{"aktifbank"}},
	{"0146", "Odeabank", []string{"odeabank"}},
	{"0203", "Albaraka Türk", []string{"albaraka"}},
	{"0205", "Kuveyt Türk", []string{"kuveytturk"}},
	{"0206", "Türkiye Finans", []string{"turkiyefinans"}},
	{"0209", "Ziraat Katılım", []string{"ziraat-katilim"}},
	{"0210", "Vakıf Katılım", []string{"vakif-katilim"}},
}

// program is a card programme and the bank that owns it. Aliases are the
// sub-brands that share its installment network (a Miles&Smiles card is a
// Bonus card to every Bonus merchant).
type program struct {
	name    string
	owner   string // EFT code
	aliases []string
}

var programs = []program{
	{"Axess", "0046", []string{"Wings", "Neo"}},
	{"Bonus", "0062", []string{"MilesAndSmiles", "Miles&Smiles", "ShopAndFly", "Shop&Fly"}},
	{"Maximum", "0064", nil},
	{"World", "0067", nil},
	{"CardFinans", "0111", nil},
	{"Paraf", "0012", []string{"Bank24"}},
	{"Bankkart", "0010", []string{"Bankkart Combo"}},
	{"SaglamKart", "0205", []string{"Sağlam Kart"}},
	{"Advantage", "0123", nil},
}

//go:embed seed_bins.csv
var seedCSV string

var (
	bankByCode  = map[string]*bank{}
	bankBySlug  = map[string]*bank{}
	programKeys = map[string]*program{} // folded name or alias → program
	// programExact holds names and aliases as spelled above, so the common
	// lookups skip folding and do not allocate.
	programExact = map[string]*program{}
)

func init() {
	for i := range banks {
		b := &banks[i]
		bankByCode[b.code] = b
		for _, s := range b.slugs {
			bankBySlug[s] = b
		}
	}
	for i := range programs {
		p := &programs[i]
		for _, n := range append([]string{p.name}, p.aliases...) {
			programKeys[fold(n)] = p
			programExact[n] = p
		}
	}
}

// BankCode returns the EFT code of the bank a preset slug names ("isbank" →
// "0064", "enpara" → "0111"), or "" for a slug that is not a bank (e.g.
// "payten", the processor's own test environment).
func BankCode(slug string) string {
	if b, ok := bankBySlug[strings.ToLower(strings.TrimSpace(slug))]; ok {
		return b.code
	}
	return ""
}

// BankName returns the display name of the bank with that EFT code, or "".
func BankName(code string) string {
	if b, ok := bankByCode[code]; ok {
		return b.name
	}
	return ""
}

// ProgramFamily returns the canonical programme a card programme name belongs
// to ("Wings" → "Axess", "Miles&Smiles" → "Bonus", "sağlam kart" →
// "SaglamKart"). An unknown non-empty name is returned trimmed, so a new
// programme still matches itself; "" stays "".
func ProgramFamily(name string) string {
	if p := lookupProgram(name); p != nil {
		return p.name
	}
	return strings.TrimSpace(name)
}

// ProgramOwner returns the EFT code of the bank that owns a programme, or "".
func ProgramOwner(name string) string {
	if p := lookupProgram(name); p != nil {
		return p.owner
	}
	return ""
}

func lookupProgram(name string) *program {
	if p, ok := programExact[name]; ok {
		return p
	}
	if name == "" {
		return nil
	}
	return programKeys[fold(name)]
}

// ProgramsOf returns the programmes a bank owns ("0067" → ["World"]).
func ProgramsOf(bankCode string) []string {
	var out []string
	for _, p := range programs {
		if p.owner == bankCode {
			out = append(out, p.name)
		}
	}
	return out
}

// fold makes programme names comparable however a merchant or a dataset
// spells them: case, spaces, punctuation and Turkish letters do not matter.
func fold(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch r {
		case 'ı':
			b.WriteByte('i')
		case 'ğ':
			b.WriteByte('g')
		case 'ü':
			b.WriteByte('u')
		case 'ş':
			b.WriteByte('s')
		case 'ö':
			b.WriteByte('o')
		case 'ç':
			b.WriteByte('c')
		default:
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

var (
	seedOnce sync.Once
	seedRows []BIN
)

// SeedBINs returns the embedded seed rows (a fresh copy).
func SeedBINs() []BIN {
	seedOnce.Do(func() {
		rows, err := ParseCSV(strings.NewReader(seedCSV))
		if err != nil {
			panic("routing: embedded seed_bins.csv: " + err.Error()) // caught by the tests
		}
		seedRows = rows
	})
	return append([]BIN(nil), seedRows...)
}

// SeedTable returns a Table holding only the embedded seed rows. Cards not in
// it are unknown, so they get single payments only until a full table is
// imported with Replace.
func SeedTable() *Table {
	t, err := NewTable(SeedBINs())
	if err != nil {
		panic("routing: seed table: " + err.Error())
	}
	return t
}
