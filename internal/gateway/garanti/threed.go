package garanti

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/kasapos/kasa/internal/gateway"
)

// securityLevel is the gate's secure3dsecuritylevel for each Kasa model.
// OOS_PAY is Garanti's hosted page: the bank takes the card and provisions.
var securityLevel = map[string]string{
	gateway.Model3D:     "3D",
	gateway.Model3DPay:  "3D_PAY",
	gateway.Model3DHost: "OOS_PAY",
}

// Start3D builds the auto-submitting form for the 3D gate (gt3dengine),
// signed with secure3dhash. No server-to-server call is needed first; a
// form comes with an Approved result, a refusal with a Rejected one.
func (g *Gateway) Start3D(_ context.Context, req *gateway.ThreeDRequest) (*gateway.ThreeDForm, *gateway.Result) {
	level, ok := securityLevel[req.Model]
	switch {
	case !ok:
		return nil, gateway.RejectLocal(fmt.Errorf("garanti: unknown 3D model %q", req.Model), gateway.ReasonInvalidTxn)
	case g.gate == "":
		return nil, gateway.RejectLocal(errors.New("garanti: 3D gate endpoint is not configured"), gateway.ReasonInvalidTxn)
	case g.storeKey == "":
		return nil, gateway.RejectLocal(errors.New("garanti: store key is required for 3D Secure"), gateway.ReasonInvalidTxn)
	case req.Model == gateway.Model3DHost && g.oosPass == "":
		return nil, gateway.RejectLocal(errors.New("garanti: PROVOOS password is required for 3D Host"), gateway.ReasonInvalidTxn)
	case req.Model != gateway.Model3DHost && req.Card.PAN.IsZero():
		return nil, gateway.RejectLocal(errors.New("garanti: card number missing"), gateway.ReasonInvalidCard)
	case req.OkURL == "" || req.FailURL == "":
		return nil, gateway.RejectLocal(errors.New("garanti: callback URLs are required"), gateway.ReasonInvalidTxn)
	case req.Installments < 0:
		return nil, gateway.RejectLocal(errors.New("garanti: negative installment count"), gateway.ReasonInstallments)
	}
	if err := checkOrder(req.Order, true); err != nil {
		return nil, gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	user, pass := userAut, g.autPass
	if req.Model == gateway.Model3DHost {
		user, pass = userOOS, g.oosPass
	}
	typ := typePreAuth
	if req.Capture {
		typ = typeSales
	}
	lang := "tr"
	if req.Lang == "en" {
		lang = "en"
	}
	amount, currency, inst := FormatAmount(req.Amount), req.Amount.Currency.Numeric, FormatInstallments(req.Installments)
	fields := []gateway.Field{
		{Name: "mode", Value: g.mode},
		{Name: "apiversion", Value: apiVersion},
		{Name: "secure3dsecuritylevel", Value: level},
		{Name: "terminalprovuserid", Value: user},
		{Name: "terminaluserid", Value: user},
		{Name: "terminalmerchantid", Value: g.merchantID},
		{Name: "terminalid", Value: g.terminalID},
		{Name: "txntype", Value: typ},
		{Name: "txnamount", Value: amount},
		{Name: "txncurrencycode", Value: currency},
		{Name: "txninstallmentcount", Value: inst},
		{Name: "orderid", Value: req.OrderID},
		{Name: "successurl", Value: req.OkURL},
		{Name: "errorurl", Value: req.FailURL},
		{Name: "customeremailaddress", Value: req.Email},
		{Name: "customeripaddress", Value: req.ClientIP},
		{Name: "lang", Value: lang},
	}
	if req.Model != gateway.Model3DHost {
		fields = append(fields,
			gateway.Field{Name: "cardnumber", Value: req.Card.PAN.Reveal()},
			gateway.Field{Name: "cardexpiredatemonth", Value: req.Card.Expiry.MM()},
			gateway.Field{Name: "cardexpiredateyear", Value: req.Card.Expiry.YY()},
			gateway.Field{Name: "cardcvv2", Value: req.Card.CVV.Reveal()},
		)
	}
	hash := Hash3DForm(g.terminalID, req.OrderID, amount, currency, req.OkURL, req.FailURL, typ, inst, g.storeKey, SecurityData(pass, g.terminalID))
	fields = append(fields, gateway.Field{Name: "secure3dhash", Value: hash})
	// Building the form is the whole step: no bank call, so always Approved.
	return &gateway.ThreeDForm{URL: g.gate, Fields: fields}, &gateway.Result{Outcome: gateway.Approved}
}

// authLevel maps mdstatus: 1 full authentication; 2 (not enrolled), 3
// (issuer not participating) and 4 (attempt) half secure; anything else —
// 0 not authenticated, 5-9 errors, empty — failed.
func authLevel(md string) gateway.AuthLevel {
	switch md {
	case "1":
		return gateway.AuthFull
	case "2", "3", "4":
		return gateway.AuthAttempted
	}
	return gateway.AuthFailed
}

// Verify3D checks the gate's callback. The hash is recomputed over Kasa's
// fixed CallbackFields — the posted hashparams/hashparamsval are ignored, so
// a callback cannot choose what is signed — and compared in constant time
// before anything else is read. Then the signed terminal id and order id
// must be this POS's and the attempt's, and the echoed amount, currency and
// security level must match the attempt (the amount is not signed by the
// gate, so a mismatch can only be tampering). Decisions use signed fields
// only; unsigned ones (xid, hostrefnum, messages) are carried along for the
// record and for the provisioning call, where the bank checks them again.
func (g *Gateway) Verify3D(_ context.Context, cb *gateway.ThreeDCallback) (*gateway.ThreeDResult, error) {
	if g.storeKey == "" {
		return nil, errors.New("garanti: store key is required to verify 3D callbacks")
	}
	level, ok := securityLevel[cb.Model]
	if !ok {
		return nil, fmt.Errorf("garanti: unknown 3D model %q", cb.Model)
	}
	form := cb.Form
	for _, f := range append([]string{"hash", "orderid", "txnamount", "txncurrencycode", "secure3dsecuritylevel"}, CallbackFields...) {
		if len(form[f]) > 1 {
			return nil, &gateway.CallbackError{Reason: "field " + f + " posted more than once"}
		}
	}
	if !VerifyCallback(form.Get, g.storeKey, form.Get("hash")) {
		return nil, &gateway.CallbackError{Reason: "hash does not verify"}
	}
	exp := cb.Expected
	switch {
	case form.Get("clientid") != g.terminalID:
		return nil, &gateway.CallbackError{Reason: "signed for another terminal"}
	case form.Get("oid") != exp.OrderID || exp.OrderID == "":
		return nil, &gateway.CallbackError{Reason: "order id does not match the attempt"}
	case !echoes(form, "orderid", exp.OrderID):
		return nil, &gateway.CallbackError{Reason: "echoed order id does not match the attempt"}
	case !echoes(form, "txnamount", FormatAmount(exp.Amount)) || exp.Amount.Minor <= 0:
		return nil, &gateway.CallbackError{Reason: "amount does not match the attempt"}
	case !echoes(form, "txncurrencycode", exp.Amount.Currency.Numeric):
		return nil, &gateway.CallbackError{Reason: "currency does not match the attempt"}
	case !echoes(form, "secure3dsecuritylevel", level):
		return nil, &gateway.CallbackError{Reason: "security level does not match the attempt"}
	}
	md := form.Get("mdstatus")
	res := &gateway.ThreeDResult{
		Auth:     authLevel(md),
		MDStatus: md,
		MDText:   form.Get("mderrormessage"),
		ECI:      form.Get("eci"),
		CAVV:     form.Get("cavv"),
		XID:      form.Get("xid"),
		MD:       form.Get("md"),
	}
	if cb.Model != gateway.Model3D {
		res.Provision = provision(form)
	}
	return res, nil
}

// echoes requires an echoed field to be present and equal to want.
func echoes(form url.Values, field, want string) bool {
	v, ok := form[field]
	return ok && len(v) == 1 && v[0] == want
}

// provision reads the bank's own provisioning of a 3D Pay / 3D Host
// payment. The verdict comes from the signed procreturncode and response.
func provision(form url.Values) *gateway.Result {
	code, verdict := form.Get("procreturncode"), form.Get("response")
	res := &gateway.Result{
		BankCode:    code,
		BankMessage: form.Get("errmsg"),
		AuthCode:    strings.TrimSpace(form.Get("authcode")),
		HostRef:     form.Get("hostrefnum"),
		TransID:     form.Get("transid"),
	}
	if res.BankMessage == "" {
		res.BankMessage = form.Get("mderrormessage")
	}
	if code == "00" && strings.EqualFold(verdict, "Approved") {
		res.Outcome = gateway.Approved
		return res
	}
	res.Outcome = gateway.Declined
	res.Reason = hostReasons[strings.ToUpper(code)]
	if res.Reason == "" {
		res.Reason = gateway.ReasonOther
	}
	return res
}

// Complete3D provisions a 3D-model payment with the 3D evidence (cavv, eci,
// xid, md) and CardholderPresentCode 13. Amount, currency and installments
// come from Kasa's attempt, never from the callback. Only a verified
// callback with full or attempted authentication may be provisioned.
func (g *Gateway) Complete3D(ctx context.Context, req *gateway.ThreeDCompleteRequest) *gateway.Result {
	if err := checkOrder(req.Order, true); err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	tds := req.Result
	switch {
	case tds == nil || tds.Auth == gateway.AuthFailed:
		return gateway.RejectLocal(errors.New("garanti: 3D authentication did not succeed"), gateway.ReasonNotPermitted)
	case tds.MD == "":
		return gateway.RejectLocal(errors.New("garanti: 3D result has no md"), gateway.ReasonInvalidTxn)
	case req.Installments < 0:
		return gateway.RejectLocal(errors.New("garanti: negative installment count"), gateway.ReasonInstallments)
	}
	typ := typePreAuth
	if req.Capture {
		typ = typeSales
	}
	r := g.request(typ, userAut, req.Order, FormatAmount(req.Amount), req.Amount.Currency.Numeric)
	r.Transaction.InstallmentCnt = FormatInstallments(req.Installments)
	r.Transaction.CardholderPresentCode = present3D
	r.Transaction.Secure3D = &secure3D{AuthenticationCode: tds.CAVV, SecurityLevel: tds.ECI, TxnID: tds.XID, Md: tds.MD}
	return g.do(ctx, r)
}
