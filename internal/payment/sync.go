package payment

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/store"
)

// Sync asks the bank for the order's real state (status query) and adopts it:
// a payment left unknown by a timeout, or a capture/void/refund whose reply was
// lost, is settled by what the bank says, never by a guess.
func (s *Service) Sync(ctx context.Context, c Caller, paymentID string) (*View, error) {
	p, err := s.load(ctx, c, paymentID)
	if err != nil {
		return nil, err
	}
	txs, err := s.Store.ListTransactions(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	// A call younger than the bank timeout may still be on the wire; a status
	// query now could see the order before the bank has it.
	for _, t := range txs {
		if t.Status == store.TxPending && s.now().Sub(t.CreatedAt) < s.bankTimeout() {
			return nil, conflict("payment_operation_in_progress", "a bank call on this payment is still in flight; retry in a few seconds")
		}
	}
	return s.sync(ctx, p)
}

func (s *Service) bankTimeout() time.Duration {
	if s.BankTimeout > 0 {
		return s.BankTimeout
	}
	return gateway.DefaultTimeout
}

func (s *Service) sync(ctx context.Context, p *store.Payment) (*View, error) {
	_, gw, err := s.posAndGateway(ctx, p)
	if err != nil {
		return nil, err
	}
	sq, ok := gw.(gateway.StatusQuerier)
	if !ok {
		return nil, notSupported("status query")
	}
	st := &store.Transaction{}
	var res *gateway.StatusResult
	r := s.call(ctx, func(ctx context.Context) *gateway.Result {
		res = sq.Status(ctx, p.BankOrderID)
		if res == nil {
			return nil
		}
		return &res.Result
	}, st)
	if res == nil || r.Outcome != gateway.Approved {
		return nil, &Error{Status: http.StatusBadGateway, Code: "bank_unavailable", PaymentID: p.ID,
			Message: "the bank's status query did not answer; the payment is unchanged", BankCode: r.BankCode, BankMessage: r.BankMessage}
	}
	var out *store.Payment
	var statusTx *store.Transaction
	err = s.Store.InTx(ctx, func(tx store.Tx) error {
		cur, err := tx.LockPayment(ctx, p.MerchantID, p.ID)
		if err != nil {
			return err
		}
		txs, err := tx.ListTransactions(ctx, p.ID)
		if err != nil {
			return err
		}
		before := cur.Status
		for _, t := range reconcile(cur, txs, res) {
			t.CompletedAt = s.now()
			if err := tx.UpdateTransaction(ctx, t); err != nil {
				return err
			}
		}
		statusTx = s.newTx(cur, store.KindStatus, 0)
		s.record(statusTx, &res.Result)
		statusTx.LatencyMS = st.LatencyMS
		statusTx.BankMessage = fmt.Sprintf("bank state %s: authorized %d, captured %d, refunded %d",
			res.State, res.AuthorizedAmount, res.CapturedAmount, res.RefundedAmount)
		if err := tx.InsertTransaction(ctx, statusTx); err != nil {
			return err
		}
		out = cur
		if cur.Status == before {
			return nil
		}
		cur.UpdatedAt = s.now()
		if err := tx.UpdatePayment(ctx, cur); err != nil {
			return err
		}
		return s.emit(ctx, tx, cur)
	})
	if err != nil {
		return nil, err
	}
	s.observe(out.POSID, statusTx, &res.Result)
	s.log().Info("payment synced", "payment_id", out.ID, "bank_state", res.State, "status", out.Status)
	return s.view(ctx, out, &OperationRef{Requested: "sync", BankOperation: store.KindStatus, TransactionID: statusTx.ID, Status: statusTx.Status})
}

func nz(v, fallback int64) int64 {
	if v != 0 {
		return v
	}
	return fallback
}

// reconcile adopts the bank's view of the order into p and settles every
// unresolved timeline row. It returns the rows it changed.
func reconcile(p *store.Payment, txs []*store.Transaction, st *gateway.StatusResult) []*store.Transaction {
	var open []*store.Transaction
	var captureAmt int64
	for _, t := range txs {
		if unresolved(t) {
			open = append(open, t)
			if t.Kind == store.KindCapture {
				captureAmt = t.Amount
			}
		}
	}
	undecided := p.Status == store.StatusProcessing || p.Status == store.StatusUnknown
	settle := func(kind string, ok bool) {
		for _, t := range open {
			if t.Kind == kind || (kind == store.KindSale && t.Kind == store.KindPreAuth) {
				t.Status = store.TxDeclined
				if ok {
					t.Status = store.TxApproved
				}
				t.Error = "settled by status query: bank state " + string(st.State)
			}
		}
	}
	switch st.State {
	case gateway.StatePending:
		return nil
	case gateway.StateNotFound:
		if undecided {
			p.Status = store.StatusFailed
			p.BankMessage = "the bank has no record of this order: it was never processed"
		}
		for _, t := range open {
			if t.Kind == store.KindSale || t.Kind == store.KindPreAuth {
				t.Status = store.TxNotSent
				t.Error = "settled by status query: the bank has no record of the order"
			}
		}
	case gateway.StateDeclined:
		if undecided {
			p.Status = store.StatusDeclined
		}
		settle(store.KindSale, false)
	case gateway.StateAuthorized:
		if p.Capture && undecided {
			// Some EST hosts report a fresh sale as "A" (authorised) until
			// the batch: for a sale request that is success.
			st.State = gateway.StateCaptured
			return reconcile(p, txs, st)
		}
		p.AuthorizedAmount = nz(st.AuthorizedAmount, p.Amount)
		p.CapturedAmount = 0
		p.Status = store.StatusAuthorized
		settle(store.KindSale, true)
		settle(store.KindCapture, false)
		settle(store.KindVoid, false)
	case gateway.StateCaptured, gateway.StateRefunded:
		p.CapturedAmount = nz(st.CapturedAmount, max(p.CapturedAmount, nz(captureAmt, p.Amount)))
		p.AuthorizedAmount = max(nz(st.AuthorizedAmount, p.Amount), p.CapturedAmount)
		settle(store.KindSale, true)
		settle(store.KindCapture, true)
		settle(store.KindVoid, false)
		// Unresolved refunds are approved in order while they fit in what the
		// bank reports as refunded beyond the refunds Kasa already knew of.
		extra := st.RefundedAmount - p.RefundedAmount
		for _, t := range open {
			if t.Kind != store.KindRefund {
				continue
			}
			t.Status = store.TxDeclined
			if t.Amount <= extra {
				t.Status = store.TxApproved
				extra -= t.Amount
			}
			t.Error = "settled by status query: bank state " + string(st.State)
		}
		p.RefundedAmount = st.RefundedAmount
		p.Status = refundStatus(p)
	case gateway.StateVoided:
		settle(store.KindSale, true)
		settle(store.KindVoid, true)
		p.Status = store.StatusCanceled
	}
	return open
}

// ResolvePending settles payments left processing or unknown (a crash, a
// timeout) by status query. It is safe to run on many nodes at once: every
// write takes the payment's lock and the bank's answer is the same for all.
func (s *Service) ResolvePending(ctx context.Context, olderThan time.Duration, limit int) (resolved int, err error) {
	ps, err := s.Store.PaymentsToResolve(ctx, s.now().Add(-olderThan), limit)
	if err != nil {
		return 0, err
	}
	for _, p := range ps {
		if _, err := s.sync(ctx, p); err != nil {
			s.log().Warn("resolver: payment not settled yet", "payment_id", p.ID, "err", err)
			continue
		}
		resolved++
	}
	return resolved, nil
}
