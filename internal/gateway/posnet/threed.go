package posnet

import (
	"context"
	"errors"
	"fmt"

	"github.com/kasapos/kasa/internal/gateway"
)

// PosNet's 3D Secure model takes four bank calls, mapped onto the contract:
//
//  1. Start3D: oosRequestData (server to server) encrypts the order and the
//     card into data1/data2 with the bank's signature; the browser posts
//     them to the 3D gate.
//  2. The gate runs the ACS and posts MerchantPacket, BankPacket and Sign
//     back to merchantReturnURL. Kasa cannot read them: they are the bank's.
//  3. Verify3D: oosResolveMerchantData hands the packets back with a MAC
//     over Kasa's own xid/amount/currency, so the bank refuses (E216)
//     packets issued for another order or amount; its reply is checked with
//     the response MAC and compared with the stored attempt again.
//  4. Complete3D: oosTranData provisions ("finansallaştırma").

// Callback fields, the fixed list Verify3D reads. Nothing else posted is used.
const (
	fieldMerchantPacket = "MerchantPacket"
	fieldBankPacket     = "BankPacket"
	fieldSign           = "Sign"
)

// Evidence and session keys.
const (
	evBankData     = "bank_data"
	evMerchantData = "merchant_data"
	evSign         = "sign"
	sessXID        = "xid"
)

// Start3D makes the oosRequestData call and returns the gate form.
func (g *Gateway) Start3D(ctx context.Context, req *gateway.ThreeDRequest) (*gateway.ThreeDForm, *gateway.Result) {
	if req.Model != gateway.Model3D {
		return nil, gateway.RejectLocal(fmt.Errorf("posnet: 3D model %q not offered", req.Model), gateway.ReasonNotPermitted)
	}
	if err := g.check3DConfig(); err != nil {
		return nil, gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	if g.gate == "" {
		return nil, gateway.RejectLocal(errors.New("posnet: 3D gate endpoint is required"), gateway.ReasonInvalidTxn)
	}
	if req.Card.PAN.IsZero() {
		return nil, gateway.RejectLocal(errors.New("posnet: card number missing"), gateway.ReasonInvalidCard)
	}
	if req.OkURL == "" {
		return nil, gateway.RejectLocal(errors.New("posnet: return URL missing"), gateway.ReasonInvalidTxn)
	}
	t, res := cardFields(req.Order, req.Installments)
	if res != nil {
		return nil, res
	}
	tranType := "Auth"
	if req.Capture {
		tranType = "Sale"
	}
	r := g.request()
	r.TranDateRequired = ""
	r.OOSRequest = &oosRequestData{
		PosnetID:       g.posnetID,
		CCNo:           req.Card.PAN.Reveal(),
		ExpDate:        FormatExpiry(req.Card.Expiry),
		CVC:            req.Card.CVV.Reveal(),
		Amount:         t.Amount,
		CurrencyCode:   t.CurrencyCode,
		Installment:    t.Installment,
		XID:            t.OrderID,
		CardHolderName: req.Card.Holder,
		TranType:       tranType,
	}
	resp, res := g.exchange(ctx, r)
	if res != nil {
		return nil, res
	}
	if res := classify(resp); res.Outcome != gateway.Approved {
		return nil, res
	}
	if resp.Data1 == "" || resp.Data2 == "" || resp.Sign == "" {
		res := unusable(fmt.Errorf("%w: oosRequestDataResponse without data1/data2/sign", ErrBadResponse))
		return nil, &res
	}
	lang := "tr"
	if req.Lang == "en" {
		lang = "en"
	}
	return &gateway.ThreeDForm{
		URL: g.gate,
		Fields: []gateway.Field{
			{Name: "mid", Value: g.mid},
			{Name: "posnetID", Value: g.posnetID},
			{Name: "posnetData", Value: resp.Data1},
			{Name: "posnetData2", Value: resp.Data2},
			{Name: "digest", Value: resp.Sign},
			{Name: "merchantReturnURL", Value: req.OkURL},
			{Name: "lang", Value: lang},
			// Set by the bank's posnet.js for information; empty is accepted.
			{Name: "url", Value: ""},
		},
		Session: map[string]string{sessXID: t.OrderID},
	}, nil
}

func (g *Gateway) check3DConfig() error {
	if g.posnetID == "" || g.encKey == "" {
		return errors.New("posnet: 3D Secure needs the POSNET ID and the ENCKEY")
	}
	return nil
}

// expected renders the stored attempt the way the bank signs it.
func expected(o gateway.Order) (xid, amount, currency string, err error) {
	if err := checkAmount(o); err != nil {
		return "", "", "", err
	}
	xid, err = FormatOrderID(o.OrderID)
	return xid, FormatAmount(o.Amount), CurrencyCode(o.Amount.Currency), err
}

// Verify3D resolves the callback packets with the bank
// (oosResolveMerchantData) and checks the bank's answer: its MAC under the
// ENCKEY, then xid, amount and currency against the stored attempt. Only
// MerchantPacket, BankPacket and Sign are read from the callback.
func (g *Gateway) Verify3D(ctx context.Context, cb *gateway.ThreeDCallback) (*gateway.ThreeDResult, error) {
	if cb.Model != gateway.Model3D {
		return nil, fmt.Errorf("posnet: 3D model %q not offered", cb.Model)
	}
	if err := g.check3DConfig(); err != nil {
		return nil, err
	}
	xid, amount, currency, err := expected(cb.Expected)
	if err != nil {
		return nil, err
	}
	if s := cb.Session[sessXID]; s != "" && s != xid {
		return nil, &gateway.CallbackError{Reason: "session belongs to another order"}
	}
	mp, bp, sign := cb.Form.Get(fieldMerchantPacket), cb.Form.Get(fieldBankPacket), cb.Form.Get(fieldSign)
	if mp == "" || bp == "" || sign == "" {
		return nil, &gateway.CallbackError{Reason: "MerchantPacket, BankPacket or Sign missing"}
	}
	r := g.request()
	r.TranDateRequired = ""
	r.OOSResolve = &oosPackets{BankData: bp, MerchantData: mp, Sign: sign, MAC: RequestMAC(xid, amount, currency, g.mid, g.encKey, g.tid)}
	resp, res := g.exchange(ctx, r)
	if res != nil {
		return nil, res.Err
	}
	if res := classify(resp); res.Outcome != gateway.Approved {
		if resp.RespCode == codeInvalidMIDTIDIP {
			// Our terminal is refused, whatever the callback holds.
			return nil, fmt.Errorf("posnet: resolving the callback: %s %s", resp.RespCode, resp.RespText)
		}
		return nil, &gateway.CallbackError{Reason: fmt.Sprintf("bank refused the packets: %s %s", resp.RespCode, resp.RespText)}
	}
	d := resp.Resolve
	if d == nil {
		return nil, fmt.Errorf("%w: no oosResolveMerchantDataResponse", ErrBadResponse)
	}
	if !macEqual(ResponseMAC(d.MDStatus, d.XID, d.Amount, d.Currency, g.mid, g.encKey, g.tid), d.MAC) {
		return nil, &gateway.CallbackError{Reason: "response MAC does not verify"}
	}
	switch {
	case d.XID != xid:
		return nil, &gateway.CallbackError{Reason: "order id differs from the attempt"}
	case d.Amount != amount:
		return nil, &gateway.CallbackError{Reason: "amount differs from the attempt"}
	case d.Currency != currency:
		return nil, &gateway.CallbackError{Reason: "currency differs from the attempt"}
	}
	return &gateway.ThreeDResult{
		Auth:     authLevel(d.MDStatus),
		MDStatus: d.MDStatus,
		MDText:   d.MDErrorMessage,
		XID:      d.XID,
		Evidence: map[string]string{evBankData: bp, evMerchantData: mp, evSign: sign},
	}, nil
}

// authLevel maps mdStatus: 1 full authentication; 2-4 half secure (not
// enrolled, issuer not participating, attempt); anything else failed.
func authLevel(md string) gateway.AuthLevel {
	switch md {
	case "1":
		return gateway.AuthFull
	case "2", "3", "4":
		return gateway.AuthAttempted
	}
	return gateway.AuthFailed
}

// Complete3D provisions a verified 3D payment with oosTranData. The MAC is
// computed from Kasa's stored order, never from the callback.
func (g *Gateway) Complete3D(ctx context.Context, req *gateway.ThreeDCompleteRequest) *gateway.Result {
	if err := g.check3DConfig(); err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	if req.Result == nil || req.Result.Auth == gateway.AuthFailed {
		return gateway.RejectLocal(errors.New("posnet: 3D authentication did not succeed"), gateway.ReasonNotPermitted)
	}
	ev := req.Result.Evidence
	if ev[evBankData] == "" || ev[evMerchantData] == "" || ev[evSign] == "" {
		return gateway.RejectLocal(errors.New("posnet: resolved 3D packets missing"), gateway.ReasonInvalidTxn)
	}
	xid, amount, currency, err := expected(req.Order)
	if err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	r := g.request()
	r.OOSTranData = &oosPackets{
		BankData:     ev[evBankData],
		MerchantData: ev[evMerchantData],
		Sign:         ev[evSign],
		WPAmount:     "0", // no World point redemption
		MAC:          RequestMAC(xid, amount, currency, g.mid, g.encKey, g.tid),
	}
	return g.do(ctx, r)
}
