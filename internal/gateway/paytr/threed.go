package paytr

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/money"
)

// Buyer placeholders: PayTR requires the buyer's e-mail, name, address and
// phone; Kasa collects only the e-mail (optional) and, on its own card
// page, the holder's name, which a 3d_host payment does not have.
const (
	placeholderEmail   = "noreply@kasa.invalid"
	placeholderName    = "Kasa Müşterisi"
	placeholderAddress = "Türkiye"
	placeholderPhone   = "0000000000"
)

// timeoutLimit is how many minutes the customer has on PayTR's page: the
// life of Kasa's 3-D Secure attempt (payment.VaultTTL).
const timeoutLimit = "30"

// Notification fields. The first four are signed (hash covers the order
// id, status and total amount); the rest are informational.
const (
	fieldOID          = "merchant_oid"
	fieldStatus       = "status"
	fieldTotal        = "total_amount"
	fieldHash         = "hash"
	fieldReasonCode   = "failed_reason_code"
	fieldReasonMsg    = "failed_reason_msg"
	fieldPaymentAmt   = "payment_amount"
	fieldCurrency     = "currency"
	statusSuccess     = "success"
	statusFailed      = "failed"
	maxNotifyFieldLen = 1024
)

// Start3D gets an iFrame token and sends the browser to PayTR's page.
func (g *Gateway) Start3D(ctx context.Context, req *gateway.ThreeDRequest) (*gateway.ThreeDForm, *gateway.Result) {
	switch {
	case req.Model != gateway.Model3DHost:
		return nil, gateway.RejectLocal(fmt.Errorf("paytr: 3D model %q not offered", req.Model), gateway.ReasonNotPermitted)
	case !req.Capture:
		return nil, gateway.RejectLocal(errors.New("paytr: the iFrame API has no pre-authorisation"), gateway.ReasonNotPermitted)
	}
	if err := checkOrder(req.Order, true); err != nil {
		return nil, gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	if req.Installments < 0 || req.Installments > 12 || (req.Installments > 1 && req.Amount.Currency.Code != money.TRY.Code) {
		return nil, gateway.RejectLocal(fmt.Errorf("paytr: %d instalments in %s not offered", req.Installments, req.Amount.Currency.Code), gateway.ReasonInstallments)
	}
	if !gateway.ValidEndpoint(req.OkURL) || !gateway.ValidEndpoint(req.FailURL) {
		return nil, gateway.RejectLocal(errors.New("paytr: success and failure URLs must be absolute http(s) URLs"), gateway.ReasonInvalidTxn)
	}
	if req.ClientIP == "" || len(req.ClientIP) > 39 {
		return nil, gateway.RejectLocal(errors.New("paytr: the customer's IP address is required (customer.ip)"), gateway.ReasonInvalidTxn)
	}
	email := req.Email
	if email == "" || len(email) > 100 {
		email = placeholderEmail
	}
	name := req.Card.Holder
	if name == "" || len(name) > 60 {
		name = placeholderName
	}
	// A single payment hides PayTR's instalment choice; otherwise the
	// customer may pick up to the requested count on PayTR's page.
	noInst, maxInst := "1", "0"
	if req.Installments > 1 {
		noInst, maxInst = "0", itoa(req.Installments)
	}
	lang := "tr"
	if req.Lang == "en" {
		lang = "en"
	}
	tf := TokenFields{
		MerchantID: g.merchantID, UserIP: req.ClientIP, MerchantOID: req.OrderID, Email: email,
		PaymentAmount: FormatAmount(req.Amount), UserBasket: Basket("Sipariş "+req.OrderID, req.Amount),
		NoInstallment: noInst, MaxInstallment: maxInst, Currency: CurrencyCode(req.Amount.Currency), TestMode: g.testModeField(),
	}
	f := url.Values{
		"merchant_id":       {tf.MerchantID},
		"user_ip":           {tf.UserIP},
		"merchant_oid":      {tf.MerchantOID},
		"email":             {tf.Email},
		"payment_amount":    {tf.PaymentAmount},
		"paytr_token":       {GetTokenHash(g.key, g.salt, tf)},
		"user_basket":       {tf.UserBasket},
		"debug_on":          {tf.TestMode},
		"no_installment":    {tf.NoInstallment},
		"max_installment":   {tf.MaxInstallment},
		"user_name":         {name},
		"user_address":      {placeholderAddress},
		"user_phone":        {placeholderPhone},
		"merchant_ok_url":   {req.OkURL},
		"merchant_fail_url": {req.FailURL},
		"timeout_limit":     {timeoutLimit},
		"currency":          {tf.Currency},
		"test_mode":         {tf.TestMode},
		"lang":              {lang},
	}
	data, res := g.post(ctx, PathGetToken, f)
	if res != nil {
		return nil, res
	}
	r, err := ParseTokenReply(data)
	if err != nil {
		u := gateway.Unusable(ErrBadResponse, err)
		return nil, &u
	}
	if r.Status != "success" {
		return nil, &gateway.Result{Outcome: gateway.Rejected, Reason: gateway.ReasonInvalidTxn, BankMessage: r.Reason}
	}
	// No fields: Kasa's hand-off page opens the page with a GET.
	return &gateway.ThreeDForm{URL: g.base + PathIframe + r.Token}, &gateway.Result{Outcome: gateway.Approved}
}

func callbackErr(format string, a ...any) error {
	return &gateway.CallbackError{Reason: fmt.Sprintf(format, a...)}
}

// single returns a field that must occur at most once; required fields
// must be present and non-empty.
func single(form url.Values, name string, required bool) (string, error) {
	v := form[name]
	switch {
	case len(v) > 1:
		return "", callbackErr("field %s repeated", name)
	case len(v) == 0 || v[0] == "":
		if required {
			return "", callbackErr("field %s missing", name)
		}
		return "", nil
	case len(v[0]) > maxNotifyFieldLen:
		return "", callbackErr("field %s too long", name)
	}
	return v[0], nil
}

// NotificationOrder names the order of a notification, unverified.
func (g *Gateway) NotificationOrder(form url.Values) (string, error) {
	oid, err := single(form, fieldOID, true)
	if err != nil {
		return "", err
	}
	if err := descriptor.CheckOrderID(oid, alnum); err != nil {
		return "", callbackErr("%v", err)
	}
	return oid, nil
}

// NotificationReply is PayTR's expected answer: the plain text OK, which
// stops its retries; anything else makes PayTR try again later.
func (g *Gateway) NotificationReply(ok bool) (int, string, string) {
	if ok {
		return http.StatusOK, "text/plain; charset=utf-8", "OK"
	}
	return http.StatusBadRequest, "text/plain; charset=utf-8", "PAYTR notification failed"
}

// Verify3D verifies a PayTR notification: the hash over merchant_oid,
// status and total_amount first (constant time, PayTR's fixed recipe; a
// missing or repeated signed field is a rejection), then that it is about
// this attempt's order, that the unsigned payment_amount and currency,
// where present, are the attempt's, and that a success collected at least
// the attempt's amount. PayTR provisioned itself, so the result carries
// its verdict as Provision.
func (g *Gateway) Verify3D(_ context.Context, cb *gateway.ThreeDCallback) (*gateway.ThreeDResult, error) {
	if cb == nil {
		return nil, callbackErr("no notification")
	}
	if cb.Model != "" && cb.Model != gateway.Model3DHost {
		return nil, callbackErr("model %q not offered", cb.Model)
	}
	signed := map[string]string{}
	for _, name := range []string{fieldOID, fieldStatus, fieldTotal, fieldHash} {
		v, err := single(cb.Form, name, true)
		if err != nil {
			return nil, err
		}
		signed[name] = v
	}
	want := NotificationHash(g.key, g.salt, signed[fieldOID], signed[fieldStatus], signed[fieldTotal])
	if !equalHash(signed[fieldHash], want) {
		return nil, callbackErr("hash does not verify")
	}
	// Only now is anything in the notification read.
	exp := cb.Expected
	if signed[fieldOID] != exp.OrderID {
		return nil, callbackErr("merchant_oid %q is not order %q", signed[fieldOID], exp.OrderID)
	}
	status := signed[fieldStatus]
	if status != statusSuccess && status != statusFailed {
		return nil, callbackErr("status %q", status)
	}
	total, err := ParseMinor(signed[fieldTotal], exp.Amount.Currency)
	if err != nil {
		return nil, callbackErr("total_amount %q", signed[fieldTotal])
	}
	info := map[string]string{}
	for _, name := range []string{fieldReasonCode, fieldReasonMsg, fieldPaymentAmt, fieldCurrency} {
		v, err := single(cb.Form, name, false)
		if err != nil {
			return nil, err
		}
		info[name] = v
	}
	if v := info[fieldPaymentAmt]; v != "" {
		if a, err := ParseMinor(v, exp.Amount.Currency); err != nil || a.Minor != exp.Amount.Minor {
			return nil, callbackErr("payment_amount %q differs from the attempt's %d", v, exp.Amount.Minor)
		}
	}
	if v := info[fieldCurrency]; v != "" {
		if c, ok := ParseCurrencyCode(v); !ok || c.Code != exp.Amount.Currency.Code {
			return nil, callbackErr("currency %q differs from the attempt's %s", v, exp.Amount.Currency.Code)
		}
	}
	res := &gateway.ThreeDResult{Auth: gateway.AuthFull, MDStatus: status}
	if status == statusSuccess {
		if total.Minor < exp.Amount.Minor {
			return nil, callbackErr("total_amount %d is below the attempt's %d", total.Minor, exp.Amount.Minor)
		}
		res.Provision = &gateway.Result{Outcome: gateway.Approved, BankMessage: "PayTR: ödeme başarılı"}
		return res, nil
	}
	code, msg := info[fieldReasonCode], info[fieldReasonMsg]
	res.MDText = msg
	res.Provision = &gateway.Result{Outcome: gateway.Declined, Reason: failedReason(code, msg), BankCode: code, BankMessage: msg}
	if res.Provision.BankCode == "" {
		res.Provision.BankCode = statusFailed
	}
	return res, nil
}
