// Package paytr is Kasa's adapter for PayTR's iFrame API, a Turkish payment
// institution's hosted payment page.
//
// Flow (Kasa model 3d_host; PayTR takes cards only on its own page, so the
// descriptor is ThreeDOnly):
//
//  1. Start3D posts get-token (form-encoded, signed with paytr_token =
//     base64(HMAC-SHA256(merchant_key, merchant_id + user_ip + merchant_oid
//     + email + payment_amount + user_basket + no_installment +
//     max_installment + currency + test_mode + merchant_salt))) and sends
//     the browser to https://www.paytr.com/odeme/guvenli/{token}, which PayTR
//     documents as an iframe source; Kasa opens it as a full page.
//  2. The customer types the card and passes 3-D Secure on PayTR's pages;
//     PayTR provisions. The browser then comes back to merchant_ok_url or
//     merchant_fail_url with nothing signed: Kasa only waits there.
//  3. PayTR posts the result server to server to the "Bildirim URL" the
//     merchant set once in PayTR's panel — Kasa's /notify/{pos_id} — with
//     hash = base64(HMAC-SHA256(merchant_key, merchant_oid + merchant_salt +
//     status + total_amount)), and retries until the answer is the plain
//     text OK. Verify3D checks that hash before reading anything else.
//
// Only merchant_oid, status and total_amount are signed. payment_amount and
// currency are compared with the attempt when present, as a consistency
// check, never trusted; total_amount may exceed the attempt's amount by
// instalment interest and must never be below it. installment_count is not
// signed and is not used.
//
// Refunds (full and partial) use /odeme/iade and the status inquiry
// /odeme/durum-sorgu. PayTR's pre-provision (ön provizyon) API is not
// implemented: its details could not be confirmed, so the adapter offers
// no pre-authorisation, capture or void.
//
// Test mode: PayTR has one host; test transactions carry test_mode=1. The
// adapter sends test_mode=1 unless the POS's environment is "production"
// (Kasa refuses production environments on test-mode POS), so a test POS
// can never make a live charge.
//
// Not verified against PayTR (documented in what Kasa could read, or not
// at all): the JSON shape of the status inquiry's "returns" and its amount
// format (decimal major units assumed), the status inquiry's error numbers
// (any error is treated as a failed query), the refund error numbers
// (taken from an integrator's copy of PayTR's table), and whether PayTR
// accepts Kasa's placeholders for the buyer's name, address and phone,
// which Kasa does not collect.
package paytr

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/money"
)

// Name is the registry key.
const Name = "paytr"

// MaxOrderID is merchant_oid's limit: up to 64 letters and digits.
const MaxOrderID = 64

// Credential keys.
const (
	CredMerchantID   = "merchant_id"
	CredMerchantKey  = "merchant_key"
	CredMerchantSalt = "merchant_salt"
)

const contentType = "application/x-www-form-urlencoded"

var descriptor = &gateway.Descriptor{
	Name:  Name,
	Title: "PayTR (payment institution, iFrame API)",
	Credentials: []gateway.CredentialField{
		{Key: CredMerchantID, Label: "Mağaza No (merchant_id)", Help: "PayTR Mağaza Paneli → Destek & Kurulum → Entegrasyon Bilgileri.", Required: true},
		{Key: CredMerchantKey, Label: "Mağaza Parola (merchant_key)", Help: "Signs requests and verifies PayTR's notifications.", Secret: true, Required: true},
		{Key: CredMerchantSalt, Label: "Mağaza Gizli Anahtar (merchant_salt)", Help: "Signs requests and verifies PayTR's notifications.", Secret: true, Required: true},
	},
	Currencies:   []money.Currency{money.TRY, money.USD, money.EUR, money.GBP},
	ThreeDModels: []string{gateway.Model3DHost},
	// One host for both: the preset's environment decides test_mode.
	Presets: []gateway.Preset{
		{Name: "paytr-test", Bank: "paytr", Environment: "test", Endpoints: gateway.Endpoints{API: "https://www.paytr.com"}},
		{Name: "paytr-production", Bank: "paytr", Environment: "production", Endpoints: gateway.Endpoints{API: "https://www.paytr.com"}},
	},
	MaxOrderID: MaxOrderID,
	ThreeDOnly: true,
	NotifyHelp: "PayTR Mağaza Paneli → Destek & Kurulum → Ayarlar → Bildirim URL: PayTR posts every payment's result there and Kasa answers OK.",
}

func init() {
	descriptor.New = gateway.Constructor(New)
	gateway.Register(descriptor)
}

// Descriptor returns the registered descriptor of the protocol.
func Descriptor() *gateway.Descriptor { return descriptor }

// Gateway talks to one PayTR store. It is safe for concurrent use.
type Gateway struct {
	merchantID string
	key, salt  string
	base       string // API base, without a trailing slash
	testMode   bool
	client     *http.Client
}

// The operations PayTR's iFrame API supports.
var (
	_ gateway.Gateway        = (*Gateway)(nil)
	_ gateway.Refunder       = (*Gateway)(nil)
	_ gateway.StatusQuerier  = (*Gateway)(nil)
	_ gateway.ThreeDStarter  = (*Gateway)(nil)
	_ gateway.ThreeDVerifier = (*Gateway)(nil)
	_ gateway.Notifier       = (*Gateway)(nil)
)

// New builds a gateway from credentials and the API base URL
// (https://www.paytr.com).
func New(cfg gateway.Config) (*Gateway, error) {
	if err := descriptor.Validate(cfg.Credentials); err != nil {
		return nil, err
	}
	if !gateway.ValidEndpoint(cfg.Endpoints.API) {
		return nil, fmt.Errorf("paytr: invalid API endpoint %q", cfg.Endpoints.API)
	}
	base, _ := url.Parse(strings.TrimRight(cfg.Endpoints.API, "/"))
	base.RawQuery, base.Fragment = "", ""
	c := cfg.Credentials
	return &Gateway{merchantID: c[CredMerchantID], key: c[CredMerchantKey], salt: c[CredMerchantSalt],
		base: base.String(), testMode: cfg.Environment != "production", client: cfg.Client()}, nil
}

func (g *Gateway) testModeField() string {
	if g.testMode {
		return "1"
	}
	return "0"
}

// Authorize refuses: PayTR's iFrame API takes cards only on PayTR's page
// (the descriptor is ThreeDOnly, so Kasa never routes a plain sale here).
func (g *Gateway) Authorize(context.Context, *gateway.AuthorizeRequest) *gateway.Result {
	return gateway.RejectLocal(errors.New("paytr: the iFrame API has no non-3D sale"), gateway.ReasonNotPermitted)
}

// alnum is merchant_oid's rule: letters and digits only.
func alnum(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
}

func checkOrder(o gateway.Order, needAmount bool) error {
	return descriptor.CheckOrder(o, needAmount, alnum)
}

// post sends a form to path and returns the body; a non-nil Result is a
// transport failure, classified.
func (g *Gateway) post(ctx context.Context, path string, f url.Values) ([]byte, *gateway.Result) {
	data, terr := gateway.Post(ctx, g.client, g.base+path, contentType, []byte(f.Encode()), nil)
	if terr != nil {
		return nil, terr.Result()
	}
	return data, nil
}

// Refund returns an amount of a payment (/odeme/iade). PayTR needs the
// amount even for a full refund: without one, the status inquiry tells
// what remains.
func (g *Gateway) Refund(ctx context.Context, req *gateway.RefundRequest) *gateway.Result {
	full := req.Full && req.Amount.Minor == 0
	if err := checkOrder(req.Order, !full); err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	amount := req.Amount
	if full {
		st := g.Status(ctx, req.OrderID)
		if st.Outcome != gateway.Approved {
			return gateway.LookupFailed(&st.Result)
		}
		c := req.Amount.Currency
		if c.IsZero() {
			c = money.TRY
		}
		amount = money.New(st.CapturedAmount-st.RefundedAmount, c)
		if amount.Minor <= 0 {
			return gateway.RejectLocal(errors.New("paytr: nothing left to refund"), gateway.ReasonInvalidTxn)
		}
	}
	ret := FormatReturnAmount(amount)
	f := url.Values{
		"merchant_id":   {g.merchantID},
		"merchant_oid":  {req.OrderID},
		"return_amount": {ret},
		"paytr_token":   {RefundHash(g.key, g.salt, g.merchantID, req.OrderID, ret)},
	}
	data, res := g.post(ctx, PathRefund, f)
	if res != nil {
		return res
	}
	r, err := ParseRefundReply(data)
	if err != nil {
		u := gateway.Unusable(ErrBadResponse, err)
		return &u
	}
	if r.Status != "success" {
		return refundResult(r)
	}
	// A success must be about this refund: an echo of another order or
	// amount cannot be trusted, and money may have moved.
	if (r.MerchantOID != "" && r.MerchantOID != req.OrderID) || (r.ReturnAmount != "" && !sameAmount(r.ReturnAmount, amount)) {
		u := gateway.Unusable(ErrBadResponse, fmt.Errorf("refund reply for %q of %q", r.MerchantOID, r.ReturnAmount))
		return &u
	}
	return &gateway.Result{Outcome: gateway.Approved, BankMessage: "refund accepted"}
}

func sameAmount(s string, a money.Amount) bool {
	got, err := ParseDecimal(s, a.Currency)
	return err == nil && got.Minor == a.Minor
}

// Status asks /odeme/durum-sorgu for an order. A success reply is a paid
// order: its payment_amount was captured (PayTR has no pre-authorisation in
// this API) and its returns were refunded. An error reply is a failed
// query (Rejected): PayTR's error numbers for an unknown or unpaid order
// are not verified, so no state is inferred from them.
func (g *Gateway) Status(ctx context.Context, orderID string) *gateway.StatusResult {
	if err := checkOrder(gateway.Order{OrderID: orderID}, false); err != nil {
		return &gateway.StatusResult{Result: *gateway.RejectLocal(err, gateway.ReasonInvalidTxn)}
	}
	f := url.Values{
		"merchant_id":  {g.merchantID},
		"merchant_oid": {orderID},
		"paytr_token":  {StatusHash(g.key, g.salt, g.merchantID, orderID)},
	}
	data, res := g.post(ctx, PathStatus, f)
	if res != nil {
		return &gateway.StatusResult{Result: *res}
	}
	r, err := ParseStatusReply(data)
	if err != nil {
		return &gateway.StatusResult{Result: gateway.Unusable(ErrBadResponse, err)}
	}
	if r.Status != "success" {
		return &gateway.StatusResult{Result: gateway.Result{Outcome: gateway.Rejected, Reason: gateway.ReasonInvalidTxn,
			BankCode: r.ErrNo, BankErrorCode: r.ErrNo, BankMessage: r.ErrMsg}}
	}
	cur, ok := ParseCurrencyCode(r.Currency)
	if !ok && r.Currency == "" {
		cur, ok = money.TRY, true
	}
	if !ok {
		return &gateway.StatusResult{Result: gateway.Unusable(ErrBadResponse, fmt.Errorf("currency %q", r.Currency))}
	}
	paid, err := ParseDecimal(r.PaymentAmount, cur)
	if err != nil {
		return &gateway.StatusResult{Result: gateway.Unusable(ErrBadResponse, err)}
	}
	st := &gateway.StatusResult{Result: gateway.Result{Outcome: gateway.Approved}}
	st.AddTxn(gateway.TxnSale, paid.Minor)
	for _, s := range r.Returns {
		a, err := ParseDecimal(s, cur)
		if err != nil {
			return &gateway.StatusResult{Result: gateway.Unusable(ErrBadResponse, err)}
		}
		st.AddTxn(gateway.TxnRefund, a.Minor)
	}
	st.State = st.StateFromAmounts(false)
	return st
}
