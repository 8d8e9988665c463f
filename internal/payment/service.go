// Package payment drives payments through their states. Every bank call runs
// in three steps (IDEM-3): a transaction durably records the intent (payment
// "processing", transaction "pending", stable bank order id), the bank call runs
// outside any database transaction, and a second transaction records the
// outcome together with its outbox event. A crash between the steps leaves a
// row the resolver settles by status query; nothing is ever resent under a new
// bank order id.
package payment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/id"
	"github.com/kasapos/kasa/internal/money"
	"github.com/kasapos/kasa/internal/routing"
	"github.com/kasapos/kasa/internal/secret"
	"github.com/kasapos/kasa/internal/store"
)

// Service is the payment engine the API calls.
type Service struct {
	Store      store.Store
	Keys       *secret.Keyring
	HTTPClient *http.Client
	Log        *slog.Logger
	Now        func() time.Time
	// BankTimeout bounds one bank call; after it the outcome is unknown.
	BankTimeout time.Duration
	// BINs is the card BIN table (seed + imported rows); Router chooses the
	// POS of each payment and holds the per-POS circuit breakers. Nil means
	// the seed table and a fresh router.
	BINs   *routing.Table
	Router *routing.Router

	// OnBankCall, if set, observes every finished bank call (metrics, health).
	// It runs after the outcome is durably recorded and must not block.
	OnBankCall func(posID string, t *store.Transaction)
	// PublicURL is Kasa's base URL as the customer's browser and the banks
	// reach it (3D redirects and callbacks).
	PublicURL string

	// POSCacheTTL bounds how stale the POS list used for routing may be on
	// this node (DefaultPOSCacheTTL if zero, no cache if negative).
	POSCacheTTL time.Duration

	gws       gatewayCache
	poses     posCache
	routeOnce sync.Once
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// MaxAmount caps one payment (10 billion minor units), far above any real
// card payment and far below int64 overflow when amounts are summed.
const MaxAmount = 10_000_000_000_00

// CardInput is the card as the merchant sends it.
type CardInput struct {
	Number      string `json:"number"`
	ExpiryMonth int    `json:"expiry_month"`
	ExpiryYear  int    `json:"expiry_year"`
	CVV         string `json:"cvv"`
	Holder      string `json:"holder"`
}

// CustomerInput is the buyer.
type CustomerInput struct {
	Email string `json:"email"`
	IP    string `json:"ip"`
}

// CreateRequest is POST /v1/payments.
type CreateRequest struct {
	Amount       int64         `json:"amount"`
	Currency     string        `json:"currency"`
	Capture      *bool         `json:"capture"`
	Installments int           `json:"installments"`
	OrderID      string        `json:"order_id"`
	Description  string        `json:"description"`
	Card         CardInput     `json:"card"`
	Customer     CustomerInput `json:"customer"`
	POSID        string        `json:"pos_id"`
	// ThreeD selects 3D Secure: "3d", "3d_pay", "3d_host", or "none"; empty
	// means the POS's default model.
	ThreeD    string `json:"three_d"`
	ReturnURL string `json:"return_url"`
	// CheckoutSessionID is set by Kasa's hosted checkout, never from JSON.
	// Such a payment's 3D Secure returns to the checkout page itself
	// (ReturnURL is <public url>/checkout/<id>), not to the merchant.
	CheckoutSessionID string `json:"-"`
	// PaymentLinkID is set by the hosted checkout for a session a payment
	// link opened, never from JSON.
	PaymentLinkID string `json:"-"`
}

// Caller identifies who is acting: a merchant in a mode, and the idempotency
// key of the request, if any.
type Caller struct {
	MerchantID     string
	Mode           store.Mode
	IdempotencyKey string
	// Idem, if set, moves the request's idempotency record into the
	// payment's own transactions (see IdemClaim); IdempotencyKey is then
	// unused.
	Idem *IdemClaim
}

// IdemClaim carries a request's idempotency record into Create, so the key
// is claimed in the transaction that writes the payment and its response
// stored in the one that records the outcome: two commits per sale instead
// of four, with the same guarantees — the claim still commits before the
// bank is called, and a response is stored only with the state it reports.
// A request that fails before the payment is written stores nothing (like a
// validation error), so its retry is judged afresh.
type IdemClaim struct {
	Record *store.Idempotency
	// Render turns the final view into the exact response to store.
	Render func(*View) (status int, body []byte)

	// Set by Create.
	Taken     bool // another request holds the key: nothing was written
	Claimed   bool // the record committed with the payment
	Completed bool // the response below committed with the outcome
	Status    int
	Body      []byte

	txs []*store.Transaction // the payment's timeline as this request wrote it
}

// track notes a timeline row this request inserted.
func (ic *IdemClaim) track(t *store.Transaction) {
	if ic != nil {
		ic.txs = append(ic.txs, t)
	}
}

func (ic *IdemClaim) claimed() {
	if ic != nil {
		ic.Claimed = true
	}
}

// failed notes a failed claiming transaction and returns err.
func (ic *IdemClaim) failed(err error) error {
	if ic != nil && errors.Is(err, ErrIdempotencyTaken) {
		ic.Taken = true
	}
	return err
}

// ErrIdempotencyTaken reports that the IdemClaim's key is held by another
// request; nothing was written.
var ErrIdempotencyTaken = errors.New("payment: idempotency key already claimed")

var orderIDRE = regexp.MustCompile(`^[A-Za-z0-9._\-/:]{1,64}$`)

// ValidOrderID reports whether s is an acceptable merchant order id.
func ValidOrderID(s string) bool { return orderIDRE.MatchString(s) }

type validated struct {
	amount money.Amount
	card   card.Card
}

func (s *Service) validate(r *CreateRequest) (*validated, error) {
	v := &validated{}
	cur, err := money.ParseCurrency(r.Currency)
	switch {
	case r.Currency == "":
		return nil, invalid("parameter_missing", "currency", "currency is required (TRY, USD, EUR or GBP)")
	case err != nil:
		return nil, invalid("currency_unknown", "currency", fmt.Sprintf("unknown currency %q", r.Currency))
	case r.Amount <= 0:
		return nil, invalid("amount_invalid", "amount", "amount must be a positive integer in minor units (kuruş, cents)")
	case r.Amount > MaxAmount:
		return nil, invalid("amount_too_large", "amount", "amount exceeds the maximum of one payment")
	case r.Installments < 0 || r.Installments > 36:
		return nil, invalid("installments_invalid", "installments", "installments must be between 1 and 36 (0 or 1 means a single payment)")
	case r.Installments > 1 && cur.Code != money.TRY.Code:
		return nil, invalid("installments_not_allowed", "installments", "installments are only offered in TRY")
	case r.OrderID != "" && !orderIDRE.MatchString(r.OrderID):
		return nil, invalid("order_id_invalid", "order_id", "order_id must be 1-64 characters of letters, digits and ._-/:")
	case utf8.RuneCountInString(r.Description) > 255:
		return nil, invalid("parameter_invalid", "description", "description must be at most 255 characters")
	}
	v.amount = money.New(r.Amount, cur)
	if r.ThreeD == gateway.Model3DHost {
		// The bank's hosted page collects the card: Kasa must not see it.
		if r.Card != (CardInput{}) {
			return nil, invalid("parameter_invalid", "card", "send no card with three_d 3d_host: the bank's page collects it")
		}
		return v, nil
	}
	c := &v.card
	if c.PAN, err = card.ParsePAN(r.Card.Number); err != nil {
		code := "card_number_invalid"
		if r.Card.Number == "" {
			code = "parameter_missing"
		}
		return nil, invalid(code, "card.number", err.Error())
	}
	if c.Expiry, err = card.NewExpiry(r.Card.ExpiryMonth, r.Card.ExpiryYear); err != nil {
		return nil, invalid("card_expiry_invalid", "card.expiry_month", err.Error())
	}
	if c.Expiry.Expired(s.now().In(Istanbul)) {
		return nil, invalid("card_expired", "card.expiry_year", "the card has expired")
	}
	if c.CVV, err = card.ParseCVV(r.Card.CVV); err != nil {
		return nil, invalid("card_cvv_invalid", "card.cvv", err.Error())
	}
	c.Holder = strings.TrimSpace(r.Card.Holder)
	if utf8.RuneCountInString(c.Holder) > 64 {
		return nil, invalid("parameter_invalid", "card.holder", "holder must be at most 64 characters")
	}
	return v, nil
}

// Create validates a payment, records the intent, asks the bank and records
// the outcome. The returned view reflects the final (or unknown) state.
func (s *Service) Create(ctx context.Context, c Caller, r *CreateRequest) (*View, error) {
	v, err := s.validate(r)
	if err != nil {
		return nil, err
	}
	var bin routing.BIN
	if !v.card.PAN.IsZero() {
		bin, _ = s.bins().Lookup(v.card.PAN.Reveal())
	}
	seed := id.New("pay")
	req, poses, err := s.routeRequest(ctx, c, v.amount, r.Installments, bin, r.POSID, seed)
	if err != nil {
		return nil, err
	}
	req.CardOnBankPage = r.ThreeD == gateway.Model3DHost
	dec, err := s.decide(req)
	if err != nil {
		return nil, err
	}
	route := &routed{choices: dec.Ordered, poses: poses, bin: bin, paymentID: seed}
	pos := route.pos()
	gw, desc, err := s.gatewayFor(pos)
	if err != nil {
		return nil, err
	}
	capture := r.Capture == nil || *r.Capture
	if !capture && !gateway.Supports(gw, gateway.OpCapture) {
		return nil, notSupported("pre-authorisation with later capture")
	}
	model := r.ThreeD
	if model == "" {
		model = pos.ThreeDModel
	}
	switch model {
	case "none", "":
	case gateway.Model3D, gateway.Model3DPay, gateway.Model3DHost:
		if r.ThreeD == "" && model == gateway.Model3DHost && !v.card.PAN.IsZero() {
			model = gateway.Model3DPay // the card is already here: do not ask for it again
		}
		return s.create3D(ctx, c, r, v, route, model)
	default:
		return nil, invalid("parameter_invalid", "three_d", `three_d must be "3d", "3d_pay", "3d_host" or "none"`)
	}
	if v.card.PAN.IsZero() {
		return nil, invalid("parameter_missing", "card.number", "a card is required without 3D Secure hosting")
	}
	if desc.ThreeDOnly {
		return nil, notSupported("payments without 3D Secure (send three_d)")
	}
	p := s.newPayment(c, r, v, route, desc)
	kind := store.KindSale
	if !p.Capture {
		kind = store.KindPreAuth
	}
	t := s.newTx(p, kind, p.Amount)
	if err := s.writeIntent(ctx, c, p, t); err != nil {
		return nil, c.Idem.failed(err)
	}
	c.Idem.claimed()
	c.Idem.track(t)

	ar := &gateway.AuthorizeRequest{
		Order:        gateway.Order{OrderID: p.BankOrderID, Amount: money.New(p.Amount, v.amount.Currency), ClientIP: r.Customer.IP},
		Capture:      p.Capture,
		Installments: route.choices[0].Option.Count,
		Card:         v.card,
		Email:        r.Customer.Email,
		Description:  r.Description,
	}
	var res *gateway.Result
	for {
		if s.router().Health.Allow(p.POSID) {
			res = s.call(ctx, func(ctx context.Context) *gateway.Result { return gw.Authorize(ctx, ar) }, t)
		} else {
			res = &gateway.Result{Outcome: gateway.NotSent, Reason: gateway.ReasonSystemError, BankMessage: "circuit breaker open: the POS is failing"}
		}
		// Only a call that provably never reached the bank may go elsewhere;
		// an unknown outcome stays with its bank until a status query.
		next := route.next(s.router().Health, p.Amount)
		if res.Outcome != gateway.NotSent || next == nil {
			break
		}
		s.report(p.POSID, res)
		if gw, _, err = s.gatewayFor(route.pos()); err != nil {
			return nil, err
		}
		if t, err = s.failover(ctx, p, t, res, route, next); err != nil {
			return nil, err
		}
		c.Idem.track(t)
		ar.Installments = next.Option.Count
	}
	return s.finish(ctx, p, t, res, "sale", c.Idem)
}

// writeIntent commits insertIntent on its own: as one store step when it is
// one (Store.InsertIntent: a single statement on PostgreSQL), else in a
// transaction.
func (s *Service) writeIntent(ctx context.Context, c Caller, p *store.Payment, t *store.Transaction) error {
	if c.IdempotencyKey != "" && c.Idem == nil {
		return s.Store.InTx(ctx, func(tx store.Tx) error { return s.insertIntent(ctx, tx, c, p, t) })
	}
	return claimIntent(c, p, func(rec *store.Idempotency) (bool, error) { return s.Store.InsertIntent(ctx, rec, p, t) })
}

// claimIntent runs insert with c's idempotency record (if any) naming p, and
// turns a key another request holds into ErrIdempotencyTaken.
func claimIntent(c Caller, p *store.Payment, insert func(*store.Idempotency) (bool, error)) error {
	var rec *store.Idempotency
	if c.Idem != nil {
		c.Idem.Record.ResourceID = p.ID
		rec = c.Idem.Record
	}
	ok, err := insert(rec)
	if err == nil && !ok {
		err = ErrIdempotencyTaken
	}
	return err
}

// insertIntent writes the payment with its first timeline row and names it
// in its idempotency record, in the caller's transaction, so a retry after a
// crash at any later point finds it instead of charging again, and a crash
// before finds neither. With an IdemClaim the record itself is inserted
// here; ErrIdempotencyTaken means another request holds the key.
func (s *Service) insertIntent(ctx context.Context, tx store.Tx, c Caller, p *store.Payment, t *store.Transaction) error {
	if err := claimIntent(c, p, func(rec *store.Idempotency) (bool, error) { return tx.InsertIntent(ctx, rec, p, t) }); err != nil {
		return err
	}
	if c.IdempotencyKey == "" || c.Idem != nil {
		return nil
	}
	return tx.SetIdempotencyResource(ctx, c.MerchantID, c.IdempotencyKey, p.ID)
}

func (s *Service) newPayment(c Caller, r *CreateRequest, v *validated, route *routed, desc *gateway.Descriptor) *store.Payment {
	now := s.now()
	ch := route.choices[0]
	var fee int64
	if ch.Option.CustomerPays {
		fee = ch.Option.Fee
	}
	b := route.bin
	return &store.Payment{
		ID: route.paymentID, MerchantID: c.MerchantID, Mode: c.Mode, POSID: ch.POSID, OrderID: r.OrderID,
		BankOrderID: id.BankOrder(orderIDLen(desc)), Status: store.StatusProcessing,
		Amount: v.amount.Minor + fee, InstallmentFee: fee, Currency: v.amount.Currency.Code, Installments: max(r.Installments, 1),
		CardBankCode: b.BankCode, CardBankName: b.BankName, CardType: b.Type, CardProgram: b.Program, CardCommercial: b.Commercial,
		Capture: r.Capture == nil || *r.Capture, CardBIN: v.card.PAN.BIN(), CardLast4: v.card.PAN.Last4(),
		CardBrand: cardBrand(v.card.PAN), CardHolder: v.card.Holder, Description: r.Description,
		CustomerEmail: r.Customer.Email, CustomerIP: r.Customer.IP, RoutingReason: ch.Explain(),
		CheckoutSessionID: r.CheckoutSessionID, PaymentLinkID: r.PaymentLinkID, CreatedAt: now, UpdatedAt: now,
	}
}

func cardBrand(p card.PAN) string {
	if p.IsZero() {
		return ""
	}
	return string(p.Brand())
}

func orderIDLen(d *gateway.Descriptor) int {
	if d.MaxOrderID > 0 && d.MaxOrderID < 20 {
		return d.MaxOrderID
	}
	return 20
}

func (s *Service) newTx(p *store.Payment, kind string, amount int64) *store.Transaction {
	return &store.Transaction{
		ID: id.New("txn"), PaymentID: p.ID, MerchantID: p.MerchantID, Kind: kind, Status: store.TxPending,
		Amount: amount, Currency: p.Currency, CreatedAt: s.now(),
	}
}

// call runs one bank call detached from the caller's cancellation: a client
// that hangs up must not turn a bank call into an unknown outcome.
func (s *Service) call(ctx context.Context, fn func(context.Context) *gateway.Result, t *store.Transaction) *gateway.Result {
	timeout := s.BankTimeout
	if timeout <= 0 {
		timeout = gateway.DefaultTimeout
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	start := time.Now()
	res := fn(cctx)
	if res == nil {
		res = &gateway.Result{Outcome: gateway.Unknown, Err: errors.New("adapter returned no result")}
	}
	t.LatencyMS = time.Since(start).Milliseconds()
	return res
}

func (s *Service) observe(posID string, t *store.Transaction, res *gateway.Result) {
	s.report(posID, res)
	if s.OnBankCall != nil {
		s.OnBankCall(posID, t)
	}
}

// record copies a bank result into a timeline row.
func (s *Service) record(t *store.Transaction, res *gateway.Result) {
	t.Status = txStatus(res.Outcome)
	t.BankCode, t.BankErrorCode, t.BankMessage = res.BankCode, res.BankErrorCode, res.BankMessage
	t.DeclineReason = string(res.Reason)
	t.AuthCode, t.HostRef, t.TransID = res.AuthCode, res.HostRef, res.TransID
	if res.Err != nil {
		t.Error = res.Err.Error()
	}
	t.CompletedAt = s.now()
}

func txStatus(o gateway.Outcome) string {
	switch o {
	case gateway.Approved:
		return store.TxApproved
	case gateway.Declined:
		return store.TxDeclined
	case gateway.Rejected:
		return store.TxRejected
	case gateway.NotSent:
		return store.TxNotSent
	}
	return store.TxUnknown
}

// finish records an authorisation's outcome. If the payment has meanwhile been
// settled by the resolver (a slow reply racing a status query), the status
// query's verdict stands and only the timeline row is completed. With a
// claimed IdemClaim the response is rendered and stored in the same
// transaction.
func (s *Service) finish(ctx context.Context, p *store.Payment, t *store.Transaction, res *gateway.Result, requested string, idem *IdemClaim) (*View, error) {
	if v, ok, err := s.finishFast(ctx, p, t, res, requested, idem); ok || err != nil {
		return v, err
	}
	var out *store.Payment
	var view *View
	op := &OperationRef{Requested: requested, BankOperation: t.Kind, TransactionID: t.ID}
	var stored store.Idempotency
	var completed bool
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		cur, err := tx.LockPayment(ctx, p.MerchantID, p.ID)
		if err != nil {
			return err
		}
		s.record(t, res)
		if err := tx.UpdateTransaction(ctx, t); err != nil {
			return err
		}
		// The card has served its purpose whatever the outcome (PCI-1). A
		// payment without 3D Secure never had a vault entry.
		if cur.ThreeDModel != "" {
			if err := tx.DeleteVault(ctx, cur.ID); err != nil {
				return err
			}
		}
		applied := cur.Status == store.StatusProcessing || cur.Status == store.StatusUnknown
		if applied {
			applyAuthorize(cur, t.Kind, res)
			cur.UpdatedAt = s.now()
			if err := tx.UpdatePayment(ctx, cur); err != nil {
				return err
			}
			if err := s.emit(ctx, tx, cur); err != nil {
				return err
			}
		}
		out, view = cur, nil
		if idem == nil || !idem.Claimed {
			return nil
		}
		// The timeline is the rows this request wrote, unless a resolver
		// settled the payment meanwhile and may have added its own.
		txs := idem.txs
		if !applied || len(txs) == 0 {
			if txs, err = tx.ListTransactions(ctx, cur.ID); err != nil {
				return err
			}
		}
		view = NewView(cur, txs)
		op.Status, op.Amount = t.Status, t.Amount
		view.LastOperation = op
		stored = *idem.Record
		stored.State, stored.UpdatedAt = store.IdemDone, s.now()
		stored.ResponseStatus, stored.ResponseBody = idem.Render(view)
		err = tx.CompleteIdempotency(ctx, &stored)
		if errors.Is(err, store.ErrNotFound) {
			// A stale take-over answered the key already; the outcome
			// itself must still be recorded.
			completed = false
			return nil
		}
		completed = err == nil
		return err
	})
	if err != nil {
		return nil, err
	}
	s.observe(out.POSID, t, res)
	s.log().Info("payment", "payment_id", out.ID, "status", out.Status, "pos_id", out.POSID,
		"bank_code", res.BankCode, "latency_ms", t.LatencyMS)
	if view != nil {
		if completed {
			idem.Completed, idem.Status, idem.Body = true, stored.ResponseStatus, stored.ResponseBody
		}
		return view, nil
	}
	op.Status, op.Amount = t.Status, t.Amount
	return s.view(ctx, out, op)
}

// finishFast records a non-3D authorisation's outcome in one guarded step
// (Store.RecordOutcome: one statement on PostgreSQL), with its event and stored
// response rendered before the transaction, so none of that work holds the
// writer. ok is false, with nothing written, when the payment is no longer
// as this request left it (a resolver got there first); finish then takes
// the locked path.
func (s *Service) finishFast(ctx context.Context, p *store.Payment, t *store.Transaction, res *gateway.Result, requested string, idem *IdemClaim) (*View, bool, error) {
	if p.ThreeDModel != "" || (p.Status != store.StatusProcessing && p.Status != store.StatusUnknown) {
		return nil, false, nil
	}
	next := *p
	s.record(t, res)
	applyAuthorize(&next, t.Kind, res)
	// Rendered before they are stored: at the precision they are stored in.
	t.CompletedAt = t.CompletedAt.UTC().Truncate(time.Microsecond)
	next.UpdatedAt = s.now().UTC().Truncate(time.Microsecond)
	ev, err := s.event(&next)
	if err != nil {
		return nil, false, err
	}
	op := &OperationRef{Requested: requested, BankOperation: t.Kind, TransactionID: t.ID, Status: t.Status, Amount: t.Amount}
	o := &store.Outcome{Payment: &next, PrevStatus: p.Status, PrevUpdatedAt: p.UpdatedAt, Transaction: t, Event: ev}
	var view *View
	if idem != nil && idem.Claimed && len(idem.txs) > 0 {
		view = NewView(&next, idem.txs)
		view.LastOperation = op
		stored := *idem.Record
		stored.State, stored.UpdatedAt = store.IdemDone, next.UpdatedAt
		stored.ResponseStatus, stored.ResponseBody = idem.Render(view)
		o.Idempotency = &stored
	}
	written, stored, err := s.Store.RecordOutcome(ctx, o)
	if err != nil || !written {
		return nil, false, err
	}
	*p = next
	s.observe(p.POSID, t, res)
	s.log().Info("payment", "payment_id", p.ID, "status", p.Status, "pos_id", p.POSID,
		"bank_code", res.BankCode, "latency_ms", t.LatencyMS)
	if stored {
		idem.Completed, idem.Status, idem.Body = true, o.Idempotency.ResponseStatus, o.Idempotency.ResponseBody
	}
	if view != nil {
		return view, true, nil
	}
	v, err := s.view(ctx, p, op)
	return v, true, err
}

func applyAuthorize(p *store.Payment, kind string, res *gateway.Result) {
	setBank(p, res)
	switch res.Outcome {
	case gateway.Approved:
		p.AuthorizedAmount = p.Amount
		if kind == store.KindSale {
			p.CapturedAmount = p.Amount
			p.Status = store.StatusSucceeded
		} else {
			p.Status = store.StatusAuthorized
		}
	case gateway.Declined:
		p.Status = store.StatusDeclined
	case gateway.Rejected, gateway.NotSent:
		p.Status = store.StatusFailed
	default:
		p.Status = store.StatusUnknown
	}
}

func setBank(p *store.Payment, res *gateway.Result) {
	p.BankCode, p.BankMessage, p.DeclineReason = res.BankCode, res.BankMessage, string(res.Reason)
	if res.AuthCode != "" {
		p.AuthCode = res.AuthCode
	}
	if res.HostRef != "" {
		p.HostRef = res.HostRef
	}
	if res.TransID != "" {
		p.TransID = res.TransID
	}
}

// emit writes the outbox event for p's current status, in the caller's transaction.
func (s *Service) emit(ctx context.Context, tx store.Tx, p *store.Payment) error {
	e, err := s.event(p)
	if err != nil {
		return err
	}
	return tx.InsertEvent(ctx, e)
}

// event is the outbox event for p's current status.
func (s *Service) event(p *store.Payment) (*store.Event, error) {
	typ := "payment." + p.Status
	body, err := json.Marshal(map[string]any{"type": typ, "data": NewView(p, nil)})
	if err != nil {
		return nil, err
	}
	return &store.Event{ID: id.New("evt"), MerchantID: p.MerchantID, Mode: p.Mode,
		Type: typ, PaymentID: p.ID, Payload: body, CreatedAt: s.now()}, nil
}

func (s *Service) view(ctx context.Context, p *store.Payment, op *OperationRef) (*View, error) {
	txs, err := s.Store.ListTransactions(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	v := NewView(p, txs)
	v.LastOperation = op
	if p.Status == store.StatusRequiresAction {
		v.NextAction = &NextAction{Type: "redirect", RedirectURL: s.PublicURL + ThreeDPath(p.ID)}
	}
	return v, nil
}

// Get returns a payment with its timeline.
func (s *Service) Get(ctx context.Context, c Caller, paymentID string) (*View, error) {
	p, err := s.load(ctx, c, paymentID)
	if err != nil {
		return nil, err
	}
	return s.view(ctx, p, nil)
}

func (s *Service) load(ctx context.Context, c Caller, paymentID string) (*store.Payment, error) {
	p, err := s.Store.GetPayment(ctx, c.MerchantID, paymentID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && p.Mode != c.Mode) {
		return nil, notFound("payment")
	}
	return p, err
}

// ListRequest filters GET /v1/payments.
type ListRequest struct {
	Status   string
	OrderID  string
	Last4    string
	From, To time.Time
	Cursor   string
	Limit    int
	// PaymentLinkID selects the payments made through one payment link.
	PaymentLinkID string
}

// ListResult is one page.
type ListResult struct {
	Object     string  `json:"object"`
	Data       []*View `json:"data"`
	HasMore    bool    `json:"has_more"`
	NextCursor string  `json:"next_cursor,omitempty"`
}

// List pages through a merchant's payments, newest first.
func (s *Service) List(ctx context.Context, c Caller, r ListRequest) (*ListResult, error) {
	if r.Limit <= 0 {
		r.Limit = 20
	}
	if r.Limit > 100 {
		return nil, invalid("parameter_invalid", "limit", "limit must be between 1 and 100")
	}
	f := store.PaymentFilter{MerchantID: c.MerchantID, Mode: c.Mode, Status: r.Status, OrderID: r.OrderID,
		Last4: r.Last4, From: r.From, To: r.To, PaymentLinkID: r.PaymentLinkID, Limit: r.Limit + 1}
	if r.Cursor != "" {
		t, pid, err := DecodeCursor(r.Cursor)
		if err != nil {
			return nil, invalid("parameter_invalid", "cursor", "cursor is not one this API returned")
		}
		f.BeforeTime, f.BeforeID = t, pid
	}
	ps, err := s.Store.ListPayments(ctx, f)
	if err != nil {
		return nil, err
	}
	out := &ListResult{Object: "list", Data: []*View{}}
	if len(ps) > r.Limit {
		out.HasMore = true
		ps = ps[:r.Limit]
	}
	for _, p := range ps {
		out.Data = append(out.Data, NewView(p, nil))
	}
	if out.HasMore {
		last := ps[len(ps)-1]
		out.NextCursor = EncodeCursor(last.CreatedAt, last.ID)
	}
	return out, nil
}

// routed is a payment's routing decision and where it is in the list.
type routed struct {
	choices   []routing.Choice
	i         int
	poses     map[string]*store.POS
	bin       routing.BIN
	paymentID string
}

func (r *routed) pos() *store.POS { return r.poses[r.choices[r.i].POSID] }

// next moves to the next choice the breaker lets through that charges the
// same total (failing over must never change the price); nil if none.
func (r *routed) next(h *routing.Health, total int64) *routing.Choice {
	for r.i+1 < len(r.choices) {
		r.i++
		ch := &r.choices[r.i]
		if ch.Option.Total.Minor == total || (ch.Option.Total.Minor == 0 && !ch.Option.CustomerPays) {
			return ch
		}
	}
	return nil
}

// failover records a not-sent attempt and moves the payment to the next
// POS, with the same bank order id, in one transaction.
func (s *Service) failover(ctx context.Context, p *store.Payment, t *store.Transaction, res *gateway.Result, route *routed, next *routing.Choice) (*store.Transaction, error) {
	nt := s.newTx(p, t.Kind, p.Amount)
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		cur, err := tx.LockPayment(ctx, p.MerchantID, p.ID)
		if err != nil {
			return err
		}
		s.record(t, res)
		if err := tx.UpdateTransaction(ctx, t); err != nil {
			return err
		}
		cur.POSID = next.POSID
		cur.RoutingReason = next.Explain() + fmt.Sprintf(" (failover: %s could not be reached)", p.POSID)
		cur.UpdatedAt = s.now()
		if err := tx.UpdatePayment(ctx, cur); err != nil {
			return err
		}
		*p = *cur
		return tx.InsertTransaction(ctx, nt)
	})
	return nt, err
}
