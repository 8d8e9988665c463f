package banksim

import (
	"fmt"
	"strings"
	"time"

	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/money"
)

// Decline is one documented way to make a simulated issuer say no. Every
// simulator approves any Luhn-valid, unexpired card except:
//
//   - a card whose expiry month has passed: code 54;
//   - a card whose last four digits are "00NN" for a code NN in Declines;
//   - an amount of exactly 9 999.NN (in a two-decimal currency) for a code NN
//     in Declines, with any card.
//
// The checks run in that order. Amount triggers sit at 9 999.xx so that the
// usual test amounts (0.01, 1.01, 100.25, 125.50) always approve.
type Decline struct {
	Code       string `json:"code"`        // ISO 8583 response code (EST ProcReturnCode)
	Reason     string `json:"reason"`      // Kasa's decline reason for it
	Message    string `json:"message"`     // the bank message the simulator returns
	ExamplePAN string `json:"example_pan"` // a Luhn-valid card ending in 00NN
}

// Declines is the decline-trigger table, in code order. README.md's table is
// generated from it by DeclineTableMarkdown.
var Declines = []Decline{
	{"01", "call_issuer", "Bankanızı arayınız", "4000000000010001"},
	{"05", "do_not_honour", "Red - Onaylanmadı", "4000000000070005"},
	{"12", "invalid_transaction", "Geçersiz işlem", "4000000000080012"},
	{"14", "invalid_card", "Geçersiz kart numarası", "4000000000060014"},
	{"41", "lost_or_stolen", "Kayıp kart", "4000000000030041"},
	{"43", "lost_or_stolen", "Çalıntı kart", "4000000000010043"},
	{"51", "insufficient_funds", "Yetersiz bakiye", "4000000000000051"},
	{"54", "expired_card", "Vadesi dolmuş kart", "4000000000070054"},
	{"57", "transaction_not_permitted", "Kart sahibine bu işlem izni yok", "4000000000040057"},
	{"59", "fraud_suspected", "Şüpheli işlem", "4000000000020059"},
	{"61", "limit_exceeded", "Para çekme limiti aşıldı", "4000000000080061"},
	{"62", "transaction_not_permitted", "Kısıtlı kart", "4000000000070062"},
	{"65", "limit_exceeded", "İşlem sayısı limiti aşıldı", "4000000000040065"},
	{"82", "invalid_cvv", "CVV hatalı", "4000000000030082"},
	{"91", "system_error", "Kart bankası yanıt vermiyor", "4000000000020091"},
}

// TestCard is a card published for a bank's sandbox; simulators approve it.
type TestCard struct {
	Bank   string
	PAN    string
	Expiry string // MM/YY
	CVV    string
}

// TestCards are the public Payten/EST sandbox cards (research notes §7).
var TestCards = []TestCard{
	{"payten", "4355084355084358", "12/30", "000"},
	{"payten", "4546711234567894", "12/26", "000"},
	{"payten", "5401341234567891", "12/26", "000"},
}

// AmountTrigger is the major-unit value whose kuruş select a decline.
const AmountTrigger = 9999

// DeclineByCode finds a table entry.
func DeclineByCode(code string) (Decline, bool) {
	for _, d := range Declines {
		if d.Code == code {
			return d, true
		}
	}
	return Decline{}, false
}

// TriggerAmount returns the amount that triggers code, e.g. 999951 for "51".
func TriggerAmount(code string, c money.Currency) money.Amount {
	var nn int64
	fmt.Sscanf(code, "%d", &nn)
	return money.New(AmountTrigger*100+nn, c)
}

// Decide applies the rules above. pan must already be validated.
func Decide(pan string, exp card.Expiry, amount money.Amount, now time.Time) (Decline, bool) {
	if exp.Expired(now) {
		d, _ := DeclineByCode("54")
		return d, true
	}
	if len(pan) >= 4 && strings.HasPrefix(pan[len(pan)-4:], "00") {
		if d, ok := DeclineByCode(pan[len(pan)-2:]); ok {
			return d, true
		}
	}
	if amount.Currency.Exponent == 2 && amount.Minor/100 == AmountTrigger {
		if d, ok := DeclineByCode(fmt.Sprintf("%02d", amount.Minor%100)); ok {
			return d, true
		}
	}
	return Decline{}, false
}

// DeclineTableMarkdown renders Declines as the README table.
func DeclineTableMarkdown() string {
	var b strings.Builder
	b.WriteString("| Code | Reason | Card ending | Example card | Amount | Message |\n")
	b.WriteString("|---|---|---|---|---|---|\n")
	for _, d := range Declines {
		fmt.Fprintf(&b, "| %s | %s | 00%s | %s | %d.%s | %s |\n",
			d.Code, d.Reason, d.Code, d.ExamplePAN, AmountTrigger, d.Code, d.Message)
	}
	return b.String()
}
