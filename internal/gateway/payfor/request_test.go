package payfor

import (
	"encoding/xml"
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
		{1, money.TRY, "0.01"},
		{101, money.TRY, "1.01"},
		{10001, money.TRY, "100.01"},
		{12550, money.TRY, "125.50"},
		{10000, money.USD, "100.00"},
		{999999, money.EUR, "9999.99"},
		{123456789012, money.GBP, "1234567890.12"},
	} {
		if got := FormatAmount(money.New(tc.minor, tc.cur)); got != tc.want {
			t.Errorf("%d %s: %q, want %q", tc.minor, tc.cur, got, tc.want)
		}
	}
}

func TestFormatInstallments(t *testing.T) {
	for n, want := range map[int]string{0: "0", 1: "0", 2: "2", 3: "3", 12: "12"} {
		if got := FormatInstallments(n); got != want {
			t.Errorf("%d: %q, want %q", n, got, want)
		}
	}
}

func TestFormatExpiry(t *testing.T) {
	e, _ := card.NewExpiry(1, 2022)
	if got := FormatExpiry(e); got != "0122" {
		t.Errorf("expiry %q", got)
	}
}

func TestCheckOrderID(t *testing.T) {
	for id, ok := range map[string]bool{
		"2020110828BC": true, "K1234567890123456789": true, "a-b_c": true,
		"": false, "K12345678901234567890": false, "a b": false, "a<b": false, "ş": false,
	} {
		if err := CheckOrderID(id); (err == nil) != ok {
			t.Errorf("%q: err %v", id, err)
		}
	}
}

// The sale request has the documented elements and nothing else.
func TestSaleRequestShape(t *testing.T) {
	pan, _ := card.ParsePAN("4155650100416111")
	exp, _ := card.NewExpiry(1, 2022)
	cvv, _ := card.ParseCVV("123")
	g := &Gateway{mbrID: "5", merchantID: "085300000009704", userCode: "QNB_API_KULLANICI_3DPAY", userPass: "UcBN0"}
	r := g.request(secureNonSecure, typeAuth)
	r.MOTO, r.OrderID = "0", "order222"
	r.PurchAmount = FormatAmount(money.New(10025, money.TRY))
	r.Currency, r.InstallmentCount = "949", FormatInstallments(1)
	r.CardHolderName, r.Pan, r.Expiry, r.Cvv2 = "ahmet", pan.Reveal(), FormatExpiry(exp), cvv.Reveal()
	body, err := r.encode()
	if err != nil {
		t.Fatal(err)
	}
	const want = `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<PayforRequest><MbrId>5</MbrId><MerchantId>085300000009704</MerchantId><UserCode>QNB_API_KULLANICI_3DPAY</UserCode>` +
		`<UserPass>UcBN0</UserPass><MOTO>0</MOTO><OrderId>order222</OrderId><SecureType>NonSecure</SecureType>` +
		`<TxnType>Auth</TxnType><PurchAmount>100.25</PurchAmount><Currency>949</Currency><InstallmentCount>0</InstallmentCount>` +
		`<Lang>tr</Lang><CardHolderName>ahmet</CardHolderName><Pan>4155650100416111</Pan><Expiry>0122</Expiry><Cvv2>123</Cvv2></PayforRequest>`
	if string(body) != want {
		t.Errorf("request\n%s\nwant\n%s", body, want)
	}
	// Markup in a holder name is escaped, not injected.
	r.CardHolderName = "</CardHolderName><Pan>1"
	body, _ = r.encode()
	var back payforRequest
	if err := xml.Unmarshal(body[strings.Index(string(body), "<PayforRequest>"):], &back); err != nil || back.CardHolderName != r.CardHolderName || back.Pan != pan.Reveal() {
		t.Errorf("escaping: %v %+v", err, back)
	}
}
