package payflexcp

import (
	"errors"
	"testing"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/money"
)

// A query reply in the shape captured from the bank (mewebstudio/pos
// PayFlexCPV4PosResponseDataMapperTest, re-typed as XML).
const sampleQuery = `<VposQueryResponse><Rc>0000</Rc><AuthCode>735879</AuthCode><Rrn>306822971283</Rrn>` +
	`<Message>İŞLEM BAŞARILI</Message><TransactionId>3ee068d5b5a747ada65dafc0016d5887</TransactionId>` +
	`<PaymentToken>b35a56bf37334872a945afc0016d5887</PaymentToken><MaskedPan>49384601****4205</MaskedPan>` +
	`<HostMerchantId>000100000013506</HostMerchantId><AmountCode>949</AmountCode><Amount>1,01</Amount>` +
	`<TransactionType>Sale</TransactionType><OrderID>2023030913ED</OrderID><InstallmentCount></InstallmentCount>` +
	`<HostDate>20230309221037</HostDate></VposQueryResponse>`

func TestParseTransaction(t *testing.T) {
	x, err := ParseTransaction([]byte(sampleQuery))
	if err != nil {
		t.Fatal(err)
	}
	if x.Rc != "0000" || x.OrderID != "2023030913ED" || x.Amount != "1,01" || x.PaymentToken != "b35a56bf37334872a945afc0016d5887" {
		t.Fatalf("parsed %+v", x)
	}
	for _, bad := range []string{"", "<VposQueryResponse/>", "<html>"} {
		if _, err := ParseTransaction([]byte(bad)); !errors.Is(err, ErrBadResponse) {
			t.Errorf("ParseTransaction(%q) err = %v", bad, err)
		}
	}
}

func TestParseAmount(t *testing.T) {
	for s, want := range map[string]int64{"1,01": 101, "1.01": 101, "100,00": 10000, "0,5": 50} {
		a, err := ParseAmount(s, money.TRY)
		if err != nil || a.Minor != want {
			t.Errorf("ParseAmount(%q) = %d, %v; want %d", s, a.Minor, err, want)
		}
	}
	for _, s := range []string{"1.234,50", "", "abc", "1,0,1"} {
		if _, err := ParseAmount(s, money.TRY); err == nil {
			t.Errorf("ParseAmount(%q) accepted", s)
		}
	}
}

func TestParseRegister(t *testing.T) {
	r, err := ParseRegister([]byte(`<RegisterResponse><CommonPaymentUrl>https://cp/SecurePayment</CommonPaymentUrl><PaymentToken>41ab</PaymentToken></RegisterResponse>`))
	if err != nil || r.PaymentToken != "41ab" || r.CommonPaymentURL != "https://cp/SecurePayment" {
		t.Fatalf("%+v %v", r, err)
	}
	if r, err := ParseRegister([]byte(`<RegisterResponse><ErrorCode>5002</ErrorCode></RegisterResponse>`)); err != nil || r.ErrorCode != "5002" {
		t.Fatalf("%+v %v", r, err)
	}
	for _, bad := range []string{"", "<RegisterResponse/>", "<Other><PaymentToken>x</PaymentToken></Other>"} {
		if _, err := ParseRegister([]byte(bad)); !errors.Is(err, ErrBadResponse) {
			t.Errorf("ParseRegister(%q) err = %v", bad, err)
		}
	}
}

func TestClassify(t *testing.T) {
	for rc, want := range map[string]struct {
		o gateway.Outcome
		r gateway.DeclineReason
	}{
		"0000": {gateway.Approved, gateway.ReasonNone},
		"0057": {gateway.Declined, gateway.ReasonNotPermitted}, // captured
		"0051": {gateway.Declined, gateway.ReasonInsufficientFunds},
		"0099": {gateway.Declined, gateway.ReasonOther},
		"2053": {gateway.Rejected, gateway.ReasonNotPermitted}, // captured: VeRes E
	} {
		res := classify(&Transaction{Rc: rc})
		if res.Outcome != want.o || res.Reason != want.r || res.BankCode != rc {
			t.Errorf("%s: %s/%s", rc, res.Outcome, res.Reason)
		}
	}
}

func FuzzParseTransaction(f *testing.F) {
	f.Add([]byte(sampleQuery))
	f.Add([]byte(`<x><ErrorCode>5010</ErrorCode></x>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if x, err := ParseTransaction(b); err == nil {
			classify(x)
			ParseAmount(x.Amount, money.TRY)
		}
	})
}

func FuzzParseRegister(f *testing.F) {
	f.Add([]byte(`<RegisterResponse><CommonPaymentUrl>u</CommonPaymentUrl><PaymentToken>t</PaymentToken></RegisterResponse>`))
	f.Fuzz(func(t *testing.T, b []byte) { ParseRegister(b) })
}
