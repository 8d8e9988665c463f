package payfor

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/money"
)

// Callback fields covered by ResponseHash (with the POS's MerchantId,
// UserCode and store key). This list is fixed: nothing the callback posts
// decides what is signed.
const (
	cbOrderID        = "OrderId"
	cbAuthCode       = "AuthCode"
	cbProcReturnCode = "ProcReturnCode"
	cb3DStatus       = "3DStatus"
	cbResponseRnd    = "ResponseRnd"
	cbResponseHash   = "ResponseHash"
)

// EvidenceRequestGUID is the Evidence key of the 3D session handle the
// 3DModelPayment provisioning call needs.
const EvidenceRequestGUID = "RequestGuid"

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

// Start3D builds the gate form. 3D and 3D Pay post the card to Default.aspx;
// 3D Host posts no card to 3DHost.aspx, where the bank asks for it.
func (g *Gateway) Start3D(ctx context.Context, req *gateway.ThreeDRequest) (*gateway.ThreeDForm, *gateway.Result) {
	secureType, ok := secureTypeOf(req.Model)
	switch {
	case !ok:
		return nil, gateway.RejectLocal(fmt.Errorf("payfor: unknown 3D model %q", req.Model), gateway.ReasonInvalidTxn)
	case g.gate == "":
		return nil, gateway.RejectLocal(errors.New("payfor: 3D gate endpoint is not configured"), gateway.ReasonInvalidTxn)
	case g.storeKey == "":
		return nil, gateway.RejectLocal(errors.New("payfor: store key is required for 3D Secure"), gateway.ReasonInvalidTxn)
	case req.OkURL == "" || req.FailURL == "":
		return nil, gateway.RejectLocal(errors.New("payfor: callback URLs are required"), gateway.ReasonInvalidTxn)
	case req.Installments < 0:
		return nil, gateway.RejectLocal(errors.New("payfor: negative installment count"), gateway.ReasonInstallments)
	}
	if err := checkOrder(req.Order, true); err != nil {
		return nil, gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	withCard := req.Model != gateway.Model3DHost
	if withCard && req.Card.PAN.IsZero() {
		return nil, gateway.RejectLocal(errors.New("payfor: card number missing"), gateway.ReasonInvalidCard)
	}
	lang := "tr"
	if req.Lang == "en" {
		lang = "en"
	}
	rnd, err := randomHex(16)
	if err != nil {
		return nil, gateway.RejectLocal(fmt.Errorf("payfor: random: %w", err), gateway.ReasonSystemError)
	}
	typ := txnType(req.Capture)
	amount := FormatAmount(req.Amount)
	inst := FormatInstallments(req.Installments)
	fields := []gateway.Field{
		{Name: "MbrId", Value: g.mbrID},
		{Name: "MerchantID", Value: g.merchantID},
		{Name: "UserCode", Value: g.userCode},
		{Name: "OrderId", Value: req.OrderID},
		{Name: "Lang", Value: lang},
		{Name: "SecureType", Value: secureType},
		{Name: "TxnType", Value: typ},
		{Name: "PurchAmount", Value: amount},
		{Name: "InstallmentCount", Value: inst},
		{Name: "Currency", Value: req.Amount.Currency.Numeric},
		{Name: "OkUrl", Value: req.OkURL},
		{Name: "FailUrl", Value: req.FailURL},
		{Name: "Rnd", Value: rnd},
		{Name: "Hash", Value: Hash3DForm(g.mbrID, req.OrderID, amount, req.OkURL, req.FailURL, typ, inst, rnd, g.storeKey)},
	}
	url := g.gate
	if withCard {
		fields = append(fields,
			gateway.Field{Name: "CardHolderName", Value: req.Card.Holder},
			gateway.Field{Name: "Pan", Value: req.Card.PAN.Reveal()},
			gateway.Field{Name: "Expiry", Value: FormatExpiry(req.Card.Expiry)},
			gateway.Field{Name: "Cvv2", Value: req.Card.CVV.Reveal()},
		)
	} else {
		url = hostGateURL(g.gate)
	}
	return &gateway.ThreeDForm{URL: url, Fields: fields}, nil
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// authLevel maps 3DStatus, which follows the mdStatus table: 1 full
// authentication, 2-4 half secure (not enrolled / attempt), anything else
// (PayFor sends -1 for a failed or abandoned challenge) failed.
func authLevel(status string) (gateway.AuthLevel, string) {
	switch status {
	case "1":
		return gateway.AuthFull, "full authentication"
	case "2":
		return gateway.AuthAttempted, "card or issuer not enrolled"
	case "3":
		return gateway.AuthAttempted, "issuer not participating"
	case "4":
		return gateway.AuthAttempted, "authentication attempted"
	}
	return gateway.AuthFailed, "authentication failed"
}

// Verify3D checks the gate's callback. ResponseHash is verified first, over
// the fixed field list above; only then is anything else read. The signed
// order id must be the attempt's; the amount, currency and transaction type
// the bank echoes (unsigned) must equal what Kasa stored, so a genuine
// callback of another order, or an edited one, is refused. For 3D Pay and 3D
// Host the bank's provisioning result is returned in Provision.
func (g *Gateway) Verify3D(ctx context.Context, cb *gateway.ThreeDCallback) (*gateway.ThreeDResult, error) {
	secureType, ok := secureTypeOf(cb.Model)
	if !ok {
		return nil, &gateway.CallbackError{Reason: fmt.Sprintf("unknown 3D model %q", cb.Model)}
	}
	if g.storeKey == "" {
		return nil, &gateway.CallbackError{Reason: "no store key configured"}
	}
	get := func(name string) (string, error) {
		v := cb.Form[name]
		if len(v) > 1 {
			return "", &gateway.CallbackError{Reason: name + " posted more than once"}
		}
		if len(v) == 0 {
			return "", nil
		}
		return v[0], nil
	}
	var signed [6]string
	for i, name := range []string{cbOrderID, cbAuthCode, cbProcReturnCode, cb3DStatus, cbResponseRnd, cbResponseHash} {
		v, err := get(name)
		if err != nil {
			return nil, err
		}
		signed[i] = v
	}
	orderID, authCode, code, status, rnd, hash := signed[0], signed[1], signed[2], signed[3], signed[4], signed[5]
	if hash == "" || orderID == "" || code == "" || status == "" || rnd == "" {
		return nil, &gateway.CallbackError{Reason: "signed field missing"}
	}
	if !VerifyCallback(hash, g.merchantID, g.storeKey, orderID, authCode, code, status, rnd, g.userCode) {
		return nil, &gateway.CallbackError{Reason: "ResponseHash does not verify"}
	}
	if orderID != cb.Expected.OrderID {
		return nil, &gateway.CallbackError{Reason: "callback is for another order"}
	}
	if err := g.checkEcho(cb, get, secureType); err != nil {
		return nil, err
	}

	auth, text := authLevel(status)
	res := &gateway.ThreeDResult{Auth: auth, MDStatus: status, MDText: text}
	for _, f := range []struct {
		dst  *string
		name string
	}{{&res.ECI, "Eci"}, {&res.CAVV, "PayerAuthenticationCode"}, {&res.XID, "PayerTxnId"}, {&res.MD, "MD"}} {
		v, err := get(f.name)
		if err != nil {
			return nil, err
		}
		*f.dst = v
	}
	msg, err := get("ErrMsg")
	if err != nil {
		return nil, err
	}
	if cb.Model == gateway.Model3D {
		guid, err := get(EvidenceRequestGUID)
		if err != nil {
			return nil, err
		}
		// RequestGuid is not signed; it is only a handle, and the bank
		// provisions it for the signed order id alone.
		res.Evidence = map[string]string{EvidenceRequestGUID: guid}
		return res, nil
	}
	hostRef, err := get("HostRefNum")
	if err != nil {
		return nil, err
	}
	transID, err := get("TransId")
	if err != nil {
		return nil, err
	}
	p := classifyFields(code, msg, authCode, hostRef, transID)
	if p.Outcome == gateway.Approved && auth == gateway.AuthFailed {
		// Signed but self-contradictory: only a status query can tell.
		p = &gateway.Result{Outcome: gateway.Unknown, Reason: gateway.ReasonSystemError, BankCode: code, BankMessage: msg,
			Err: errors.New("payfor: callback approves a payment whose authentication failed")}
	}
	res.Provision = p
	return res, nil
}

// checkEcho compares the unsigned order fields the bank echoes with the
// attempt. The bank always posts them; a missing one is refused too.
func (g *Gateway) checkEcho(cb *gateway.ThreeDCallback, get func(string) (string, error), secureType string) error {
	exp := cb.Expected.Amount
	want := map[string]func(string) bool{
		"PurchAmount": func(v string) bool {
			a, err := money.ParseDecimal(v, exp.Currency)
			return err == nil && a.Minor == exp.Minor
		},
		"Currency":   func(v string) bool { return v == exp.Currency.Numeric },
		"SecureType": func(v string) bool { return v == secureType },
		"TxnType":    func(v string) bool { return v == txnType(cb.Capture) },
	}
	for _, name := range []string{"PurchAmount", "Currency", "SecureType", "TxnType"} {
		v, err := get(name)
		if err != nil {
			return err
		}
		if !want[name](v) {
			return &gateway.CallbackError{Reason: name + " does not match the attempt"}
		}
	}
	for _, name := range []string{"MerchantID", "MerchantId"} {
		v, err := get(name)
		if err != nil {
			return err
		}
		if v != "" && v != g.merchantID {
			return &gateway.CallbackError{Reason: "callback is for another merchant"}
		}
	}
	return nil
}

// Complete3D provisions a 3D-model payment (SecureType 3DModelPayment) with
// the session the verified callback named. The bank charges the amount,
// currency and installments it took from Kasa's signed form; none of them
// is sent again.
func (g *Gateway) Complete3D(ctx context.Context, req *gateway.ThreeDCompleteRequest) *gateway.Result {
	if err := checkOrder(req.Order, true); err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	if req.Result == nil || req.Result.Auth == gateway.AuthFailed {
		return gateway.RejectLocal(errors.New("payfor: no successful 3D authentication to provision"), gateway.ReasonInvalidTxn)
	}
	guid := req.Result.Evidence[EvidenceRequestGUID]
	if guid == "" {
		return gateway.RejectLocal(errors.New("payfor: 3D session (RequestGuid) missing"), gateway.ReasonInvalidTxn)
	}
	return g.do(ctx, &payforRequest{
		RequestGUID: guid,
		UserCode:    g.userCode,
		UserPass:    g.userPass,
		OrderID:     req.OrderID,
		SecureType:  secure3DModelPay,
	})
}
