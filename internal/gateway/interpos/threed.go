package interpos

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"

	"github.com/kasapos/kasa/internal/gateway"
)

// 3D Secure on InterVPOS: the browser posts a form signed with Hash3DForm to
// the gate (Default.aspx with the card for 3DModel and 3DPay; 3DHost.aspx,
// without it, for 3DHost); the bank authenticates the cardholder and posts
// the result back to OkUrl or FailUrl, signed over CallbackSigned.
//
//	3d      → SecureType 3DModel  Kasa provisions with the 3D evidence (Complete3D)
//	3d_pay  → SecureType 3DPay    the bank provisions and posts the result
//	3d_host → SecureType 3DHost   the bank's card page; it provisions too

// Session keys: the attempt's callback URLs, which the callback signs.
const (
	sessionOkURL   = "ok_url"
	sessionFailURL = "fail_url"
)

func secureTypeOf(model string) (string, bool) {
	switch model {
	case gateway.Model3D:
		return secure3DModel, true
	case gateway.Model3DPay:
		return secure3DPay, true
	case gateway.Model3DHost:
		return secure3DHost, true
	}
	return "", false
}

// Start3D builds the gate form. No bank call is made: the Result is Approved
// with the form, or Rejected when the request cannot be sent.
func (g *Gateway) Start3D(_ context.Context, req *gateway.ThreeDRequest) (*gateway.ThreeDForm, *gateway.Result) {
	secureType, ok := secureTypeOf(req.Model)
	switch {
	case !ok:
		return nil, gateway.RejectLocal(fmt.Errorf("interpos: 3D model %q not supported", req.Model), gateway.ReasonInvalidTxn)
	case g.gate == "":
		return nil, gateway.RejectLocal(errors.New("interpos: 3D gate endpoint is not configured"), gateway.ReasonInvalidTxn)
	case g.storeKey == "":
		return nil, gateway.RejectLocal(errors.New("interpos: store key is required for 3D Secure"), gateway.ReasonInvalidTxn)
	case req.Installments < 0:
		return nil, gateway.RejectLocal(errors.New("interpos: negative installment count"), gateway.ReasonInstallments)
	}
	if err := checkOrder(req.Order, true); err != nil {
		return nil, gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	for _, u := range []string{req.OkURL, req.FailURL} {
		if err := checkURL(u); err != nil {
			return nil, gateway.RejectLocal(fmt.Errorf("interpos: callback URL: %w", err), gateway.ReasonInvalidTxn)
		}
	}
	withCard := req.Model != gateway.Model3DHost
	if withCard && req.Card.PAN.IsZero() {
		return nil, gateway.RejectLocal(errors.New("interpos: card number missing"), gateway.ReasonInvalidCard)
	}
	lang := "tr"
	if req.Lang == "en" {
		lang = "en"
	}
	rnd, err := randomHex(16)
	if err != nil {
		return nil, gateway.RejectLocal(fmt.Errorf("interpos: random: %w", err), gateway.ReasonSystemError)
	}
	typ := txnType(req.Capture)
	amount := FormatAmount(req.Amount)
	inst := FormatInstallments(req.Installments)
	f := &form{}
	f.add("ShopCode", g.shopCode)
	f.add("TxnType", typ)
	f.add("SecureType", secureType)
	f.add("PurchAmount", amount)
	f.add("OrderId", req.OrderID)
	f.add("OkUrl", req.OkURL)
	f.add("FailUrl", req.FailURL)
	f.add("Rnd", rnd)
	f.add("Lang", lang)
	f.add("Currency", req.Amount.Currency.Numeric)
	f.add("InstallmentCount", inst)
	target := g.gate
	if withCard {
		f.addCard(req.Card)
	} else {
		target = hostGateURL(g.gate)
	}
	f.add("Hash", Hash3DForm(g.shopCode, req.OrderID, amount, req.OkURL, req.FailURL, typ, inst, rnd, g.storeKey))
	fields := make([]gateway.Field, len(f.fields))
	for i, kv := range f.fields {
		fields[i] = gateway.Field{Name: kv[0], Value: kv[1]}
	}
	return &gateway.ThreeDForm{
		URL:     target,
		Fields:  fields,
		Session: map[string]string{sessionOkURL: req.OkURL, sessionFailURL: req.FailURL},
	}, &gateway.Result{Outcome: gateway.Approved}
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// mdStatusText gives the meaning of each mdStatus (research notes §3).
var mdStatusText = map[string]string{
	"0": "authentication failed",
	"1": "full authentication",
	"2": "card holder or issuer not enrolled",
	"3": "issuer not participating",
	"4": "attempt: card holder chose to enrol later",
	"5": "authentication could not be performed",
	"6": "3-D Secure error",
	"7": "system error",
	"8": "unknown card number",
	"9": "merchant not enrolled for 3-D Secure",
}

// authLevel maps mdStatus: 1 is full authentication, 2-4 half secure;
// anything else failed.
func authLevel(mdStatus string) gateway.AuthLevel {
	switch mdStatus {
	case "1":
		return gateway.AuthFull
	case "2", "3", "4":
		return gateway.AuthAttempted
	}
	return gateway.AuthFailed
}

// The signed decision fields must have the bank's shapes. The signed string
// has no separators, so this is what stops a genuine signature from being
// re-cut into other values ("81"+""+"0" read as "8"+"1"+"0"): mdStatus is
// exactly one digit, ProcReturnCode empty or an ISO/platform code, Response
// empty or a word.
var (
	reMDStatus = regexp.MustCompile(`^[0-9]$`)
	reProcCode = regexp.MustCompile(`^([0-9]{2}|[A-Z][0-9]{2})?$`)
	reResponse = regexp.MustCompile(`^[A-Za-z]*$`)
	// PurchAmount as the gate echoes it: "1,01", "1.01", "1" or "320".
	reEchoAmount = regexp.MustCompile(`^[0-9]{1,12}([.,][0-9]{1,2})?$`)
)

func callbackErr(format string, a ...any) error {
	return &gateway.CallbackError{Reason: fmt.Sprintf(format, a...)}
}

// Verify3D checks a callback and extracts its result. Order of work: the
// attempt must exist (its session); HASHPARAMS must name exactly
// CallbackSigned and HASHPARAMSVAL must be those fields' values; HASH is
// verified over them with the store key in constant time; only then are
// fields read. The signed order id, amount (dot or comma), currency and
// callback URLs must be the attempt's. Unsigned fields never decide the
// verdict: they only fill in evidence and messages.
func (g *Gateway) Verify3D(_ context.Context, cb *gateway.ThreeDCallback) (*gateway.ThreeDResult, error) {
	if _, ok := secureTypeOf(cb.Model); !ok {
		return nil, callbackErr("3D model %q not supported", cb.Model)
	}
	if g.storeKey == "" {
		return nil, callbackErr("no store key configured")
	}
	okURL, ok1 := cb.Session[sessionOkURL]
	failURL, ok2 := cb.Session[sessionFailURL]
	if !ok1 || !ok2 {
		// No attempt was started (or its session expired): whatever was
		// posted cannot be the bank's answer to it.
		return nil, callbackErr("no 3D attempt was started for this payment")
	}
	var dupErr error
	get := func(name string) string {
		v := cb.Form[name]
		if len(v) > 1 && dupErr == nil {
			dupErr = callbackErr("field %s posted %d times", name, len(v))
		}
		if len(v) == 0 {
			return ""
		}
		return v[0]
	}
	hashParams, hashVal, hash := get("HASHPARAMS"), get("HASHPARAMSVAL"), get("HASH")
	input := CallbackHashInput(get)
	switch {
	case dupErr != nil:
		return nil, dupErr
	case hash == "":
		return nil, callbackErr("no HASH")
	case hashParams != CallbackHashParams:
		return nil, callbackErr("HASHPARAMS %q is not the signed-field list %q", hashParams, CallbackHashParams)
	case hashVal != input:
		return nil, callbackErr("HASHPARAMSVAL is not the signed fields' values")
	case !VerifyCallback(hash, input, g.storeKey):
		return nil, callbackErr("HASH does not verify")
	}

	md, code, response := get("mdStatus"), get("ProcReturnCode"), get("Response")
	switch {
	case !reMDStatus.MatchString(md):
		return nil, callbackErr("mdStatus %q malformed", md)
	case !reProcCode.MatchString(code):
		return nil, callbackErr("ProcReturnCode %q malformed", code)
	case !reResponse.MatchString(response):
		return nil, callbackErr("Response %q malformed", response)
	}
	if err := g.matchAttempt(get, cb.Expected, okURL, failURL); err != nil {
		return nil, err
	}

	res := &gateway.ThreeDResult{
		Auth:     authLevel(md),
		MDStatus: md,
		MDText:   mdStatusText[md],
		ECI:      get("Eci"),
		CAVV:     get("PayerAuthenticationCode"),
		XID:      get("PayerTxnId"),
		MD:       get("MD"),
	}
	if cb.Model != gateway.Model3D {
		res.Provision = provision(code, res.Auth, get)
	}
	if dupErr != nil { // an evidence or message field posted twice
		return nil, dupErr
	}
	return res, nil
}

// matchAttempt binds the signed fields to the attempt Kasa stored.
func (g *Gateway) matchAttempt(get func(string) string, want gateway.Order, okURL, failURL string) error {
	if get("OrderId") != want.OrderID {
		return callbackErr("order id %q is not the attempt's", get("OrderId"))
	}
	cur := want.Amount.Currency
	if get("Currency") != cur.Numeric {
		return callbackErr("currency %q, attempt is %s", get("Currency"), cur.Numeric)
	}
	a := get("PurchAmount")
	if minor, err := ParseAmount(a); err != nil || !reEchoAmount.MatchString(a) || minor != want.Amount.Minor || cur.Exponent != 2 {
		return callbackErr("amount %q, attempt is %s", a, FormatAmount(want.Amount))
	}
	if get("OkUrl") != okURL || get("FailUrl") != failURL {
		return callbackErr("callback URLs are not the attempt's")
	}
	return nil
}

// provision reads the bank's provisioning result from a 3DPay or 3DHost
// callback. The Outcome rests on the signed ProcReturnCode and mdStatus
// only. Without authentication the bank does not provision: a decline. An
// authenticated callback without a code, or an approval next to a failed
// authentication, is genuine but contradictory: Unknown, for a status query
// to settle.
func provision(code string, auth gateway.AuthLevel, get func(string) string) *gateway.Result {
	msg := get("ErrorMessage")
	switch {
	case code == "" && auth == gateway.AuthFailed:
		return &gateway.Result{Outcome: gateway.Declined, Reason: gateway.ReasonOther, BankErrorCode: get("ErrorCode"), BankMessage: msg}
	case code == "" || (code == "00" && auth == gateway.AuthFailed):
		err := fmt.Errorf("interpos: callback with ProcReturnCode %q after %s authentication", code, auth)
		return &gateway.Result{Outcome: gateway.Unknown, Reason: gateway.ReasonSystemError, BankCode: code, BankMessage: err.Error(), Err: err}
	}
	return classifyFields(code, get("ErrorCode"), msg, get("AuthCode"), get("HostRefNum"), get("TransId"))
}

// Complete3D provisions a 3D-model payment: a NonSecure Auth or PreAuth that
// carries the callback's MD and authentication evidence instead of the card.
// Amount, currency and installments come from the request (Kasa's stored
// attempt), never from the callback. A failed authentication is refused
// without a bank call; whether half-secure results may be provisioned is the
// merchant's policy, decided before calling.
func (g *Gateway) Complete3D(ctx context.Context, req *gateway.ThreeDCompleteRequest) *gateway.Result {
	if err := checkOrder(req.Order, true); err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	if req.Installments < 0 {
		return gateway.RejectLocal(errors.New("interpos: negative installment count"), gateway.ReasonInstallments)
	}
	tr := req.Result
	switch {
	case tr == nil:
		return gateway.RejectLocal(errors.New("interpos: no verified 3D result"), gateway.ReasonInvalidTxn)
	case tr.Auth != gateway.AuthFull && tr.Auth != gateway.AuthAttempted:
		return gateway.RejectLocal(fmt.Errorf("interpos: 3D authentication failed (mdStatus %q)", tr.MDStatus), gateway.ReasonNotPermitted)
	case tr.MD == "":
		return gateway.RejectLocal(errors.New("interpos: 3D result has no MD"), gateway.ReasonInvalidTxn)
	}
	f := g.form(txnType(req.Capture))
	f.add("OrderId", req.OrderID)
	f.add("PurchAmount", FormatAmount(req.Amount))
	f.add("Currency", req.Amount.Currency.Numeric)
	f.add("InstallmentCount", FormatInstallments(req.Installments))
	f.add("MD", tr.MD)
	f.add("PayerTxnId", tr.XID)
	f.add("Eci", tr.ECI)
	f.add("PayerAuthenticationCode", tr.CAVV)
	f.add("MOTO", motoECommerce)
	f.add("Lang", "tr")
	return g.do(ctx, f)
}
