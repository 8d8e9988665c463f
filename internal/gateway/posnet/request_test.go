package posnet

import (
	"net/url"
	"strings"
	"testing"

	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/money"
)

func TestFormatAmount(t *testing.T) {
	for _, tc := range []struct {
		minor int64
		cur   money.Currency
		want  string
	}{
		{101, money.TRY, "101"},
		{1, money.TRY, "1"},
		{17500, money.TRY, "17500"},
		{12550, money.USD, "12550"},
		{999999, money.EUR, "999999"},
		{100000000, money.GBP, "100000000"},
	} {
		if got := FormatAmount(money.New(tc.minor, tc.cur)); got != tc.want {
			t.Errorf("%d %s: %q, want %q", tc.minor, tc.cur, got, tc.want)
		}
	}
}

func TestCurrencyCode(t *testing.T) {
	for cur, want := range map[money.Currency]string{money.TRY: "TL", money.USD: "US", money.EUR: "EU", money.GBP: "GB", money.JPY: "", money.RUB: ""} {
		if got := CurrencyCode(cur); got != want {
			t.Errorf("%s: %q, want %q", cur, got, want)
		}
	}
	for _, c := range descriptor.Currencies {
		if CurrencyCode(c) == "" {
			t.Errorf("offered currency %s has no code", c)
		}
	}
}

func TestFormatInstallments(t *testing.T) {
	for n, want := range map[int]string{0: "00", 1: "00", 2: "02", 3: "03", 9: "09", 12: "12", 36: "36"} {
		if got := FormatInstallments(n); got != want {
			t.Errorf("%d: %q, want %q", n, got, want)
		}
	}
}

func TestFormatExpiry(t *testing.T) {
	e, _ := card.NewExpiry(5, 2028)
	if got := FormatExpiry(e); got != "2805" {
		t.Errorf("expiry %q, want 2805", got)
	}
}

func TestOrderIDs(t *testing.T) {
	for _, tc := range []struct {
		id, padded, plain24, threeD24 string
	}{
		{"895", "00000000000000000895", "000000000000000000000895", "TDSC00000000000000000895"},
		{"YKB_0000080603153823", "YKB_0000080603153823", "0000YKB_0000080603153823", "TDSCYKB_0000080603153823"},
		{"K1234567890ABCDEFGHI", "K1234567890ABCDEFGHI", "0000K1234567890ABCDEFGHI", "TDSCK1234567890ABCDEFGHI"},
	} {
		p, err := FormatOrderID(tc.id)
		if err != nil || p != tc.padded {
			t.Errorf("%s: padded %q %v", tc.id, p, err)
		}
		if p, _ := PrefixedOrderID(tc.id, false); p != tc.plain24 {
			t.Errorf("%s: plain %q", tc.id, p)
		}
		if p, _ := PrefixedOrderID(tc.id, true); p != tc.threeD24 {
			t.Errorf("%s: 3D %q", tc.id, p)
		}
	}
	for _, bad := range []string{"", strings.Repeat("A", 21), "ORDER-1", "sipariş", "A B"} {
		if _, err := FormatOrderID(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestEncodeRequest(t *testing.T) {
	r := &posnetRequest{MID: vecMID, TID: vecTID, TranDateRequired: "1", Sale: &cardTxn{
		OrderID: "00000000000000000895", Installment: "03", Amount: "175", CurrencyCode: "TL",
		CCNo: "4048095010857528", ExpDate: "2805", CVC: "454",
	}}
	body, err := r.encode()
	if err != nil {
		t.Fatal(err)
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		t.Fatal(err)
	}
	want := `<?xml version="1.0" encoding="ISO-8859-9"?><posnetRequest><mid>6706598320</mid><tid>67005551</tid>` +
		`<tranDateRequired>1</tranDateRequired><sale><orderID>00000000000000000895</orderID><installment>03</installment>` +
		`<amount>175</amount><currencyCode>TL</currencyCode><ccno>4048095010857528</ccno><expDate>2805</expDate><cvc>454</cvc></sale></posnetRequest>`
	if got := form.Get("xmldata"); got != want {
		t.Errorf("xmldata\n got %s\nwant %s", got, want)
	}
	if len(form) != 1 {
		t.Errorf("form fields %v", form)
	}
	if _, err := (&posnetRequest{MID: vecMID}).encode(); err == nil {
		t.Error("request without an operation encoded")
	}

	// Turkish letters go out in ISO-8859-9.
	r = &posnetRequest{MID: vecMID, TID: vecTID, OOSRequest: &oosRequestData{CardHolderName: "Şükrü Işık"}}
	body, _ = r.encode()
	form, _ = url.ParseQuery(string(body))
	if !strings.Contains(form.Get("xmldata"), "<cardHolderName>\xde\xfckr\xfc I\xfe\xfdk</cardHolderName>") {
		t.Errorf("holder not in Latin-5: %q", form.Get("xmldata"))
	}
}
