package posnetv1

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/kasapos/kasa/internal/gateway"
)

// PosNet V1's 3D model: the browser posts the order and card, signed with
// the form MAC, straight to the gate (no enrollment call); the gate posts
// the ACS result back signed over a fixed field list; Kasa provisions with
// Sale/Auth carrying ThreeDSecureData.
//
// The bank signs only ECI, CAVV, MdStatus, MdErrorMessage, MD and
// SecureTransactionId. OrderId, Amount and CurrencyCode come back unsigned:
// Verify3D still compares them with the attempt, which stops a callback
// being replayed as-is onto another order, and the provisioning request
// carries Kasa's own order and amount, which the bank checks against the
// SecureTransactionId it issued.

// Callback fields Verify3D reads.
const (
	cbECI       = "ECI"
	cbCAVV      = "CAVV"
	cbMdStatus  = "MdStatus"
	cbMdError   = "MdErrorMessage"
	cbMD        = "MD"
	cbSecureTx  = "SecureTransactionId"
	cbMac       = "Mac"
	cbOrderID   = "OrderId"
	cbAmount    = "Amount"
	cbCurrency  = "CurrencyCode"
	cbMerchant  = "MerchantId"
	evSecureTx  = "secure_transaction_id"
	evMdStatus  = "md_status"
	sessOrderID = "order_id"
)

// callbackSigned is the fixed order of CallbackMACParams.
var callbackSigned = strings.Split(CallbackMACParams, ":")

// Start3D builds the gate form; PosNet V1 needs no server call first.
func (g *Gateway) Start3D(_ context.Context, req *gateway.ThreeDRequest) (*gateway.ThreeDForm, *gateway.Result) {
	if req.Model != gateway.Model3D {
		return nil, gateway.RejectLocal(fmt.Errorf("posnetv1: 3D model %q not offered", req.Model), gateway.ReasonNotPermitted)
	}
	if g.posnetID == "" || g.gate == "" {
		return nil, gateway.RejectLocal(errors.New("posnetv1: 3D Secure needs the POSNET ID and the 3D gate endpoint"), gateway.ReasonInvalidTxn)
	}
	if req.Card.PAN.IsZero() {
		return nil, gateway.RejectLocal(errors.New("posnetv1: card number missing"), gateway.ReasonInvalidCard)
	}
	if req.OkURL == "" {
		return nil, gateway.RejectLocal(errors.New("posnetv1: return URL missing"), gateway.ReasonInvalidTxn)
	}
	r, res := g.payment(req.Order, req.Installments)
	if res != nil {
		return nil, res
	}
	lang := "tr"
	if req.Lang == "en" {
		lang = "en"
	}
	pan, exp, cvv := req.Card.PAN.Reveal(), FormatExpiry(req.Card.Expiry), req.Card.CVV.Reveal()
	return &gateway.ThreeDForm{
		URL: g.gate,
		Fields: []gateway.Field{
			{Name: "MerchantNo", Value: g.merchantNo},
			{Name: "TerminalNo", Value: g.terminalNo},
			{Name: "PosnetID", Value: g.posnetID},
			{Name: "TransactionType", Value: payOp(req.Capture)},
			{Name: "OrderId", Value: r.OrderID},
			{Name: "Amount", Value: r.Amount},
			{Name: "CurrencyCode", Value: r.CurrencyCode},
			{Name: "MerchantReturnURL", Value: req.OkURL},
			{Name: "InstallmentCount", Value: r.InstallmentCount},
			{Name: "Language", Value: lang},
			{Name: "TxnState", Value: "INITIAL"},
			{Name: "OpenNewWindow", Value: "0"},
			{Name: "CardNo", Value: pan},
			// The bank's MAC list says ExpireDate but the gate reads ExpiredDate.
			{Name: "ExpiredDate", Value: exp},
			{Name: "Cvv", Value: cvv},
			{Name: "CardHolderName", Value: req.Card.Holder},
			{Name: "MacParams", Value: macParamsCard},
			{Name: "UseOOS", Value: "0"},
			{Name: "Mac", Value: MAC(g.encKey, g.merchantNo, g.terminalNo, pan, cvv, exp, r.Amount)},
		},
		Session: map[string]string{sessOrderID: r.OrderID},
	}, nil
}

// Verify3D checks the callback's Mac over the fixed signed list with the
// ENCKEY, then the order, amount, currency and merchant it names against
// the stored attempt. The callback's own MacParams is never used.
func (g *Gateway) Verify3D(_ context.Context, cb *gateway.ThreeDCallback) (*gateway.ThreeDResult, error) {
	if cb.Model != gateway.Model3D {
		return nil, fmt.Errorf("posnetv1: 3D model %q not offered", cb.Model)
	}
	if err := checkAmount(cb.Expected); err != nil {
		return nil, err
	}
	f := cb.Form
	values := make([]string, len(callbackSigned))
	for i, k := range callbackSigned {
		values[i] = f.Get(k)
	}
	if f.Get(cbMdStatus) == "" || f.Get(cbSecureTx) == "" {
		return nil, &gateway.CallbackError{Reason: "MdStatus or SecureTransactionId missing"}
	}
	if !macEqual(MAC(g.encKey, values...), f.Get(cbMac)) {
		return nil, &gateway.CallbackError{Reason: "Mac does not verify"}
	}
	orderID, _ := FormatOrderID(cb.Expected.OrderID)
	if s := cb.Session[sessOrderID]; s != "" && s != orderID {
		return nil, &gateway.CallbackError{Reason: "session belongs to another order"}
	}
	if f.Get(cbOrderID) != orderID {
		return nil, &gateway.CallbackError{Reason: "order id differs from the attempt"}
	}
	if a := f.Get(cbAmount); a != "" && a != FormatAmount(cb.Expected.Amount) {
		return nil, &gateway.CallbackError{Reason: "amount differs from the attempt"}
	}
	if c := f.Get(cbCurrency); c != "" && c != cb.Expected.Amount.Currency.Numeric && c != CurrencyCode(cb.Expected.Amount.Currency) {
		return nil, &gateway.CallbackError{Reason: "currency differs from the attempt"}
	}
	if m := f.Get(cbMerchant); m != "" && m != g.merchantNo {
		return nil, &gateway.CallbackError{Reason: "merchant differs from this POS"}
	}
	md := f.Get(cbMdStatus)
	return &gateway.ThreeDResult{
		Auth:     authLevel(md),
		MDStatus: md,
		MDText:   f.Get(cbMdError),
		ECI:      f.Get(cbECI),
		CAVV:     f.Get(cbCAVV),
		MD:       f.Get(cbMD),
		XID:      f.Get(cbSecureTx),
		Evidence: map[string]string{evSecureTx: f.Get(cbSecureTx), evMdStatus: md},
	}, nil
}

// authLevel: mdStatus 1 full, 2-4 half secure, anything else failed.
func authLevel(md string) gateway.AuthLevel {
	switch md {
	case "1":
		return gateway.AuthFull
	case "2", "3", "4":
		return gateway.AuthAttempted
	}
	return gateway.AuthFailed
}

// Complete3D provisions with Sale/Auth and ThreeDSecureData; the order,
// amount and installments are Kasa's, never the callback's.
func (g *Gateway) Complete3D(ctx context.Context, req *gateway.ThreeDCompleteRequest) *gateway.Result {
	if req.Result == nil || req.Result.Auth == gateway.AuthFailed {
		return gateway.RejectLocal(errors.New("posnetv1: 3D authentication did not succeed"), gateway.ReasonNotPermitted)
	}
	res3 := req.Result
	md, err := strconv.Atoi(res3.Evidence[evMdStatus])
	if err != nil || res3.Evidence[evSecureTx] == "" {
		return gateway.RejectLocal(errors.New("posnetv1: 3D evidence missing"), gateway.ReasonInvalidTxn)
	}
	r, res := g.payment(req.Order, req.Installments)
	if res != nil {
		return res
	}
	zero := 0
	r.MACParams = macParams3D
	r.IsEncrypted = "N"
	r.IsTDSecureMerchant = "Y"
	r.PointAmount = &zero
	r.ThreeDSecureData = &threeDData{SecureTransactionID: res3.Evidence[evSecureTx], CavvData: res3.CAVV, Eci: res3.ECI, MdStatus: md, MD: res3.MD}
	r.MAC = MAC(g.encKey, g.merchantNo, g.terminalNo, r.ThreeDSecureData.SecureTransactionID, res3.CAVV, res3.ECI, strconv.Itoa(md))
	return g.do(ctx, payOp(req.Capture), r)
}
