package vakifkatilim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/gateway/boa"
	"github.com/kasapos/kasa/internal/money"
)

// Fields of the gate's 3D post back to OkUrl / FailUrl (plain form fields,
// unlike Kuveyt Türk's URL-encoded XML).
const (
	cbResponseCode    = "ResponseCode"
	cbResponseMessage = "ResponseMessage"
	cbProvisionNumber = "ProvisionNumber"
	cbMerchantOrderID = "MerchantOrderId"
	cbOrderID         = "OrderId"
	cbRRN             = "RRN"
	cbStan            = "Stan"
	cbHashData        = "HashData"
	cbMD              = "MD"
)

var callbackFields = []string{cbResponseCode, cbResponseMessage, cbProvisionNumber, cbMerchantOrderID, cbOrderID, cbRRN, cbStan, cbHashData, cbMD}

// Session and Evidence keys: provisioning hashes the attempt's OkUrl and
// FailUrl, and echoes the gate's MD. None of them is card data.
const (
	sessOkURL   = "ok_url"
	sessFailURL = "fail_url"
	evidenceMD  = "md"
)

// Start3D starts a 3D payment (sales only: the bank offers pre-authorisation
// without 3D only).
//
// 3D model: the card and the signed message go server to server to
// ThreeDModelPayGate, which answers with an HTML page whose form sends the
// browser to the issuer's ACS; that form is what the browser gets. A gate
// that refuses at once (its form posts the refusal to FailUrl) is a failed
// start, classified by its ResponseCode.
//
// 3D host: the browser posts the order (no card) to the bank's
// CommonPaymentPage, which collects the card, runs 3D and provisions.
func (g *Gateway) Start3D(ctx context.Context, req *gateway.ThreeDRequest) (*gateway.ThreeDForm, *gateway.Result) {
	if req.Model != gateway.Model3D && req.Model != gateway.Model3DHost {
		return nil, gateway.RejectLocal(fmt.Errorf("vakifkatilim: 3D model %q not offered", req.Model), gateway.ReasonNotPermitted)
	}
	if res := checkPayment(req.Order, req.Installments); res != nil {
		return nil, res
	}
	if !req.Capture {
		return nil, gateway.RejectLocal(errors.New("vakifkatilim: no 3D pre-authorisation on this POS"), gateway.ReasonNotPermitted)
	}
	if !gateway.ValidEndpoint(req.OkURL) || !gateway.ValidEndpoint(req.FailURL) {
		return nil, gateway.RejectLocal(errors.New("vakifkatilim: OkUrl and FailUrl must be absolute URLs"), gateway.ReasonInvalidTxn)
	}
	session := map[string]string{sessOkURL: req.OkURL, sessFailURL: req.FailURL}
	if req.Model == gateway.Model3DHost {
		return g.hostForm(req, session)
	}
	if !gateway.ValidEndpoint(g.gate) {
		return nil, gateway.RejectLocal(errors.New("vakifkatilim: 3D gate endpoint not configured"), gateway.ReasonInvalidTxn)
	}
	if req.Card.PAN.IsZero() {
		return nil, gateway.RejectLocal(errors.New("vakifkatilim: card number missing"), gateway.ReasonInvalidCard)
	}
	m := g.payment(req.Order, req.Installments, security3D)
	m.OkURL, m.FailURL, m.CustomerIPAddress = req.OkURL, req.FailURL, ""
	m.CardNumber, m.CardCVV2, m.CardHolderName = req.Card.PAN.Reveal(), req.Card.CVV.Reveal(), req.Card.Holder
	m.CardExpireDateYear, m.CardExpireDateMonth = req.Card.Expiry.YY(), req.Card.Expiry.MM()
	data, res := g.post(ctx, g.gate, g.sign(m))
	if res != nil {
		return nil, res
	}
	form, res := enrollmentForm(data)
	if res != nil {
		return nil, res
	}
	form.Session = session
	return form, &gateway.Result{Outcome: gateway.Approved}
}

// enrollmentForm reads the gate's answer to an enrollment: the form to the
// ACS, or a refusal (a form posting a ResponseCode to FailUrl, or an XML
// reply).
func enrollmentForm(data []byte) (*gateway.ThreeDForm, *gateway.Result) {
	form, err := boa.ParseForm(data)
	if err != nil {
		if bytes.Contains(data, []byte("<VPosTransactionResponseContract")) {
			if resp, perr := boa.ParseResponse(data); perr == nil && resp.ResponseCode != boa.Approved {
				return nil, classify(resp.ResponseCode, resp.ResponseMessage)
			}
		}
		r := gateway.Unusable(ErrBadResponse, err)
		return nil, &r
	}
	if code, ok := boa.FieldValue(form, cbResponseCode); ok && code != boa.Approved {
		msg, _ := boa.FieldValue(form, cbResponseMessage)
		if code == "" {
			r := gateway.Unusable(ErrBadResponse, errors.New("gate answered with an empty ResponseCode"))
			return nil, &r
		}
		return nil, classify(code, msg)
	}
	return form, nil
}

// hostForm is the CommonPaymentPage form. It must carry HashPassword (the
// bank's design; see the package comment); HashData is added so that the
// amount and URLs are signed too.
func (g *Gateway) hostForm(req *gateway.ThreeDRequest, session map[string]string) (*gateway.ThreeDForm, *gateway.Result) {
	if !gateway.ValidEndpoint(g.hostPage) {
		return nil, gateway.RejectLocal(errors.New("vakifkatilim: 3D host page endpoint not configured"), gateway.ReasonInvalidTxn)
	}
	m := g.payment(req.Order, req.Installments, "")
	m.OkURL, m.FailURL = req.OkURL, req.FailURL
	g.sign(m)
	return &gateway.ThreeDForm{URL: g.hostPage, Session: session, Fields: []gateway.Field{
		{Name: "UserName", Value: m.UserName},
		{Name: "HashPassword", Value: m.HashPassword},
		{Name: "MerchantId", Value: m.MerchantID},
		{Name: "CustomerId", Value: m.CustomerID},
		{Name: "MerchantOrderId", Value: m.MerchantOrderID},
		{Name: "Amount", Value: m.Amount},
		{Name: "FECCurrencyCode", Value: m.FECCurrencyCode},
		{Name: "InstallmentCount", Value: m.InstallmentCount},
		{Name: "OkUrl", Value: m.OkURL},
		{Name: "FailUrl", Value: m.FailURL},
		{Name: "PaymentType", Value: "1"},
		{Name: "HashData", Value: m.HashData},
	}}, &gateway.Result{Outcome: gateway.Approved}
}

// single returns a callback field that occurs at most once.
func single(form url.Values, name string) (string, error) {
	switch v := form[name]; len(v) {
	case 0:
		return "", nil
	case 1:
		return v[0], nil
	}
	return "", &gateway.CallbackError{Reason: "field " + name + " repeated"}
}

// Verify3D checks the post back: HashData over MerchantOrderId,
// ResponseCode and OrderId with HashPassword (a fixed list; the callback
// names none), then that the order is the attempt's. The callback carries
// no amount: the 3D model provisions the attempt's amount against the MD,
// and a 3D host approval is confirmed with a status query that must show
// the attempt's amount charged.
func (g *Gateway) Verify3D(ctx context.Context, cb *gateway.ThreeDCallback) (*gateway.ThreeDResult, error) {
	model := cb.Model
	if model == "" {
		model = gateway.Model3D
	}
	if model != gateway.Model3D && model != gateway.Model3DHost {
		return nil, &gateway.CallbackError{Reason: "3D model " + model + " not offered"}
	}
	f := map[string]string{}
	for _, name := range callbackFields {
		v, err := single(cb.Form, name)
		if err != nil {
			return nil, err
		}
		f[name] = v
	}
	if f[cbHashData] == "" || !boa.EqualHash(f[cbHashData], boa.CallbackHash(f[cbMerchantOrderID], f[cbResponseCode], f[cbOrderID], g.password)) {
		return nil, &gateway.CallbackError{Reason: "HashData does not verify"}
	}
	if f[cbMerchantOrderID] != cb.Expected.OrderID {
		return nil, &gateway.CallbackError{Reason: "order id does not match the attempt"}
	}
	code, msg := f[cbResponseCode], f[cbResponseMessage]
	if code != boa.Approved {
		if model == gateway.Model3DHost && len(code) == 2 {
			// Authenticated, then declined by the issuer.
			res := classify(code, msg)
			res.TransID = f[cbOrderID]
			return &gateway.ThreeDResult{Auth: gateway.AuthFull, MDStatus: code, MDText: msg, Provision: res}, nil
		}
		return &gateway.ThreeDResult{Auth: gateway.AuthFailed, MDStatus: code, MDText: msg}, nil
	}
	if model == gateway.Model3DHost {
		prov, err := g.confirmHosted(ctx, cb.Expected)
		if err != nil {
			return nil, err
		}
		return &gateway.ThreeDResult{Auth: gateway.AuthFull, MDStatus: code, MDText: msg, Provision: prov}, nil
	}
	if f[cbMD] == "" {
		return nil, &gateway.CallbackError{Reason: "no MD on an authenticated callback"}
	}
	if cb.Session[sessOkURL] == "" || cb.Session[sessFailURL] == "" {
		return nil, &gateway.CallbackError{Reason: "no 3D session for this attempt"}
	}
	return &gateway.ThreeDResult{
		Auth: gateway.AuthFull, MDStatus: code, MDText: msg, MD: f[cbMD],
		Evidence: map[string]string{evidenceMD: f[cbMD], sessOkURL: cb.Session[sessOkURL], sessFailURL: cb.Session[sessFailURL]},
	}, nil
}

// confirmHosted asks the bank what a 3D host approval charged. The query
// failing leaves the payment Unknown (a later status query settles it); no
// approved order at the bank means the "approval" did not come from the
// bank; another amount or currency than the attempt's means the customer
// edited the hosted form, and the payment is declined as fraud (the money
// the bank took must then be reversed there).
func (g *Gateway) confirmHosted(ctx context.Context, exp gateway.Order) (*gateway.Result, error) {
	oc, res := g.lookup(ctx, exp.OrderID)
	if res != nil {
		return &gateway.Result{Outcome: gateway.Unknown, Reason: gateway.ReasonSystemError,
			BankMessage: "3D host approval not confirmed: " + res.BankMessage, Err: res.Err}, nil
	}
	if oc == nil {
		return nil, &gateway.CallbackError{Reason: "the bank has no such order"}
	}
	cur, ok := ParseCurrency(oc.FEC)
	st := summarize(oc, cur)
	if !ok || st.State != gateway.StateCaptured {
		return nil, &gateway.CallbackError{Reason: fmt.Sprintf("the bank's order is %s, not captured", st.State)}
	}
	out := &gateway.Result{Outcome: gateway.Approved, BankCode: boa.Approved, BankMessage: oc.ResponseExplain,
		AuthCode: oc.ProvNumber, HostRef: oc.RRN, TransID: oc.OrderID}
	if cur.Code != exp.Amount.Currency.Code || st.CapturedAmount != exp.Amount.Minor {
		got := money.New(st.CapturedAmount, cur)
		out.Outcome, out.Reason, out.BankCode = gateway.Declined, gateway.ReasonFraudSuspected, "AmountMismatch"
		out.BankMessage = fmt.Sprintf("vakifkatilim: the bank charged %s, not the attempt's %s; reverse it at the bank", got, exp.Amount)
	}
	return out, nil
}

// Complete3D provisions an authenticated payment (ThreeDModelProvisionGate)
// with the gate's MD; the amount is the attempt's, and the hash covers the
// attempt's OkUrl and FailUrl as the enrollment's did.
func (g *Gateway) Complete3D(ctx context.Context, req *gateway.ThreeDCompleteRequest) *gateway.Result {
	if res := checkPayment(req.Order, req.Installments); res != nil {
		return res
	}
	r := req.Result
	if r == nil || r.Auth != gateway.AuthFull || r.Evidence[evidenceMD] == "" || r.Evidence[sessOkURL] == "" || r.Evidence[sessFailURL] == "" {
		return gateway.RejectLocal(errors.New("vakifkatilim: no authenticated 3D result to provision"), gateway.ReasonInvalidTxn)
	}
	m := g.base(req.OrderID)
	m.OkURL, m.FailURL = r.Evidence[sessOkURL], r.Evidence[sessFailURL]
	m.InstallmentCount, m.Amount = boa.FormatInstallments(req.Installments), boa.FormatAmount(req.Amount)
	m.TransactionSecurity = security3D
	m.AdditionalData = &additionalData{Key: "MD", Data: r.Evidence[evidenceMD]}
	return g.send(ctx, PathProvision, g.sign(m))
}
