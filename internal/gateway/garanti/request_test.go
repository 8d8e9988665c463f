package garanti

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/money"
)

func TestFormatAmount(t *testing.T) {
	for _, tc := range []struct {
		a    money.Amount
		want string
	}{
		{money.New(101, money.TRY), "101"},
		{money.New(1, money.TRY), "1"},
		{money.New(10025, money.TRY), "10025"},
		{money.New(10000, money.USD), "10000"},
		{money.New(999999, money.EUR), "999999"},
		{money.New(123456789012, money.GBP), "123456789012"},
	} {
		if got := FormatAmount(tc.a); got != tc.want {
			t.Errorf("%v: got %q want %q", tc.a, got, tc.want)
		}
	}
}

func TestFormatInstallments(t *testing.T) {
	for n, want := range map[int]string{0: "", 1: "", 2: "2", 9: "9", 12: "12"} {
		if got := FormatInstallments(n); got != want {
			t.Errorf("%d: got %q want %q", n, got, want)
		}
	}
}

func TestFormatExpiry(t *testing.T) {
	e, _ := card.NewExpiry(8, 2030)
	if got := FormatExpiry(e); got != "0830" {
		t.Errorf("got %q", got)
	}
}

func TestCurrencyCodes(t *testing.T) {
	want := map[string]string{"TRY": "949", "USD": "840", "EUR": "978", "GBP": "826"}
	for _, c := range descriptor.Currencies {
		if want[c.Code] != c.Numeric {
			t.Errorf("%s numeric %q", c.Code, c.Numeric)
		}
		delete(want, c.Code)
	}
	if len(want) != 0 {
		t.Errorf("missing currencies %v", want)
	}
}

func testGateway(t *testing.T, api string) *Gateway {
	t.Helper()
	g, err := New(gateway.Config{Credentials: map[string]string{
		CredMerchantID: "7000679", CredTerminalID: "30691298", CredProvAutPass: "123qweASD/", CredProvRfnPass: "rfnPass",
	}, Endpoints: gateway.Endpoints{API: api}})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// The request signs with the user it names, and void carries the fixed
// amount 100 whatever the order's amount.
func TestRequestShape(t *testing.T) {
	g := testGateway(t, "https://sanalposprovtest.garantibbva.com.tr/VPServlet")
	if g.mode != "TEST" {
		t.Errorf("mode on the test host: %q", g.mode)
	}
	if testGateway(t, "https://sanalposprov.garanti.com.tr/VPServlet").mode != "PROD" {
		t.Error("production host not PROD")
	}
	o := gateway.Order{OrderID: "order222", Amount: money.New(10025, money.TRY), ClientIP: "1.2.3.4"}
	void := g.request(typeVoid, userRfn, o, fixedAmount, currencyOr949(o.Amount.Currency))
	g.sign(void)
	body, err := void.encode()
	if err != nil {
		t.Fatal(err)
	}
	s := string(body)
	for _, frag := range []string{
		`<?xml version="1.0" encoding="UTF-8"?>`,
		"<Mode>TEST</Mode><Version>512</Version>",
		"<ProvUserID>PROVRFN</ProvUserID>", "<UserID>PROVRFN</UserID><ID>30691298</ID><MerchantID>7000679</MerchantID>",
		"<Type>void</Type><InstallmentCnt></InstallmentCnt><Amount>100</Amount><CurrencyCode>949</CurrencyCode>",
		"<CardholderPresentCode>0</CardholderPresentCode><MotoInd>N</MotoInd>",
	} {
		if !strings.Contains(s, frag) {
			t.Errorf("missing %s in\n%s", frag, s)
		}
	}
	if strings.Contains(s, "<Card>") || strings.Contains(s, "Secure3D") {
		t.Errorf("void carries card or 3D data:\n%s", s)
	}
	if want := HashData("order222", "30691298", "", "100", "949", SecurityData("rfnPass", "30691298")); void.Terminal.HashData != want {
		t.Errorf("void not signed with PROVRFN's password")
	}

	sale := g.request(typeSales, userAut, o, FormatAmount(o.Amount), "949")
	sale.Card = &cardData{Number: "4282209004348015", ExpireDate: "0830", CVV2: "123"}
	g.sign(sale)
	if want := HashData("order222", "30691298", "4282209004348015", "10025", "949", SecurityData("123qweASD/", "30691298")); sale.Terminal.HashData != want {
		t.Errorf("sale hash %s, want %s", sale.Terminal.HashData, want)
	}
	var back gvpsRequest
	if b, _ := sale.encode(); xml.Unmarshal(b, &back) != nil || back.Card.Number != "4282209004348015" || back.Transaction.Amount != "10025" {
		t.Errorf("round trip: %+v", back)
	}
}
