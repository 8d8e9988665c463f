package akbank

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/money"
)

// 3D Secure on Akbank: the browser posts a form signed with Hash3DForm to
// the securepay gate (payhosting for the hosted card page); the bank
// authenticates the cardholder and posts the result back to okUrl or
// failUrl, signed as described in hash.go.
//
// Kasa's models map to Akbank's paymentModel:
//
//	3d      → 3D              card on Kasa's form; Kasa provisions (Complete3D)
//	3d_pay  → 3D_PAY          card on Kasa's form; the bank provisions
//	3d_host → 3D_PAY_HOSTING  the bank hosts the card page and provisions
var paymentModels = map[string]string{
	gateway.Model3D:     "3D",
	gateway.Model3DPay:  "3D_PAY",
	gateway.Model3DHost: "3D_PAY_HOSTING",
}

// Session keys: what Verify3D binds the callback to, beyond cb.Expected.
const (
	sessionModel        = "paymentModel"
	sessionInstallCount = "installCount"
)

// Kasa's 3D Host page is payhosting, next to the securepay gate.
const (
	gatePath    = "/securepay"
	hostingPath = "/payhosting"
)

// The operations Akbank offers for 3D Secure.
var (
	_ gateway.ThreeDStarter   = (*Gateway)(nil)
	_ gateway.ThreeDVerifier  = (*Gateway)(nil)
	_ gateway.ThreeDCompleter = (*Gateway)(nil)
)

// Start3D builds the gate form. No bank call is made; the Result is Approved
// with the form, or Rejected when the request cannot be sent.
func (g *Gateway) Start3D(_ context.Context, req *gateway.ThreeDRequest) (*gateway.ThreeDForm, *gateway.Result) {
	model, ok := paymentModels[req.Model]
	if !ok {
		return nil, gateway.RejectLocal(fmt.Errorf("akbank: 3D model %q not supported", req.Model), gateway.ReasonInvalidTxn)
	}
	gate, err := g.gateURL(req.Model)
	if err != nil {
		return nil, gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	if err := checkOrder(req.Order, true); err != nil {
		return nil, gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	if req.Installments < 0 {
		return nil, gateway.RejectLocal(errors.New("akbank: negative installment count"), gateway.ReasonInstallments)
	}
	for _, u := range []string{req.OkURL, req.FailURL} {
		if err := checkURL(u); err != nil {
			return nil, gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
		}
	}
	withCard := req.Model != gateway.Model3DHost
	if withCard && req.Card.PAN.IsZero() {
		return nil, gateway.RejectLocal(errors.New("akbank: card number missing"), gateway.ReasonInvalidCard)
	}
	lang := "TR"
	if req.Lang == "en" {
		lang = "EN"
	}
	txnCode := txn3DPreAuth
	if req.Capture {
		txnCode = txn3DSale
	}
	install := strconv.Itoa(FormatInstallments(req.Installments))
	fields := []gateway.Field{
		{Name: "paymentModel", Value: model},
		{Name: "txnCode", Value: txnCode},
		{Name: "merchantSafeId", Value: g.merchantSafeID},
		{Name: "terminalSafeId", Value: g.terminalSafeID},
		{Name: "orderId", Value: req.OrderID},
		{Name: "lang", Value: lang},
		{Name: "amount", Value: FormatAmount(req.Amount)},
		{Name: "currencyCode", Value: req.Amount.Currency.Numeric},
		{Name: "installCount", Value: install},
		{Name: "okUrl", Value: req.OkURL},
		{Name: "failUrl", Value: req.FailURL},
		{Name: "randomNumber", Value: newRandomNumber()},
		{Name: "requestDateTime", Value: FormatDateTime(now())},
	}
	if g.subMerchantID != "" {
		fields = append(fields, gateway.Field{Name: "subMerchantId", Value: g.subMerchantID})
	}
	if req.Email != "" {
		fields = append(fields, gateway.Field{Name: "emailAddress", Value: req.Email})
	}
	if withCard {
		fields = append(fields,
			gateway.Field{Name: "creditCard", Value: req.Card.PAN.Reveal()},
			gateway.Field{Name: "expiredDate", Value: FormatExpiry(req.Card.Expiry)},
			gateway.Field{Name: "cvv", Value: req.Card.CVV.Reveal()},
		)
	}
	signed := make(map[string]string, len(fields))
	for _, f := range fields {
		signed[f.Name] = f.Value
	}
	fields = append(fields, gateway.Field{Name: "hash", Value: Hash3DForm(signed, g.secretKey)})
	session := map[string]string{sessionModel: model, sessionInstallCount: install}
	return &gateway.ThreeDForm{URL: gate, Fields: fields, Session: session}, &gateway.Result{Outcome: gateway.Approved}
}

// gateURL is the securepay gate, or for 3D Host the payhosting page beside it.
func (g *Gateway) gateURL(model string) (string, error) {
	if err := checkURL(g.gate); err != nil {
		return "", errors.New("akbank: 3D gate endpoint is required for 3D Secure")
	}
	if model != gateway.Model3DHost {
		return g.gate, nil
	}
	base, ok := strings.CutSuffix(strings.TrimRight(g.gate, "/"), gatePath)
	if !ok {
		return "", fmt.Errorf("akbank: 3D gate %q does not end in %s; the payhosting page cannot be derived", g.gate, gatePath)
	}
	return base + hostingPath, nil
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("akbank: invalid URL %q", s)
	}
	return nil
}

func callbackErr(format string, a ...any) error {
	return &gateway.CallbackError{Reason: fmt.Sprintf(format, a...)}
}

var (
	reResponseCode = regexp.MustCompile(`^VPS-[0-9]{4}$`)
	reTxnCode      = regexp.MustCompile(`^[0-9]{4}$`)
	reDateTime     = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,3})?$`)
)

// Verify3D checks a callback and extracts its result. Order of work: refuse
// a callback with no attempt behind it or an ambiguous form, verify the hash
// over the model's fixed field list (never the posted hashParams) in
// constant time, and only then read fields. The signed order id must be the
// attempt's. Akbank signs neither the amount nor the currency: they are bound
// by the form hash the bank checked before authenticating, and Kasa never
// reads them from the callback; an echoed amount, currency or installment
// count (unsigned) that contradicts the attempt is refused all the same.
func (g *Gateway) Verify3D(_ context.Context, cb *gateway.ThreeDCallback) (*gateway.ThreeDResult, error) {
	model, ok := paymentModels[cb.Model]
	if !ok {
		return nil, fmt.Errorf("akbank: 3D model %q not supported", cb.Model)
	}
	if cb.Session[sessionModel] == "" {
		// No attempt was started (or its session expired): whatever was
		// posted cannot be the bank's answer to it.
		return nil, callbackErr("no 3D attempt was started for this payment")
	}
	if cb.Session[sessionModel] != model {
		return nil, callbackErr("attempt used paymentModel %q, callback is for %q", cb.Session[sessionModel], model)
	}
	fields, err := callbackFields(cb.Form)
	if err != nil {
		return nil, err
	}
	signed := callbackPayFields
	if cb.Model == gateway.Model3D {
		signed = callback3DFields
	}
	if !verifyCallback(fields, signed, g.secretKey, fields["hash"]) {
		return nil, callbackErr("hash does not verify")
	}

	code := fields["responseCode"]
	if !reResponseCode.MatchString(code) {
		return nil, callbackErr("responseCode %q malformed", code)
	}
	if fields["orderId"] != cb.Expected.OrderID {
		return nil, callbackErr("order id %q is not the attempt's", fields["orderId"])
	}
	if err := matchEchoes(fields, cb); err != nil {
		return nil, err
	}
	approved := code == codeApproved
	// Every callback past authentication names this POS, its transaction
	// and its time; only the early failure form (responseCode, message,
	// orderId) leaves them empty.
	if approved || fields["txnCode"] != "" {
		if fields["merchantSafeId"] != g.merchantSafeID || fields["terminalSafeId"] != g.terminalSafeID {
			return nil, callbackErr("callback is for another merchant or terminal")
		}
		if !reTxnCode.MatchString(fields["txnCode"]) || !reDateTime.MatchString(fields["txnDateTime"]) {
			return nil, callbackErr("txnCode %q or txnDateTime %q malformed", fields["txnCode"], fields["txnDateTime"])
		}
	}

	res := &gateway.ThreeDResult{
		Auth:     gateway.AuthFailed,
		MDStatus: code,
		MDText:   fields["responseMessage"],
		ECI:      fields["secureEcomInd"],
		CAVV:     fields["secureData"],
		XID:      fields["secureId"],
		MD:       fields["secureMd"],
	}
	if cb.Model == gateway.Model3D {
		if approved {
			if fields["secureMd"] == "" || fields["secureData"] == "" {
				return nil, callbackErr("signed 3D evidence missing")
			}
			res.Auth = authLevel(fields["secureEcomInd"])
		}
		return res, nil
	}
	p, err := provision(fields, cb.Capture)
	if err != nil {
		return nil, err
	}
	// The bank provisions only after authenticating the cardholder; it
	// reports neither the ECI nor whether it was an attempt.
	if p.Outcome == gateway.Approved || fields["hostResponseCode"] != "" {
		res.Auth = gateway.AuthFull
	}
	res.Provision = p
	return res, nil
}

// authLevel maps the 3D model's secureEcomInd. Akbank sends the Mastercard
// values for every brand (02 for a fully authenticated Visa card in its
// captured replies), so both brands' values are read: 05/02 full, 06/01
// attempted; anything else is not an authentication.
func authLevel(eci string) gateway.AuthLevel {
	switch eci {
	case "05", "02":
		return gateway.AuthFull
	case "06", "01":
		return gateway.AuthAttempted
	}
	return gateway.AuthFailed
}

// callbackFields flattens the form. A field posted twice or two names equal
// but for case make the form ambiguous and are refused before any hashing.
func callbackFields(form url.Values) (map[string]string, error) {
	fields := make(map[string]string, len(form))
	seen := make(map[string]string, len(form))
	for k, v := range form {
		if len(v) != 1 {
			return nil, callbackErr("field %q posted %d times", k, len(v))
		}
		lk := strings.ToLower(k)
		if other, dup := seen[lk]; dup {
			return nil, callbackErr("fields %q and %q differ only in case", other, k)
		}
		seen[lk] = k
		fields[k] = v[0]
	}
	if fields["hash"] == "" {
		return nil, callbackErr("no hash")
	}
	return fields, nil
}

// matchEchoes compares the unsigned amount, currency and installment fields
// a callback may echo with the attempt. Absent fields are fine: Akbank does
// not send them.
func matchEchoes(fields map[string]string, cb *gateway.ThreeDCallback) error {
	want := cb.Expected.Amount
	if v, ok := fields["currencyCode"]; ok && v != want.Currency.Numeric {
		return callbackErr("currency %q, attempt is %s", v, want.Currency.Numeric)
	}
	if v, ok := fields["amount"]; ok {
		a, err := money.ParseDecimal(v, want.Currency)
		if err != nil || a.Minor != want.Minor {
			return callbackErr("amount %q, attempt is %s", v, FormatAmount(want))
		}
	}
	if v, ok := fields["installCount"]; ok && v != cb.Session[sessionInstallCount] {
		return callbackErr("installCount %q, attempt had %q", v, cb.Session[sessionInstallCount])
	}
	return nil
}

// provision reads the bank's provisioning result from a 3D_PAY or
// 3D_PAY_HOSTING callback. The transaction must be the attempt's kind
// (1000 sale, 1004 pre-auth) when the bank names one.
func provision(fields map[string]string, capture bool) (*gateway.Result, error) {
	want := txnPreAuth
	if capture {
		want = txnSale
	}
	if tc := fields["txnCode"]; tc != "" && tc != want {
		return nil, callbackErr("txnCode %q, attempt is %s", tc, want)
	}
	resp := &Response{
		TxnCode:          fields["txnCode"],
		ResponseCode:     fields["responseCode"],
		ResponseMessage:  fields["responseMessage"],
		HostResponseCode: fields["hostResponseCode"],
		HostMessage:      fields["hostMessage"],
		TxnDateTime:      fields["txnDateTime"],
		OrderID:          fields["orderId"],
		AuthCode:         fields["authCode"],
		RRN:              fields["rrn"],
		BatchNumber:      fields["batchNumber"],
	}
	res := classify(resp)
	if res.Outcome == gateway.Rejected && resp.HostResponseCode == "" {
		// Authentication failed or the gate refused the form: nothing was
		// provisioned. For the payment that is a decline.
		res.Outcome = gateway.Declined
		if resp.ResponseCode == code3DFailed {
			res.Reason = gateway.ReasonOther
		}
	}
	return res, nil
}

// Complete3D provisions a 3D-model payment: a sale (1000) or pre-auth (1004)
// carrying the 3D evidence in secureTransaction instead of card data.
// Amount, currency and installments come from the request (Kasa's stored
// attempt), never from the callback. A failed authentication is refused
// without a bank call; whether attempted (half-secure) results may be
// provisioned is the merchant's policy, decided before calling.
func (g *Gateway) Complete3D(ctx context.Context, req *gateway.ThreeDCompleteRequest) *gateway.Result {
	if err := checkOrder(req.Order, true); err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	if req.Installments < 0 {
		return gateway.RejectLocal(errors.New("akbank: negative installment count"), gateway.ReasonInstallments)
	}
	tr := req.Result
	switch {
	case tr == nil:
		return gateway.RejectLocal(errors.New("akbank: no verified 3D result"), gateway.ReasonInvalidTxn)
	case tr.Auth != gateway.AuthFull && tr.Auth != gateway.AuthAttempted:
		return gateway.RejectLocal(fmt.Errorf("akbank: 3D authentication failed (%s)", tr.MDStatus), gateway.ReasonNotPermitted)
	case tr.MD == "" || tr.CAVV == "":
		return gateway.RejectLocal(errors.New("akbank: 3D result has no secureMd/secureData"), gateway.ReasonInvalidTxn)
	}
	code := txnPreAuth
	if req.Capture {
		code = txnSale
	}
	r := g.request(code, req.OrderID)
	r.Transaction = payment(req.Amount, req.Installments)
	r.SecureTransaction = &secureTransaction{SecureID: tr.XID, SecureEcomInd: tr.ECI, SecureData: tr.CAVV, SecureMd: tr.MD}
	r.Customer = customer(req.ClientIP)
	return g.do(ctx, r)
}
