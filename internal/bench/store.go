package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kasapos/kasa/internal/id"
	"github.com/kasapos/kasa/internal/store"
)

// Sizes of what a real sale stores besides the payment row (measured on
// `kasa bench --scenario sale`): the payment.succeeded event and the stored
// API response that idempotent replays return.
var (
	storeEventPayload  = bytes.Repeat([]byte("e"), 764)
	storeResponseBody  = bytes.Repeat([]byte("r"), 1191)
	errStoreNeedsLocal = errors.New("bench: the store scenario needs the in-process node (no --url)")
)

// StoreSale writes a sale's two steps straight to the node's store, each on
// its own as the payment service does: the intent (idempotency claim,
// payment, pending timeline row) and then the outcome (payment settled,
// timeline row closed, event, response stored). The same rows as a sale
// through the API, with no HTTP, JSON, routing or bank call: its latency is
// the floor the database and the disk put under every sale.
func (e *Env) StoreSale(ctx context.Context, i int64, _ any) error {
	if e.Node == nil {
		return errStoreNeedsLocal
	}
	st := e.Node.Store
	now := time.Now().UTC()
	p := &store.Payment{
		ID: id.New("pay"), MerchantID: e.merchantID, Mode: store.ModeTest, POSID: e.POSID,
		OrderID: fmt.Sprintf("ST-%d", i), BankOrderID: id.New("st"), Status: store.StatusProcessing,
		Amount: 12550, Currency: "TRY", Installments: 1, Capture: true,
		CardBIN: "43550843", CardLast4: "4358", CardBrand: "visa", CardBankCode: "0046", CardBankName: "Akbank",
		CardType: "credit", CardProgram: "Axess", CardHolder: "Ayse Yilmaz", Description: "bench",
		CustomerEmail: "ayse@example.com", CustomerIP: "203.0.113.7", RoutingReason: "forced: pos_id given in the request",
		CreatedAt: now, UpdatedAt: now,
	}
	tr := &store.Transaction{ID: id.New("trx"), PaymentID: p.ID, MerchantID: p.MerchantID, Kind: store.KindSale,
		Status: store.TxPending, Amount: p.Amount, Currency: p.Currency, CreatedAt: now}
	idem := &store.Idempotency{MerchantID: p.MerchantID, Key: id.Random(24), Fingerprint: id.Random(43), ResourceID: p.ID}
	claimed, err := st.InsertIntent(ctx, idem, p, tr)
	if err != nil {
		return err
	}
	if !claimed {
		return errors.New("bench: store: fresh idempotency key reported taken")
	}
	done := time.Now().UTC()
	settled := *p
	settled.Status, settled.AuthorizedAmount, settled.CapturedAmount = store.StatusSucceeded, p.Amount, p.Amount
	settled.BankCode, settled.AuthCode, settled.HostRef, settled.TransID = "00", "P18708", "632700000001", "26327fw9X5AIaw"
	settled.UpdatedAt = done
	closed := *tr
	closed.Status, closed.BankCode, closed.AuthCode, closed.CompletedAt = store.TxApproved, "00", "P18708", done
	o := &store.Outcome{Payment: &settled, PrevStatus: p.Status, PrevUpdatedAt: p.UpdatedAt, Transaction: &closed,
		Event: &store.Event{ID: id.New("evt"), MerchantID: p.MerchantID, Mode: p.Mode, Type: "payment.succeeded",
			PaymentID: p.ID, Payload: storeEventPayload, CreatedAt: done},
		Idempotency: &store.Idempotency{MerchantID: p.MerchantID, Key: idem.Key, ResponseStatus: 201,
			ResponseBody: storeResponseBody, UpdatedAt: done}}
	written, idemDone, err := st.RecordOutcome(ctx, o)
	if err != nil {
		return err
	}
	if !written || !idemDone {
		return fmt.Errorf("bench: store: outcome written=%v, response stored=%v", written, idemDone)
	}
	return nil
}
