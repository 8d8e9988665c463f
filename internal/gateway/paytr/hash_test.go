package paytr

import (
	"testing"

	"github.com/kasapos/kasa/internal/money"
)

// Known answers computed independently of this package with
//
//	printf '%s' "$message" | openssl dgst -sha256 -hmac "$key" -binary | base64
//
// (key KasaKey123, salt KasaSalt456), from the recipes on PayTR's developer
// pages; the basket is base64 of [["Sipariş K12345ABC","150.75",1]].
const (
	kaKey    = "KasaKey123"
	kaSalt   = "KasaSalt456"
	kaBasket = "W1siU2lwYXJpxZ8gSzEyMzQ1QUJDIiwiMTUwLjc1IiwxXV0="
)

func TestHashKnownAnswers(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"get-token, single payment, TL, test", GetTokenHash(kaKey, kaSalt, TokenFields{
			MerchantID: "100001", UserIP: "203.0.113.7", MerchantOID: "K12345ABC", Email: "ayse@example.com",
			PaymentAmount: "15075", UserBasket: kaBasket, NoInstallment: "1", MaxInstallment: "0", Currency: "TL", TestMode: "1"}),
			"cQsdroka2wjD57VnBROgqDnwIUQ2NQ+BcPN21a2TH4o="},
		{"get-token, up to 6 instalments, USD, live", GetTokenHash(kaKey, kaSalt, TokenFields{
			MerchantID: "100001", UserIP: "203.0.113.7", MerchantOID: "K12345ABC", Email: "ayse@example.com",
			PaymentAmount: "15075", UserBasket: kaBasket, NoInstallment: "0", MaxInstallment: "6", Currency: "USD", TestMode: "0"}),
			"d5O5zGOf7ZnyXKYEyt3KLlZukn6f07iyWHpNydEw1iU="},
		{"notification, success", NotificationHash(kaKey, kaSalt, "K12345ABC", "success", "15075"),
			"6tjW80EeO39RDMpOMaI+qwDbyPjlOD12xga9mTORVUo="},
		{"notification, failed", NotificationHash(kaKey, kaSalt, "K12345ABC", "failed", "0"),
			"ai0Yw/MPdn3KXoFQ69RowJCRYCewcly5X90AvWPWZUs="},
		{"refund", RefundHash(kaKey, kaSalt, "100001", "K12345ABC", "10.50"),
			"DLD3VxGfQGAkQONJgnk26cCsOs4EXDeuszys6aifpSo="},
		{"status inquiry", StatusHash(kaKey, kaSalt, "100001", "K12345ABC"),
			"8XQWcZoJqSnmfHg7qBSwnbzEQDDPIbtBjGuFI2bLPKY="},
		{"BIN lookup", BINHash(kaKey, kaSalt, "540667", "100001"),
			"tJN3vr9TwbHSX77m/4Q8gDZX/ESC0thyeD3dKYrEa4k="},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, tt.got, tt.want)
		}
	}
}

func TestBasketKnownAnswer(t *testing.T) {
	if got := Basket("Sipariş K12345ABC", money.New(15075, money.TRY)); got != kaBasket {
		t.Fatalf("basket %s, want %s", got, kaBasket)
	}
}

func TestEqualHash(t *testing.T) {
	h := NotificationHash(kaKey, kaSalt, "K1", "success", "100")
	if !equalHash(h, h) {
		t.Fatal("a genuine hash was refused")
	}
	// Base64 is case-sensitive, and padding is part of the value.
	for _, bad := range []string{"", h[:len(h)-1], h + "=", "A" + h[1:], NotificationHash("other", kaSalt, "K1", "success", "100")} {
		if bad != h && equalHash(bad, h) {
			t.Errorf("%q accepted", bad)
		}
	}
}
