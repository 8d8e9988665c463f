package iyzico

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"

	"github.com/kasapos/kasa/internal/gateway"
)

// 3D Secure on iyzico (Kasa model "3d"):
//
//  1. Start3D calls /payment/3dsecure/initialize (or .../initialize/preauth)
//     server to server with the card. iyzico answers a paymentId and
//     threeDSHtmlContent: base64 HTML that, rendered in the browser, posts
//     the cardholder on to the 3DS page. Kasa's ThreeDForm cannot carry raw
//     HTML, so Start3D extracts that page's form (action and fields) into
//     ThreeDForm; the browser then posts the same thing the HTML would.
//  2. iyzico posts the browser back to callbackUrl with status, paymentId,
//     conversationData, conversationId, mdStatus and signature =
//     hex(HMAC-SHA256(secretKey, conversationData:conversationId:mdStatus:paymentId:status)).
//     The signature does not cover the amount, so Verify3D also binds the
//     callback to the attempt through the paymentId Start3D kept in Session
//     (iyzico fixed the amount at initialize).
//  3. Complete3D calls /payment/v2/3dsecure/auth, where iyzico itself checks
//     paidPrice, basketId and currency against the initialize call.

// Session and Evidence keys.
const (
	sessPaymentID        = "payment_id"
	evidenceConvData     = "conversation_data"
	evidencePaymentID    = "payment_id"
	callbackStatus       = "status"
	callbackPaymentID    = "paymentId"
	callbackConvData     = "conversationData"
	callbackConvID       = "conversationId"
	callbackMDStatus     = "mdStatus"
	callbackSignature    = "signature"
	maxThreeDSHTMLLength = 256 << 10
)

// mdStatusText gives iyzico's meaning of each mdStatus.
var mdStatusText = map[string]string{
	"0": "3-D Secure signature invalid or verification failed",
	"1": "Authenticated",
	"2": "Card holder or issuer not registered to 3-D Secure",
	"3": "Issuer not registered to 3-D Secure",
	"4": "Verification not possible; card holder chose to register later",
	"5": "Verification not possible",
	"6": "3-D Secure error",
	"7": "System error",
	"8": "Unknown card",
}

// authLevel maps the callback. iyzico's documentation calls only mdStatus 1
// a success; 2-4 are the half-secure cases Kasa's POS policy decides on.
func authLevel(status, mdStatus string) gateway.AuthLevel {
	switch {
	case mdStatus == "1" && status == statusSuccess:
		return gateway.AuthFull
	case mdStatus == "2" || mdStatus == "3" || mdStatus == "4":
		return gateway.AuthAttempted
	}
	return gateway.AuthFailed
}

// Start3D initializes the 3DS payment and returns the 3DS page's form.
func (g *Gateway) Start3D(ctx context.Context, req *gateway.ThreeDRequest) (*gateway.ThreeDForm, *gateway.Result) {
	if req.Model != gateway.Model3D {
		return nil, gateway.RejectLocal(fmt.Errorf("iyzico: 3D model %q not offered", req.Model), gateway.ReasonInvalidTxn)
	}
	if !gateway.ValidEndpoint(req.OkURL) {
		return nil, gateway.RejectLocal(errors.New("iyzico: callback URL must be an absolute http(s) URL"), gateway.ReasonInvalidTxn)
	}
	// iyzico has one callbackUrl for success and failure; Kasa's OkURL
	// receives both and Verify3D tells them apart.
	body, err := g.paymentRequest(req.Order, req.Installments, req.Card, req.Email, req.OkURL)
	if err != nil {
		return nil, gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	path := Path3DInitPreAuth
	if req.Capture {
		path = Path3DInit
	}
	resp, res := g.call(ctx, path, body)
	if res != nil {
		return nil, res
	}
	if resp.Status != statusSuccess {
		return nil, classify(resp)
	}
	// The initialize reply is signed over paymentId and conversationId.
	if !validSignature(resp.Signature, Signature(g.secretKey, resp.PaymentID, resp.ConversationID)) || resp.ConversationID != req.OrderID || resp.PaymentID == "" {
		r := gateway.Unusable(ErrBadResponse, errors.New("3DS initialize reply does not verify"))
		return nil, &r
	}
	form, err := formFromHTML(resp.ThreeDSHTMLContent)
	if err != nil {
		r := gateway.Unusable(ErrBadResponse, err)
		return nil, &r
	}
	form.Session = map[string]string{sessPaymentID: resp.PaymentID}
	return form, &gateway.Result{Outcome: gateway.Approved, TransID: resp.PaymentID}
}

var (
	formTag  = regexp.MustCompile(`(?is)<form\b[^>]*>`)
	inputTag = regexp.MustCompile(`(?is)<input\b[^>]*>`)
	attrRe   = regexp.MustCompile(`(?is)([a-z][a-z0-9_-]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))`)
)

// formFromHTML decodes threeDSHtmlContent and extracts its first form:
// the action, the method and every named input with its value.
func formFromHTML(b64 string) (*gateway.ThreeDForm, error) {
	if len(b64) > maxThreeDSHTMLLength {
		return nil, errors.New("threeDSHtmlContent too large")
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	if err != nil {
		return nil, fmt.Errorf("threeDSHtmlContent is not base64: %w", err)
	}
	page := string(raw)
	loc := formTag.FindStringIndex(page)
	if loc == nil {
		return nil, errors.New("threeDSHtmlContent has no form")
	}
	attrs := attributes(page[loc[0]:loc[1]])
	action := attrs["action"]
	if !gateway.ValidEndpoint(action) {
		return nil, fmt.Errorf("threeDSHtmlContent form action %q is not an absolute URL", action)
	}
	if m := strings.ToLower(attrs["method"]); m != "" && m != "post" {
		return nil, fmt.Errorf("threeDSHtmlContent form method %q", m)
	}
	rest := page[loc[1]:]
	if end := strings.Index(strings.ToLower(rest), "</form"); end >= 0 {
		rest = rest[:end]
	}
	form := &gateway.ThreeDForm{URL: action}
	for _, tag := range inputTag.FindAllString(rest, -1) {
		a := attributes(tag)
		if a["name"] == "" {
			continue
		}
		form.Fields = append(form.Fields, gateway.Field{Name: a["name"], Value: a["value"]})
	}
	return form, nil
}

// attributes reads a tag's attributes, lower-casing names and unescaping
// values.
func attributes(tag string) map[string]string {
	out := map[string]string{}
	for _, m := range attrRe.FindAllStringSubmatch(tag, -1) {
		name := strings.ToLower(m[1])
		if _, dup := out[name]; dup {
			continue
		}
		out[name] = html.UnescapeString(m[2] + m[3] + m[4])
	}
	return out
}

func callbackErr(format string, a ...any) error {
	return &gateway.CallbackError{Reason: fmt.Sprintf(format, a...)}
}

// single returns a field that must occur at most once.
func single(form url.Values, name string) (string, error) {
	v := form[name]
	if len(v) > 1 {
		return "", callbackErr("field %s repeated", name)
	}
	if len(v) == 0 {
		return "", nil
	}
	return v[0], nil
}

// Verify3D checks the callback's signature over iyzico's fixed field list
// and binds it to this attempt's paymentId and order id.
func (g *Gateway) Verify3D(_ context.Context, cb *gateway.ThreeDCallback) (*gateway.ThreeDResult, error) {
	if cb == nil || cb.Session[sessPaymentID] == "" {
		return nil, callbackErr("no 3D session for this attempt")
	}
	if cb.Model != "" && cb.Model != gateway.Model3D {
		return nil, callbackErr("model %q not offered", cb.Model)
	}
	f := map[string]string{}
	for _, name := range []string{callbackStatus, callbackPaymentID, callbackConvData, callbackConvID, callbackMDStatus, callbackSignature} {
		v, err := single(cb.Form, name)
		if err != nil {
			return nil, err
		}
		f[name] = v
	}
	if f[callbackSignature] == "" {
		return nil, callbackErr("signature missing")
	}
	want := Signature(g.secretKey, f[callbackConvData], f[callbackConvID], f[callbackMDStatus], f[callbackPaymentID], f[callbackStatus])
	if !validSignature(f[callbackSignature], want) {
		return nil, callbackErr("signature does not verify")
	}
	if f[callbackPaymentID] != cb.Session[sessPaymentID] {
		return nil, callbackErr("paymentId %q is not this attempt's", f[callbackPaymentID])
	}
	if f[callbackConvID] != cb.Expected.OrderID {
		return nil, callbackErr("conversationId %q is not order %q", f[callbackConvID], cb.Expected.OrderID)
	}
	md := f[callbackMDStatus]
	return &gateway.ThreeDResult{
		Auth:     authLevel(f[callbackStatus], md),
		MDStatus: md,
		MDText:   mdStatusText[md],
		MD:       f[callbackConvData],
		Evidence: map[string]string{evidencePaymentID: f[callbackPaymentID], evidenceConvData: f[callbackConvData]},
	}, nil
}

// Complete3D finishes the payment with /payment/v2/3dsecure/auth.
func (g *Gateway) Complete3D(ctx context.Context, req *gateway.ThreeDCompleteRequest) *gateway.Result {
	if err := checkOrder(req.Order, true); err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	if req.Result == nil || req.Result.Evidence[evidencePaymentID] == "" {
		return gateway.RejectLocal(errors.New("iyzico: no verified 3D result"), gateway.ReasonInvalidTxn)
	}
	resp, res := g.call(ctx, Path3DAuth, &threeDAuthRequest{
		Locale:           defaultLocale,
		ConversationID:   req.OrderID,
		PaymentID:        req.Result.Evidence[evidencePaymentID],
		ConversationData: req.Result.Evidence[evidenceConvData],
		PaidPrice:        FormatPrice(req.Amount),
		BasketID:         req.OrderID,
		Currency:         req.Amount.Currency.Code,
	})
	if res != nil {
		return res
	}
	return g.paymentResult(resp, req.Order)
}
