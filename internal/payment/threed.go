package payment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/money"
	"github.com/kasapos/kasa/internal/store"
)

// 3D Secure runs in three steps across two parties:
//  1. POST /v1/payments with three_d: the payment is recorded requires_action
//     and the card is sealed in the vault (it must outlive the API call to
//     reach the bank's gate);
//  2. the customer's browser opens Begin3D's form, which posts to the bank;
//  3. the bank posts the browser back to Callback3D, which trusts nothing
//     before the adapter verified the hash and matched order, amount and
//     currency with what Kasa stored; then the bank's provisioning result is
//     recorded (3d_pay, 3d_host) or Kasa provisions itself (3d).

// VaultTTL bounds how long a card may wait for its 3D round trip (PCI-1).
const VaultTTL = 30 * time.Minute

// Decline reason for a failed or refused 3D authentication.
const ReasonAuthenticationFailed = "authentication_failed"

// NextAction tells the merchant what the customer must do.
type NextAction struct {
	Type        string `json:"type"` // "redirect"
	RedirectURL string `json:"redirect_url"`
}

// ThreeDView is a payment's 3D Secure state.
type ThreeDView struct {
	Model    string `json:"model"`
	MDStatus string `json:"md_status,omitempty"`
	Meaning  string `json:"md_status_meaning,omitempty"`
}

// mdStatusMeaning is the EST/Garanti-style table most Turkish banks share.
var mdStatusMeaning = map[string]string{
	"0": "authentication failed", "1": "full authentication", "2": "card not enrolled (half secure)",
	"3": "issuer not participating (half secure)", "4": "authentication attempted (half secure)",
	"5": "authentication could not be performed", "6": "3-D Secure error", "7": "system error",
	"8": "unknown card number", "9": "merchant not enrolled for 3-D Secure",
}

// vaultData is what the vault seals. Card fields are explicit: the card
// types refuse to serialise themselves in clear.
type vaultData struct {
	PAN      string            `json:"pan,omitempty"`
	ExpMonth int               `json:"exp_month,omitempty"`
	ExpYear  int               `json:"exp_year,omitempty"`
	CVV      string            `json:"cvv,omitempty"`
	Holder   string            `json:"holder,omitempty"`
	Session  map[string]string `json:"session,omitempty"`
}

func vaultAAD(paymentID string) []byte { return []byte("vault:" + paymentID) }

func (s *Service) sealVault(ctx context.Context, paymentID string, d *vaultData, expires time.Time) error {
	plain, err := json.Marshal(d)
	if err != nil {
		return err
	}
	defer clear(plain)
	return s.Store.PutVault(ctx, &store.VaultEntry{PaymentID: paymentID, Sealed: s.Keys.Seal(plain, vaultAAD(paymentID)), ExpiresAt: expires})
}

func (s *Service) openVault(ctx context.Context, paymentID string) (*vaultData, *store.VaultEntry, error) {
	e, err := s.Store.GetVault(ctx, paymentID, s.now())
	if err != nil {
		return nil, nil, err
	}
	plain, err := s.Keys.Open(e.Sealed, vaultAAD(paymentID))
	if err != nil {
		return nil, nil, err
	}
	defer clear(plain)
	var d vaultData
	if err := json.Unmarshal(plain, &d); err != nil {
		return nil, nil, err
	}
	return &d, e, nil
}

func (d *vaultData) card() (card.Card, error) {
	if d.PAN == "" {
		return card.Card{}, nil
	}
	var c card.Card
	var err error
	if c.PAN, err = card.ParsePAN(d.PAN); err != nil {
		return c, err
	}
	if c.Expiry, err = card.NewExpiry(d.ExpMonth, d.ExpYear); err != nil {
		return c, err
	}
	if c.CVV, err = card.ParseCVV(d.CVV); err != nil {
		return c, err
	}
	c.Holder = d.Holder
	return c, nil
}

// CheckReturnURL refuses a return_url outside the merchant's registered
// domains: Kasa must never be an open redirect.
func (s *Service) CheckReturnURL(ctx context.Context, merchantID, raw string) error {
	if raw == "" {
		return invalid("parameter_missing", "return_url", "return_url is required for 3D Secure and hosted payments")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return invalid("return_url_invalid", "return_url", "return_url must be an absolute http(s) URL")
	}
	m, err := s.Store.GetMerchant(ctx, merchantID)
	if err != nil {
		return err
	}
	if !HostAllowed(u.Hostname(), m.ReturnDomains) {
		return invalid("return_url_not_allowed", "return_url",
			fmt.Sprintf("%s is not one of your registered return domains; add it with PATCH /v1/merchant", u.Hostname()))
	}
	return nil
}

// HostAllowed matches host against exact names and "*.example.com" patterns.
func HostAllowed(host string, domains []string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, d := range domains {
		d = strings.ToLower(strings.TrimSpace(d))
		if d == host || (strings.HasPrefix(d, "*.") && strings.HasSuffix(host, d[1:]) && len(host) > len(d)-1) {
			return true
		}
	}
	return false
}

// create3D records a 3D payment as requires_action and seals what the
// browser round trip needs.
func (s *Service) create3D(ctx context.Context, c Caller, r *CreateRequest, v *validated, route *routed, model string) (*View, error) {
	gw, desc, err := s.gatewayFor(route.pos())
	if err != nil {
		return nil, err
	}
	if !gateway.Supports(gw, gateway.Op3D) || !slices.Contains(desc.ThreeDModels, model) {
		return nil, notSupported("3D Secure model " + model)
	}
	if model == gateway.Model3D {
		if _, ok := gw.(gateway.ThreeDCompleter); !ok {
			return nil, notSupported("3D Secure model 3d")
		}
	}
	// A hosted-checkout payment returns to its own checkout page, which then
	// sends the customer on to the merchant's checked return_url.
	if r.CheckoutSessionID == "" || r.ReturnURL != s.PublicURL+"/checkout/"+r.CheckoutSessionID {
		if err := s.CheckReturnURL(ctx, c.MerchantID, r.ReturnURL); err != nil {
			return nil, err
		}
	}
	p := s.newPayment(c, r, v, route, desc)
	p.Status, p.ThreeDModel, p.ReturnURL = store.StatusRequiresAction, model, r.ReturnURL
	t := s.newTx(p, store.KindThreeD, p.Amount)
	if err := s.Store.InTx(ctx, func(tx store.Tx) error {
		if err := s.insertIntent(ctx, tx, c, p, t); err != nil {
			return err
		}
		return s.emit(ctx, tx, p)
	}); err != nil {
		return nil, c.Idem.failed(err)
	}
	c.Idem.claimed() // its response is stored by the caller, after the vault
	d := &vaultData{}
	if !v.card.PAN.IsZero() {
		d.PAN, d.ExpMonth, d.ExpYear = v.card.PAN.Reveal(), v.card.Expiry.Month, v.card.Expiry.Year
		d.CVV, d.Holder = v.card.CVV.Reveal(), v.card.Holder
	}
	if err := s.sealVault(ctx, p.ID, d, s.now().Add(VaultTTL)); err != nil {
		return nil, err
	}
	return s.view(ctx, p, &OperationRef{Requested: "sale", BankOperation: store.KindThreeD, TransactionID: t.ID, Status: t.Status, Amount: p.Amount})
}

// ThreeDPath is where the customer's browser starts 3D Secure.
func ThreeDPath(paymentID string) string { return "/3ds/" + paymentID + "/start" }

func callbackURL(base, paymentID string) string { return base + "/3ds/" + paymentID + "/callback" }

// ReturnTo is where the browser goes when the payment is settled.
func ReturnTo(p *store.Payment) string {
	u, err := url.Parse(p.ReturnURL)
	if err != nil {
		return ""
	}
	q := u.Query()
	q.Set("payment_id", p.ID)
	q.Set("status", p.Status)
	u.RawQuery = q.Encode()
	return u.String()
}

// Begin3D builds the form the browser posts to the bank. done is set (and
// form nil) when there is nothing left to do but return to the merchant.
func (s *Service) Begin3D(ctx context.Context, baseURL, paymentID string) (form *gateway.ThreeDForm, done string, err error) {
	p, err := s.Store.PaymentByID(ctx, paymentID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", notFound("payment")
	} else if err != nil {
		return nil, "", err
	}
	if p.Status != store.StatusRequiresAction {
		return nil, ReturnTo(p), nil
	}
	_, gw, err := s.posAndGateway(ctx, p)
	if err != nil {
		return nil, "", err
	}
	d, entry, err := s.openVault(ctx, p.ID)
	if errors.Is(err, store.ErrNotFound) {
		p, err = s.fail3D(ctx, p, &gateway.Result{Outcome: gateway.Rejected, BankMessage: "3-D Secure session expired before the customer reached the bank"}, nil)
		if err != nil {
			return nil, "", err
		}
		return nil, ReturnTo(p), nil
	} else if err != nil {
		return nil, "", err
	}
	c, err := d.card()
	if err != nil {
		return nil, "", err
	}
	cur := money.MustCurrency(p.Currency)
	req := &gateway.ThreeDRequest{
		Order: gateway.Order{OrderID: p.BankOrderID, Amount: money.New(p.Amount, cur), ClientIP: p.CustomerIP},
		Model: p.ThreeDModel, Capture: p.Capture, Installments: p.Installments, Card: c,
		OkURL: callbackURL(baseURL, p.ID), FailURL: callbackURL(baseURL, p.ID), Lang: "tr", Email: p.CustomerEmail,
	}
	var f *gateway.ThreeDForm
	t := &store.Transaction{}
	res := s.call(ctx, func(ctx context.Context) *gateway.Result {
		var r *gateway.Result
		f, r = gw.(gateway.ThreeDStarter).Start3D(ctx, req)
		if r == nil && f != nil {
			r = &gateway.Result{Outcome: gateway.Approved} // a form and no complaint
		}
		return r
	}, t)
	if !res.OK() || f == nil {
		// Enrollment is not a charge: whatever went wrong, no money moved.
		if res.Outcome == gateway.Unknown || res.Outcome == gateway.Approved {
			res = &gateway.Result{Outcome: gateway.NotSent, BankCode: res.BankCode, BankMessage: res.BankMessage, Err: res.Err}
		}
		p, err = s.fail3D(ctx, p, res, nil)
		if err != nil {
			return nil, "", err
		}
		return nil, ReturnTo(p), nil
	}
	if len(f.Session) > 0 {
		d.Session = f.Session
		if err := s.sealVault(ctx, p.ID, d, entry.ExpiresAt); err != nil {
			return nil, "", err
		}
	}
	return f, "", nil
}

// fail3D ends a 3D payment that never reached provisioning.
func (s *Service) fail3D(ctx context.Context, p *store.Payment, res *gateway.Result, r3 *gateway.ThreeDResult) (*store.Payment, error) {
	var out *store.Payment
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		cur, err := tx.LockPayment(ctx, p.MerchantID, p.ID)
		if err != nil {
			return err
		}
		out = cur
		if cur.Status != store.StatusRequiresAction {
			return nil
		}
		if err := s.closeThreeDTx(ctx, tx, cur, res, r3); err != nil {
			return err
		}
		applyAuthorize(cur, store.KindSale, res)
		if r3 != nil {
			cur.MDStatus = r3.MDStatus
		}
		cur.UpdatedAt = s.now()
		if err := tx.UpdatePayment(ctx, cur); err != nil {
			return err
		}
		if err := tx.DeleteVault(ctx, cur.ID); err != nil {
			return err
		}
		return s.emit(ctx, tx, cur)
	})
	return out, err
}

// closeThreeDTx completes the payment's pending three_d timeline row.
func (s *Service) closeThreeDTx(ctx context.Context, tx store.Tx, p *store.Payment, res *gateway.Result, r3 *gateway.ThreeDResult) error {
	txs, err := tx.ListTransactions(ctx, p.ID)
	if err != nil {
		return err
	}
	for _, t := range txs {
		if t.Kind == store.KindThreeD && t.Status == store.TxPending {
			s.record(t, res)
			if r3 != nil {
				t.BankCode, t.BankMessage = r3.MDStatus, mdStatusMeaning[r3.MDStatus]
			}
			return tx.UpdateTransaction(ctx, t)
		}
	}
	return nil
}

// Callback3D handles the bank's post-back. It returns where to send the
// browser. A callback that fails verification changes nothing — not even to
// "failed", since a forged failure must not spoil a payment a genuine
// callback may still complete. For protocols whose result arrives by
// notification (gateway.Notifier) the browser's post carries nothing to
// trust: it only waits for the notification (Await3D).
func (s *Service) Callback3D(ctx context.Context, paymentID string, form url.Values) (string, error) {
	p, err := s.Store.PaymentByID(ctx, paymentID)
	if errors.Is(err, store.ErrNotFound) {
		return "", notFound("payment")
	} else if err != nil {
		return "", err
	}
	if p.Status != store.StatusRequiresAction {
		return ReturnTo(p), nil // a replay: the payment is settled and stays so
	}
	pos, gw, err := s.posAndGateway(ctx, p)
	if err != nil {
		return "", err
	}
	if _, ok := gw.(gateway.Notifier); ok {
		return s.Await3D(ctx, paymentID, ReturnWait)
	}
	r3, d, err := s.verify3D(ctx, p, gw, form)
	if err != nil {
		return "", err
	}
	if p, err = s.settle3D(ctx, p, pos, gw, d, r3); err != nil {
		return "", err
	}
	return ReturnTo(p), nil
}

// verify3D has the adapter verify a bank's answer (a browser callback or a
// server-to-server notification) against what Kasa stored for p. A
// rejected answer is a callback_invalid error and changes nothing.
func (s *Service) verify3D(ctx context.Context, p *store.Payment, gw gateway.Gateway, form url.Values) (*gateway.ThreeDResult, *vaultData, error) {
	d, _, err := s.openVault(ctx, p.ID)
	if errors.Is(err, store.ErrNotFound) {
		d = &vaultData{}
	} else if err != nil {
		return nil, nil, err
	}
	r3, err := gw.(gateway.ThreeDVerifier).Verify3D(ctx, &gateway.ThreeDCallback{
		Model: p.ThreeDModel, Expected: order3D(p), Capture: p.Capture, Form: form, Session: d.Session,
	})
	var cbErr *gateway.CallbackError
	if errors.As(err, &cbErr) {
		s.log().Warn("3d callback rejected", "payment_id", p.ID, "reason", cbErr.Reason)
		return nil, nil, &Error{Status: http.StatusBadRequest, Code: "callback_invalid", PaymentID: p.ID,
			Message: "the bank's answer could not be verified; the payment is unchanged"}
	} else if err != nil {
		return nil, nil, err
	}
	return r3, d, nil
}

func order3D(p *store.Payment) gateway.Order {
	return gateway.Order{OrderID: p.BankOrderID, Amount: money.New(p.Amount, money.MustCurrency(p.Currency)), ClientIP: p.CustomerIP}
}

// settle3D records a verified 3D result: a failure ends the payment; a
// success is claimed (requires_action → processing, once of any concurrent
// deliveries) and then either recorded as the bank's own provisioning
// result (3d_pay, 3d_host) or provisioned by Kasa (3d). It returns the
// payment as it then stands.
func (s *Service) settle3D(ctx context.Context, p *store.Payment, pos *store.POS, gw gateway.Gateway, d *vaultData, r3 *gateway.ThreeDResult) (*store.Payment, error) {
	// A half-secure result the POS does not accept stops here in the 3D model;
	// in 3d_pay/3d_host the bank has already provisioned by its own rules,
	// and its result is recorded as it is.
	refused := r3.Auth == gateway.AuthAttempted && !pos.AllowAttempted3D && r3.Provision == nil
	if r3.Auth == gateway.AuthFailed || refused {
		msg := "3-D Secure authentication failed: " + mdStatusMeaning[r3.MDStatus]
		if r3.Auth == gateway.AuthAttempted {
			msg = "half-secure (attempted) authentication is not accepted on this POS"
		}
		return s.fail3D(ctx, p, &gateway.Result{Outcome: gateway.Declined, Reason: ReasonAuthenticationFailed, BankCode: r3.MDStatus, BankMessage: msg}, r3)
	}
	kind := store.KindSale
	if !p.Capture {
		kind = store.KindPreAuth
	}
	// Claim the payment for provisioning: of two concurrent callbacks, only
	// the one that moves requires_action → processing goes on.
	var claimed bool
	t := s.newTx(p, kind, p.Amount)
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		claimed = false
		cur, err := tx.LockPayment(ctx, p.MerchantID, p.ID)
		if err != nil || cur.Status != store.StatusRequiresAction {
			return err
		}
		if err := s.closeThreeDTx(ctx, tx, cur, &gateway.Result{Outcome: gateway.Approved}, r3); err != nil {
			return err
		}
		cur.MDStatus, cur.Status, cur.UpdatedAt = r3.MDStatus, store.StatusProcessing, s.now()
		if err := tx.UpdatePayment(ctx, cur); err != nil {
			return err
		}
		claimed, p = true, cur
		return tx.InsertTransaction(ctx, t)
	})
	if err != nil {
		return nil, err
	}
	if !claimed {
		return s.Store.PaymentByID(ctx, p.ID)
	}
	var res *gateway.Result
	if r3.Provision != nil {
		res = r3.Provision // 3d_pay / 3d_host: the bank already decided
	} else {
		c, err := d.card()
		if err != nil {
			return nil, err
		}
		req := &gateway.ThreeDCompleteRequest{Order: order3D(p), Capture: p.Capture, Installments: p.Installments, Result: r3, Card: c}
		res = s.call(ctx, func(ctx context.Context) *gateway.Result { return gw.(gateway.ThreeDCompleter).Complete3D(ctx, req) }, t)
	}
	v, err := s.finish(ctx, p, t, res, "sale", nil)
	if err != nil {
		return nil, err
	}
	p.Status = v.Status
	return p, nil
}
