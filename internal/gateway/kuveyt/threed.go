package kuveyt

import (
	"context"
	"errors"
	"net/url"
	"strings"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/gateway/boa"
)

// callbackField is the one field the gate posts back: the URL-encoded
// VPosTransactionResponseContract XML.
const callbackField = "AuthenticationResponse"

// evidenceMD is the Evidence key of the gate's MD, which provisioning echoes.
const evidenceMD = "md"

// Start3D builds the ThreeDModelPayGate form: the browser posts the card
// and the signed message fields to the bank, which runs the ACS and posts
// the result to OkUrl or FailUrl.
func (g *Gateway) Start3D(_ context.Context, req *gateway.ThreeDRequest) (*gateway.ThreeDForm, *gateway.Result) {
	if req.Model != gateway.Model3D {
		return nil, gateway.RejectLocal(errors.New("kuveyt: only the 3D model is offered"), gateway.ReasonNotPermitted)
	}
	if err := checkOrder(req.Order); err != nil {
		return nil, gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	if !req.Capture {
		return nil, gateway.RejectLocal(errors.New("kuveyt: no pre-authorisation on this POS"), gateway.ReasonNotPermitted)
	}
	if err := checkInstallments(req.Installments, req.Amount.Currency); err != nil {
		return nil, gateway.RejectLocal(err, gateway.ReasonInstallments)
	}
	if !gateway.ValidEndpoint(g.gate) {
		return nil, gateway.RejectLocal(errors.New("kuveyt: 3D gate endpoint not configured"), gateway.ReasonInvalidTxn)
	}
	if req.Card.PAN.IsZero() {
		return nil, gateway.RejectLocal(errors.New("kuveyt: card number missing"), gateway.ReasonInvalidCard)
	}
	m := g.message(req.Order, req.Installments, security3D)
	m.HashData = boa.RequestHash(g.merchantID, req.OrderID, m.Amount, req.OkURL, req.FailURL, g.user, g.password)
	fields := []gateway.Field{
		{Name: "APIVersion", Value: m.APIVersion},
		{Name: "OkUrl", Value: req.OkURL},
		{Name: "FailUrl", Value: req.FailURL},
		{Name: "HashData", Value: m.HashData},
		{Name: "MerchantId", Value: m.MerchantID},
		{Name: "CustomerId", Value: m.CustomerID},
		{Name: "UserName", Value: m.UserName},
		{Name: "CardNumber", Value: req.Card.PAN.Reveal()},
		{Name: "CardExpireDateYear", Value: req.Card.Expiry.YY()},
		{Name: "CardExpireDateMonth", Value: req.Card.Expiry.MM()},
		{Name: "CardCVV2", Value: req.Card.CVV.Reveal()},
		{Name: "CardHolderName", Value: req.Card.Holder},
		{Name: "TransactionType", Value: m.TransactionType},
		{Name: "InstallmentCount", Value: m.InstallmentCount},
		{Name: "Amount", Value: m.Amount},
		{Name: "DisplayAmount", Value: m.DisplayAmount},
		{Name: "CurrencyCode", Value: m.CurrencyCode},
		{Name: "MerchantOrderId", Value: m.MerchantOrderID},
		{Name: "TransactionSecurity", Value: m.TransactionSecurity},
	}
	return &gateway.ThreeDForm{URL: g.gate, Fields: fields}, &gateway.Result{Outcome: gateway.Approved}
}

// Verify3D checks AuthenticationResponse: HashData over MerchantOrderId,
// ResponseCode and OrderId with the hashed API password (a fixed list; the
// callback names none), then the order, amount and currency against the
// attempt, since the hash covers neither amount nor currency.
func (g *Gateway) Verify3D(_ context.Context, cb *gateway.ThreeDCallback) (*gateway.ThreeDResult, error) {
	raw := cb.Form.Get(callbackField)
	if raw == "" {
		return nil, &gateway.CallbackError{Reason: "no " + callbackField}
	}
	// The bank URL-encodes the XML before form-encoding it.
	if !strings.HasPrefix(strings.TrimSpace(raw), "<") {
		dec, err := url.QueryUnescape(raw)
		if err != nil {
			return nil, &gateway.CallbackError{Reason: "undecodable " + callbackField}
		}
		raw = dec
	}
	resp, err := boa.ParseResponse([]byte(raw))
	if err != nil {
		return nil, &gateway.CallbackError{Reason: "unparseable " + callbackField}
	}
	want := boa.CallbackHash(resp.MerchantOrderID, resp.ResponseCode, resp.OrderID, g.password)
	if !boa.EqualHash(resp.HashData, want) {
		return nil, &gateway.CallbackError{Reason: "HashData does not verify"}
	}
	exp := cb.Expected
	if resp.MerchantOrderID != exp.OrderID {
		return nil, &gateway.CallbackError{Reason: "order id does not match the attempt"}
	}
	if resp.ResponseCode != boa.Approved {
		// A failed authentication echoes no amount; there is nothing more to check.
		return &gateway.ThreeDResult{Auth: gateway.AuthFailed, MDStatus: resp.ResponseCode, MDText: resp.ResponseMessage}, nil
	}
	if resp.VPosMessage.Amount != boa.FormatAmount(exp.Amount) {
		return nil, &gateway.CallbackError{Reason: "amount does not match the attempt"}
	}
	if resp.VPosMessage.CurrencyCode != boa.FormatCurrency(exp.Amount.Currency) {
		return nil, &gateway.CallbackError{Reason: "currency does not match the attempt"}
	}
	if resp.MD == "" {
		return nil, &gateway.CallbackError{Reason: "no MD on an authenticated callback"}
	}
	return &gateway.ThreeDResult{
		Auth: gateway.AuthFull, MDStatus: resp.ResponseCode, MDText: resp.ResponseMessage, MD: resp.MD,
		Evidence: map[string]string{evidenceMD: resp.MD},
	}, nil
}

// Complete3D provisions an authenticated payment (ThreeDModelProvisionGate)
// with the gate's MD; amount and currency are the attempt's.
func (g *Gateway) Complete3D(ctx context.Context, req *gateway.ThreeDCompleteRequest) *gateway.Result {
	if err := checkOrder(req.Order); err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	if req.Result == nil || req.Result.Auth == gateway.AuthFailed || req.Result.Evidence[evidenceMD] == "" {
		return gateway.RejectLocal(errors.New("kuveyt: no authenticated 3D result to provision"), gateway.ReasonInvalidTxn)
	}
	m := g.message(req.Order, req.Installments, security3D)
	m.AdditionalData = &additionalData{Key: "MD", Data: req.Result.Evidence[evidenceMD]}
	return g.send(ctx, g.api+pathProvision, m)
}
