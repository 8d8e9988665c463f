package est3

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/money"
)

// 3D Secure on EST: the browser posts a form signed with the ver3 hash to
// est3Dgate; the bank authenticates the cardholder and posts the result back
// to okUrl or failUrl, signed with the ver3 hash over every field it posts.
//
// Kasa's models map to EST store types:
//
//	3d      → storetype 3d             card on Kasa's form; Kasa provisions (Complete3D)
//	3d_pay  → storetype 3d_pay         card on Kasa's form; the bank provisions
//	3d_host → storetype 3d_pay_hosting the bank hosts the card page and provisions
//
// EST's own "3d_host" store type (hosted page, authentication only) is not
// offered: Kasa's 3d_host means the bank also provisions, and Verify3D fills
// Provision for it.
var storeTypes = map[string]string{
	gateway.Model3D:     "3d",
	gateway.Model3DPay:  "3d_pay",
	gateway.Model3DHost: "3d_pay_hosting",
}

// sessionTaksit is the Session key holding the installment field Kasa posted,
// so that Verify3D can bind the callback's installments to the attempt.
const sessionTaksit = "taksit"

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

// authLevel maps mdStatus: only 1 is full authentication, 2-4 are half
// secure; everything else, including an empty or unknown value, failed.
func authLevel(mdStatus string) gateway.AuthLevel {
	switch mdStatus {
	case "1":
		return gateway.AuthFull
	case "2", "3", "4":
		return gateway.AuthAttempted
	}
	return gateway.AuthFailed
}

// The operations EST offers for 3D Secure.
var (
	_ gateway.ThreeDStarter   = (*Gateway)(nil)
	_ gateway.ThreeDVerifier  = (*Gateway)(nil)
	_ gateway.ThreeDCompleter = (*Gateway)(nil)
)

// Start3D builds the est3Dgate form. No bank call is made; the Result is
// Approved with the form, or Rejected when the request cannot be sent.
func (g *Gateway) Start3D(_ context.Context, req *gateway.ThreeDRequest) (*gateway.ThreeDForm, *gateway.Result) {
	storetype, ok := storeTypes[req.Model]
	if !ok {
		return nil, gateway.RejectLocal(fmt.Errorf("est3: 3D model %q not supported", req.Model), gateway.ReasonInvalidTxn)
	}
	if err := g.check3D(); err != nil {
		return nil, gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	if err := checkOrder(req.Order, true); err != nil {
		return nil, gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	if req.Installments < 0 {
		return nil, gateway.RejectLocal(errors.New("est3: negative installment count"), gateway.ReasonInstallments)
	}
	for _, u := range []string{req.OkURL, req.FailURL} {
		if err := checkCallbackURL(u); err != nil {
			return nil, gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
		}
	}
	withCard := storetype != storeTypes[gateway.Model3DHost]
	if withCard && req.Card.PAN.IsZero() {
		return nil, gateway.RejectLocal(errors.New("est3: card number missing"), gateway.ReasonInvalidCard)
	}
	lang := "tr"
	if req.Lang == "en" {
		lang = "en"
	}
	tranType := typePreAuth
	if req.Capture {
		tranType = typeAuth
	}
	taksit := FormatInstallments(req.Installments)

	fields := []gateway.Field{
		{Name: "clientid", Value: g.clientID},
		{Name: "storetype", Value: storetype},
		{Name: "amount", Value: FormatAmount(req.Amount)},
		{Name: "oid", Value: req.OrderID},
		{Name: "okUrl", Value: req.OkURL},
		{Name: "failUrl", Value: req.FailURL},
		{Name: "rnd", Value: newRnd()},
		{Name: "lang", Value: lang},
		{Name: "currency", Value: req.Amount.Currency.Numeric},
		{Name: "taksit", Value: taksit},
		{Name: "TranType", Value: tranType},
		{Name: "hashAlgorithm", Value: "ver3"},
	}
	if withCard {
		fields = append(fields,
			gateway.Field{Name: "pan", Value: req.Card.PAN.Reveal()},
			gateway.Field{Name: "Ecom_Payment_Card_ExpDate_Month", Value: req.Card.Expiry.MM()},
			gateway.Field{Name: "Ecom_Payment_Card_ExpDate_Year", Value: req.Card.Expiry.YY()},
			gateway.Field{Name: "cv2", Value: req.Card.CVV.Reveal()},
		)
	}
	if req.Email != "" {
		fields = append(fields, gateway.Field{Name: "Email", Value: req.Email})
	}
	// The bank hashes every field it receives, so the hash covers exactly
	// what is posted, card fields included.
	signed := make(map[string]string, len(fields))
	for _, f := range fields {
		signed[f.Name] = f.Value
	}
	fields = append(fields, gateway.Field{Name: "hash", Value: HashVer3(signed, g.storeKey)})
	form := &gateway.ThreeDForm{URL: g.gate, Fields: fields, Session: map[string]string{sessionTaksit: taksit}}
	return form, &gateway.Result{Outcome: gateway.Approved}
}

// check3D reports configuration 3D Secure needs and non-3D payments do not.
func (g *Gateway) check3D() error {
	if g.storeKey == "" {
		return errors.New("est3: store key is required for 3D Secure")
	}
	if g.gate == "" {
		return errors.New("est3: 3D gate endpoint is required for 3D Secure")
	}
	return nil
}

func checkCallbackURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("est3: invalid callback URL %q", s)
	}
	return nil
}

// newRnd is the form's nonce. Its value only has to be unguessable; the hash
// escapes any character.
func newRnd() string {
	b := make([]byte, 10)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Fields every ver3 callback must carry. ver3 signs every posted field, so
// presence is what has to be checked: a decision field that is missing was
// not signed and the callback is refused rather than read with a default.
var (
	requiredNonEmpty = []string{"clientid", "oid", "amount", "currency", "storetype", "hashAlgorithm", "mdStatus"}
	requiredPresent  = []string{"taksit", "md", "xid", "eci", "cavv"}
	// Provisioning fields of 3d_pay / 3d_pay_hosting, required once the
	// cardholder is authenticated (the bank then always provisions).
	requiredProvision = []string{"Response", "ProcReturnCode"}
)

func callbackErr(format string, a ...any) error {
	return &gateway.CallbackError{Reason: fmt.Sprintf(format, a...)}
}

// Verify3D checks a callback and extracts its result. Order of work: refuse
// ambiguous or legacy-signed forms, verify the ver3 hash over every posted
// field (the bank's own rule) in constant time, and only then read fields:
// the required ones must be present, and the client id, store type, order
// id, amount, currency, installments and transaction type must be the
// attempt's. Amount and currency are compared with cb.Expected, never taken
// from the callback.
func (g *Gateway) Verify3D(_ context.Context, cb *gateway.ThreeDCallback) (*gateway.ThreeDResult, error) {
	storetype, ok := storeTypes[cb.Model]
	if !ok {
		return nil, fmt.Errorf("est3: 3D model %q not supported", cb.Model)
	}
	if g.storeKey == "" {
		return nil, errors.New("est3: store key is required for 3D Secure")
	}
	wantTaksit, ok := cb.Session[sessionTaksit]
	if !ok {
		// No attempt was started (or its session expired): whatever was
		// posted cannot be the bank's answer to it.
		return nil, &gateway.CallbackError{Reason: "no 3D attempt was started for this payment"}
	}
	fields, hash, err := callbackFields(cb.Form)
	if err != nil {
		return nil, err
	}
	if !VerifyVer3(fields, g.storeKey, hash) {
		return nil, callbackErr("hash does not verify")
	}

	for _, k := range requiredNonEmpty {
		if fields[k] == "" {
			return nil, callbackErr("signed field %s missing", k)
		}
	}
	for _, k := range requiredPresent {
		if _, ok := fields[k]; !ok {
			return nil, callbackErr("signed field %s missing", k)
		}
	}
	if fields["hashAlgorithm"] != "ver3" {
		return nil, callbackErr("hashAlgorithm %q, want ver3", fields["hashAlgorithm"])
	}
	if fields["clientid"] != g.clientID {
		return nil, callbackErr("client id is not this POS's")
	}
	if fields["storetype"] != storetype {
		return nil, callbackErr("store type %q, want %q", fields["storetype"], storetype)
	}
	if err := matchOrder(fields, cb.Expected); err != nil {
		return nil, err
	}
	if normTaksit(fields["taksit"]) != normTaksit(wantTaksit) {
		return nil, callbackErr("installments %q, attempt had %q", fields["taksit"], wantTaksit)
	}
	if err := matchTranType(fields, cb.Capture); err != nil {
		return nil, err
	}

	md := fields["mdStatus"]
	res := &gateway.ThreeDResult{
		Auth:     authLevel(md),
		MDStatus: md,
		MDText:   mdStatusText[md],
		ECI:      fields["eci"],
		CAVV:     fields["cavv"],
		XID:      fields["xid"],
		MD:       fields["md"],
	}
	// The bank's own explanation of a failure is more specific than the table.
	if msg := fields["mdErrorMsg"]; res.Auth == gateway.AuthFailed && msg != "" {
		res.MDText = msg
	}
	if cb.Model != gateway.Model3D {
		p, err := provision(fields, res.Auth)
		if err != nil {
			return nil, err
		}
		res.Provision = p
	}
	return res, nil
}

// callbackFields flattens the form. A field posted twice, two names equal
// but for case, or the legacy HASHPARAMS scheme make the form ambiguous or a
// downgrade, and are refused before any hashing.
func callbackFields(form url.Values) (map[string]string, string, error) {
	fields := make(map[string]string, len(form))
	seen := make(map[string]string, len(form))
	var hash string
	for k, v := range form {
		if len(v) != 1 {
			return nil, "", callbackErr("field %q posted %d times", k, len(v))
		}
		lk := strings.ToLower(k)
		if other, dup := seen[lk]; dup {
			return nil, "", callbackErr("fields %q and %q differ only in case", other, k)
		}
		seen[lk] = k
		switch lk {
		case "hashparams", "hashparamsval":
			// A ver3 POS never accepts the legacy scheme, whose signed-field
			// list is chosen by the sender.
			return nil, "", callbackErr("legacy %s callback refused on a ver3 POS", k)
		case "hash":
			hash = v[0]
		}
		fields[k] = v[0]
	}
	if hash == "" {
		return nil, "", callbackErr("no HASH")
	}
	return fields, hash, nil
}

func matchOrder(fields map[string]string, want gateway.Order) error {
	if fields["oid"] != want.OrderID {
		return callbackErr("order id %q is not the attempt's", fields["oid"])
	}
	cur := want.Amount.Currency
	if fields["currency"] != cur.Numeric {
		return callbackErr("currency %q, attempt is %s", fields["currency"], cur.Numeric)
	}
	a, err := money.ParseDecimal(fields["amount"], cur)
	if err != nil || !reCallbackAmount.MatchString(fields["amount"]) || a.Minor != want.Amount.Minor {
		return callbackErr("amount %q, attempt is %s", fields["amount"], FormatAmount(want.Amount))
	}
	return nil
}

// matchTranType checks the transaction type the bank echoes (TranType, or
// islemtipi on older hosts) against the attempt's sale/pre-auth choice.
func matchTranType(fields map[string]string, capture bool) error {
	want := typePreAuth
	if capture {
		want = typeAuth
	}
	found := false
	for _, k := range []string{"TranType", "islemtipi"} {
		if v, ok := fields[k]; ok {
			found = true
			if v != want {
				return callbackErr("%s %q, attempt is %s", k, v, want)
			}
		}
	}
	if !found {
		return callbackErr("signed field TranType missing")
	}
	return nil
}

// reCallbackAmount is the dot-decimal form EST echoes ("100", "100.5", "100.25").
var reCallbackAmount = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)

func normTaksit(s string) string {
	s = strings.TrimLeft(strings.TrimSpace(s), "0")
	if s == "1" {
		return ""
	}
	return s
}

// provision reads the bank's provisioning result from a 3d_pay or
// 3d_pay_hosting callback. When authentication failed the bank does not
// provision and may omit the fields: that is a decline with no bank code.
// An approval next to a failed authentication contradicts itself, so only
// a status query may tell what happened.
func provision(fields map[string]string, auth gateway.AuthLevel) (*gateway.Result, error) {
	if auth == gateway.AuthFailed && fields["ProcReturnCode"] == "" {
		msg := fields["ErrMsg"]
		if msg == "" {
			msg = fields["mdErrorMsg"]
		}
		return &gateway.Result{Outcome: gateway.Declined, Reason: gateway.ReasonOther, BankMessage: msg}, nil
	}
	for _, k := range requiredProvision {
		if fields[k] == "" {
			return nil, callbackErr("signed field %s missing", k)
		}
	}
	resp := &Response{
		OrderID:        fields["oid"],
		Response:       fields["Response"],
		AuthCode:       fields["AuthCode"],
		HostRefNum:     fields["HostRefNum"],
		ProcReturnCode: fields["ProcReturnCode"],
		TransID:        fields["TransId"],
		ErrMsg:         fields["ErrMsg"],
		Extra:          map[string]string{},
	}
	// The callback flattens CC5Response/Extra into EXTRA_xxx fields.
	for k, v := range fields {
		if name, ok := strings.CutPrefix(k, "EXTRA_"); ok {
			resp.Extra[name] = v
		}
	}
	res := classify(resp)
	if res.Outcome == gateway.Approved && auth == gateway.AuthFailed {
		err := errors.New("est3: callback reports an approval without 3D authentication")
		return &gateway.Result{Outcome: gateway.Unknown, Reason: gateway.ReasonSystemError, BankCode: res.BankCode,
			AuthCode: res.AuthCode, HostRef: res.HostRef, TransID: res.TransID, BankMessage: err.Error(), Err: err}, nil
	}
	return res, nil
}

// Complete3D provisions a 3D-model payment: Auth or PreAuth with the 3D
// evidence in place of card data (Number = md). Amount, currency and
// installments come from the request (Kasa's stored attempt), never from
// the callback. A failed authentication is refused without a bank call;
// whether half-secure (attempted) results may be provisioned is the
// merchant's policy, decided before calling.
func (g *Gateway) Complete3D(ctx context.Context, req *gateway.ThreeDCompleteRequest) *gateway.Result {
	if err := checkOrder(req.Order, true); err != nil {
		return gateway.RejectLocal(err, gateway.ReasonInvalidTxn)
	}
	if req.Installments < 0 {
		return gateway.RejectLocal(errors.New("est3: negative installment count"), gateway.ReasonInstallments)
	}
	tr := req.Result
	switch {
	case tr == nil:
		return gateway.RejectLocal(errors.New("est3: no verified 3D result"), gateway.ReasonInvalidTxn)
	case tr.Auth != gateway.AuthFull && tr.Auth != gateway.AuthAttempted:
		return gateway.RejectLocal(fmt.Errorf("est3: 3D authentication failed (mdStatus %q)", tr.MDStatus), gateway.ReasonNotPermitted)
	case tr.MD == "":
		return gateway.RejectLocal(errors.New("est3: 3D result has no md"), gateway.ReasonInvalidTxn)
	}
	typ := typePreAuth
	if req.Capture {
		typ = typeAuth
	}
	taksit := FormatInstallments(req.Installments)
	r := g.request(typ, req.OrderID)
	r.IPAddress = req.ClientIP
	r.Total = FormatAmount(req.Amount)
	r.Currency = req.Amount.Currency.Numeric
	r.Taksit = &taksit
	r.Number = tr.MD
	r.PayerTxnID = tr.XID
	r.PayerSecurityLevel = tr.ECI
	r.PayerAuthenticationCode = tr.CAVV
	r.Mode = "P"
	return g.do(ctx, r)
}
