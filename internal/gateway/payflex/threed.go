package payflex

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"

	"github.com/kasapos/kasa/internal/gateway"
)

// PayFlex's 3D Secure model, mapped onto the contract:
//
//  1. Start3D: a server-to-server enrollment call to the MPI (plain form
//     fields, with the card) under a VerifyEnrollmentRequestId Kasa draws
//     at random; the VERes gives the issuer's ACSUrl with PaReq, TermUrl
//     and MD, which the browser posts there.
//  2. The MPI posts the PARes-derived result (Status, Eci, Cavv,
//     PurchAmount, VerifyEnrollmentRequestId...) to the SuccessUrl or
//     FailureUrl.
//  3. Verify3D checks it. The MPI signs nothing and offers no result
//     query in the protocol as documented, so the callback is bound to the
//     attempt instead: its VerifyEnrollmentRequestId must equal the random
//     128-bit id kept in the attempt's session (unguessable, unique per
//     attempt, so a callback of another attempt or order cannot be replayed
//     here), and the echoed merchant, amount and currency must match.
//  4. Complete3D provisions with the card again plus ECI, CAVV and
//     MpiTransactionId = VerifyEnrollmentRequestId. That is what makes the
//     unsigned callback acceptable: the VPOS looks the authentication up in
//     the MPI's own record by that id and refuses a Status, ECI or CAVV the
//     MPI did not produce, so a browser that forges "Y" gets a refusal at
//     provisioning, not a charge.

// Callback fields Verify3D reads; nothing else posted is used.
const (
	fieldVERID        = "VerifyEnrollmentRequestId"
	fieldMerchantID   = "MerchantId"
	fieldAmount       = "PurchAmount"
	fieldCurrency     = "PurchCurrency"
	fieldStatus       = "Status"
	fieldECI          = "Eci"
	fieldCAVV         = "Cavv"
	fieldXID          = "Xid"
	fieldErrorCode    = "ErrorCode"
	fieldErrorMessage = "ErrorMessage"
)

// Session and evidence key: the attempt's VerifyEnrollmentRequestId.
const keyVERID = "verify_enrollment_request_id"

// newVERID draws a VerifyEnrollmentRequestId: 32 hex digits, the shape of
// captured ids.
func newVERID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Start3D makes the enrollment call and returns the ACS form.
func (g *Gateway) Start3D(ctx context.Context, req *gateway.ThreeDRequest) (*gateway.ThreeDForm, *gateway.Result) {
	if req.Model != gateway.Model3D {
		return nil, gateway.RejectLocal(fmt.Errorf("payflex: 3D model %q not offered", req.Model), gateway.ReasonNotPermitted)
	}
	if g.mpi == "" {
		return nil, gateway.RejectLocal(errors.New("payflex: MPI enrollment endpoint is required"), gateway.ReasonInvalidTxn)
	}
	if req.OkURL == "" || req.FailURL == "" {
		return nil, gateway.RejectLocal(errors.New("payflex: success and failure URLs are required"), gateway.ReasonInvalidTxn)
	}
	if _, res := g.cardRequest(req.Order, req.Capture, req.Installments, req.Card.PAN.IsZero()); res != nil {
		return nil, res
	}
	brand := BrandName(req.Card.PAN.Brand())
	if brand == "" {
		return nil, gateway.RejectLocal(errors.New("payflex: card scheme not supported by the MPI"), gateway.ReasonInvalidCard)
	}
	verID := newVERID()
	f := url.Values{
		"MerchantId":                {g.merchantID},
		"MerchantPassword":          {g.password},
		"MerchantType":              {"0"}, // standard merchant, no sub-merchant
		"PurchaseAmount":            {FormatAmount(req.Amount)},
		"VerifyEnrollmentRequestId": {verID},
		"Currency":                  {CurrencyCode(req.Amount.Currency)},
		"SuccessUrl":                {req.OkURL},
		"FailureUrl":                {req.FailURL},
		"Pan":                       {req.Card.PAN.Reveal()},
		"ExpiryDate":                {FormatEnrollmentExpiry(req.Card.Expiry)},
		"BrandName":                 {brand},
		"IsRecurring":               {"false"},
	}
	if n := FormatInstallments(req.Installments); n != "" {
		f.Set("InstallmentCount", n)
	}
	data, terr := gateway.Post(ctx, g.client, g.mpi, contentType, []byte(f.Encode()), nil)
	if terr != nil {
		return nil, terr.Result()
	}
	e, err := ParseEnrollment(data)
	if err != nil {
		res := unusable(err)
		return nil, &res
	}
	if res := enrollmentResult(e); res != nil {
		return nil, res
	}
	if !gateway.ValidEndpoint(e.ACSURL) || e.PaReq == "" {
		res := unusable(fmt.Errorf("%w: VERes without ACSUrl or PaReq", ErrBadResponse))
		return nil, &res
	}
	return &gateway.ThreeDForm{
		URL: e.ACSURL,
		Fields: []gateway.Field{
			{Name: "PaReq", Value: e.PaReq},
			{Name: "TermUrl", Value: e.TermURL},
			{Name: "MD", Value: e.MD},
		},
		Session: map[string]string{keyVERID: verID},
	}, &gateway.Result{Outcome: gateway.Approved, BankCode: e.Status}
}

// enrollmentResult classifies a VERes other than Y: N (card not enrolled)
// and U (directory unable) are the issuer side saying 3D cannot be done;
// E is the MPI refusing the request.
func enrollmentResult(e *Enrollment) *gateway.Result {
	res := &gateway.Result{BankCode: e.Status, BankErrorCode: e.ErrorCode, BankMessage: e.ErrorMessage}
	switch e.Status {
	case "Y":
		return nil
	case "N":
		res.Outcome, res.Reason = gateway.Declined, gateway.ReasonNotPermitted
	case "U":
		res.Outcome, res.Reason = gateway.Declined, gateway.ReasonSystemError
	default:
		res.Outcome, res.Reason = gateway.Rejected, gateway.ReasonInvalidTxn
	}
	return res
}

// Verify3D binds the MPI's callback to the attempt (see the package
// comment above) and extracts the result. Anything that cannot be the
// answer to this attempt is a *gateway.CallbackError.
func (g *Gateway) Verify3D(_ context.Context, cb *gateway.ThreeDCallback) (*gateway.ThreeDResult, error) {
	if cb.Model != gateway.Model3D {
		return nil, &gateway.CallbackError{Reason: fmt.Sprintf("3D model %q not offered", cb.Model)}
	}
	if err := checkOrder(cb.Expected); err != nil {
		return nil, &gateway.CallbackError{Reason: err.Error()}
	}
	want := cb.Session[keyVERID]
	if want == "" {
		return nil, &gateway.CallbackError{Reason: "no enrollment session for this attempt"}
	}
	f := cb.Form
	if subtle.ConstantTimeCompare([]byte(f.Get(fieldVERID)), []byte(want)) != 1 {
		return nil, &gateway.CallbackError{Reason: "VerifyEnrollmentRequestId belongs to another attempt"}
	}
	switch {
	case f.Get(fieldMerchantID) != g.merchantID:
		return nil, &gateway.CallbackError{Reason: "merchant differs"}
	case f.Get(fieldAmount) != FormatCallbackAmount(cb.Expected.Amount):
		return nil, &gateway.CallbackError{Reason: "amount differs from the attempt"}
	case f.Get(fieldCurrency) != CurrencyCode(cb.Expected.Amount.Currency):
		return nil, &gateway.CallbackError{Reason: "currency differs from the attempt"}
	}
	status := f.Get(fieldStatus)
	res := &gateway.ThreeDResult{
		Auth:     authLevel(status),
		MDStatus: status,
		MDText:   f.Get(fieldErrorMessage),
		XID:      f.Get(fieldXID),
	}
	if res.MDText == "" {
		res.MDText = f.Get(fieldErrorCode)
	}
	if res.Auth != gateway.AuthFailed {
		res.ECI, res.CAVV = f.Get(fieldECI), f.Get(fieldCAVV)
		if res.ECI == "" || res.CAVV == "" {
			return nil, &gateway.CallbackError{Reason: "authenticated callback without Eci or Cavv"}
		}
		res.Evidence = map[string]string{keyVERID: want}
	}
	return res, nil
}

// authLevel maps the PARes status: Y full authentication, A attempt (half
// secure); N, U, E and anything else failed.
func authLevel(status string) gateway.AuthLevel {
	switch status {
	case "Y":
		return gateway.AuthFull
	case "A":
		return gateway.AuthAttempted
	}
	return gateway.AuthFailed
}

// Complete3D provisions a verified 3D payment: the Sale or Auth with the
// card from Kasa's vault and the MPI evidence. Amount and order come from
// Kasa's stored attempt, never from the callback.
func (g *Gateway) Complete3D(ctx context.Context, req *gateway.ThreeDCompleteRequest) *gateway.Result {
	if req.Result == nil || req.Result.Auth == gateway.AuthFailed {
		return gateway.RejectLocal(errors.New("payflex: 3D authentication did not succeed"), gateway.ReasonNotPermitted)
	}
	verID := req.Result.Evidence[keyVERID]
	if verID == "" || req.Result.ECI == "" || req.Result.CAVV == "" {
		return gateway.RejectLocal(errors.New("payflex: 3D evidence missing"), gateway.ReasonInvalidTxn)
	}
	r, res := g.cardRequest(req.Order, req.Capture, req.Installments, req.Card.PAN.IsZero())
	if res != nil {
		return res
	}
	r.Pan, r.Expiry, r.Cvv = req.Card.PAN.Reveal(), FormatExpiry(req.Card.Expiry), req.Card.CVV.Reveal()
	r.ECI, r.CAVV, r.MpiTransactionID = req.Result.ECI, req.Result.CAVV, verID
	return g.do(ctx, r)
}
