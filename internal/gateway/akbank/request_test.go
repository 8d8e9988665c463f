package akbank

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/money"
)

func TestFormatAmount(t *testing.T) {
	for _, tc := range []struct {
		minor int64
		cur   money.Currency
		want  string
	}{
		{101, money.TRY, "1.01"},
		{110, money.TRY, "1.10"},
		{100, money.USD, "1.00"},
		{100000, money.EUR, "1000.00"},
		{1, money.GBP, "0.01"},
		{999951, money.TRY, "9999.51"},
	} {
		if got := FormatAmount(money.New(tc.minor, tc.cur)); got != tc.want {
			t.Errorf("%d %s: %q, want %q", tc.minor, tc.cur.Code, got, tc.want)
		}
	}
}

func TestFormatInstallmentsExpiryDate(t *testing.T) {
	for in, want := range map[int]int{0: 1, 1: 1, 2: 2, 12: 12} {
		if got := FormatInstallments(in); got != want {
			t.Errorf("installments %d: %d, want %d", in, got, want)
		}
	}
	if got := FormatExpiry(card.Expiry{Month: 4, Year: 2024}); got != "0424" {
		t.Errorf("expiry %q, want 0424", got)
	}
	// The bank's clock is Istanbul time whatever the server's zone.
	ts := time.Date(2024, 4, 14, 13, 45, 30, 0, time.UTC)
	if got := FormatDateTime(ts); got != "2024-04-14T16:45:30.000" {
		t.Errorf("requestDateTime %q", got)
	}
}

func TestCurrencyCodes(t *testing.T) {
	for _, c := range descriptor.Currencies {
		if got := currencyCode(c); strconv.Itoa(got) != c.Numeric {
			t.Errorf("%s: %d", c.Code, got)
		}
	}
}

// TestRequestWireShape checks the JSON the bank receives: currencyCode,
// installCount and motoInd are numbers, the amount a string, and a
// refund or cancel carries no card.
func TestRequestWireShape(t *testing.T) {
	r := newRequest(txnSale, "M", "T", "ORDER1")
	r.Card = &cardData{CardNumber: "4355093000315232", CVV2: "471", ExpireDate: "1140"}
	r.Transaction = payment(money.New(12550, money.TRY), 3)
	r.Customer = customer("203.0.113.7")
	body, err := r.encode()
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	tx := got["transaction"].(map[string]any)
	if tx["amount"] != "125.50" || tx["currencyCode"] != 949.0 || tx["installCount"] != 3.0 || tx["motoInd"] != 0.0 {
		t.Fatalf("transaction block %v", tx)
	}
	if got["version"] != "1.00" || got["txnCode"] != "1000" || len(got["randomNumber"].(string)) != 128 {
		t.Fatalf("header fields %v", got)
	}
	if _, err := time.Parse(dateTimeLayout, got["requestDateTime"].(string)); err != nil {
		t.Fatal(err)
	}
	cancel, _ := newRequest(txnCancel, "M", "T", "ORDER1").encode()
	var c map[string]any
	json.Unmarshal(cancel, &c)
	for _, k := range []string{"card", "transaction", "customer", "secureTransaction"} {
		if _, ok := c[k]; ok {
			t.Errorf("cancel carries %s", k)
		}
	}
}
