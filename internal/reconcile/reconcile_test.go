package reconcile_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/kasapos/kasa/client"
	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/kasatest"
	"github.com/kasapos/kasa/internal/payment"
	"github.com/kasapos/kasa/internal/reconcile"
	"github.com/kasapos/kasa/internal/store"
)

func ptr[T any](v T) *T { return &v }

// TestReconciliation creates a day of payments on a protocol's simulator,
// checks that the day reconciles clean, then changes the bank's book behind
// Kasa's back to create every mismatch kind and checks the report lists
// exactly those. Then the bank stops answering: unverified, not mismatches.
func TestReconciliation(t *testing.T) {
	for _, proto := range []string{"est3", "garanti"} {
		t.Run(proto, func(t *testing.T) {
			kasatest.Backends(t, func(t *testing.T, backend string) {
				testReconciliation(t, backend, proto)
			})
		})
	}
}

func testReconciliation(t *testing.T, backend, proto string) {
	ctx := context.Background()
	e := kasatest.New(t, backend, proto, nil)
	day := e.Now().In(payment.Istanbul).Format(time.DateOnly)
	key := client.NewIdempotencyKey
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	sale := e.Pay(e.Sale(10000)) // clean, later lost by the bank
	refunded := e.Pay(e.Sale(20000))
	_, _, err := e.C.Refund(ctx, refunded.ID, ptr(int64(5000)), key())
	must(err)
	voided := e.Pay(e.Sale(30000))
	_, _, err = e.C.Cancel(ctx, voided.ID, key())
	must(err)
	declined := e.Pay(e.Sale(999951)) // 9 999,51: declined with code 51
	if declined.Status != client.StatusDeclined {
		t.Fatalf("declined payment: %s", declined.Status)
	}
	pre := e.Sale(4000)
	pre.Capture = ptr(false)
	preauth := e.Pay(pre)
	if preauth.Status != client.StatusAuthorized {
		t.Fatalf("pre-auth: %s", preauth.Status)
	}

	// The clean day.
	rep, err := e.C.CreateReconciliation(ctx, &client.ReconciliationRequest{Date: day})
	must(err)
	if rep.Status != reconcile.StatusClean || rep.Summary.Mismatches != 0 || rep.Summary.Unverified != 0 || rep.Summary.Payments != 5 || rep.Summary.Matched != 5 {
		t.Fatalf("clean day: %+v\n%s", rep.Summary, dump(rep))
	}
	if len(rep.POS) != 1 || rep.POS[0].Method != "status+history" || rep.POS[0].MissingInKasa == "" {
		t.Fatalf("pos part: %+v", rep.POS)
	}

	// An unknown outcome: the bank took the sale, the reply was lost.
	e.Fault(e.Sim.FaultOp(gateway.OpAuthorize, true), banksim.TimeoutAfter, 1)
	unknown := e.Pay(e.Sale(7700))
	if unknown.Status != client.StatusUnknown {
		t.Fatalf("unknown payment: %s", unknown.Status)
	}

	// Behind Kasa's back.
	book := e.Sim.Book()
	merchant := e.Order(sale.BankOrderID).Merchant
	if !book.Delete(merchant, sale.BankOrderID) {
		t.Fatal("sale not in the book")
	}
	now := time.Now()
	book.Update(merchant, refunded.BankOrderID, func(o *banksim.Order) *banksim.Order {
		o.Refunded += 3000
		o.Txns = append(o.Txns, banksim.Txn{Type: banksim.TxnCredit, Amount: 3000, Approved: true, Code: "00",
			AuthCode: "R12345", HostRef: banksim.NewHostRef(now), TransID: banksim.NewTransID(now), Time: now})
		return nil
	})
	book.Update(merchant, declined.BankOrderID, func(o *banksim.Order) *banksim.Order {
		for i := range o.Txns {
			o.Txns[i].Approved, o.Txns[i].Code, o.Txns[i].AuthCode = true, "00", "A12345"
		}
		o.State, o.Authorized, o.Captured, o.AuthorizedAt, o.CapturedAt = banksim.OrderCaptured, 999951, 999951, now, now
		return nil
	})

	rep, err = e.C.CreateReconciliation(ctx, &client.ReconciliationRequest{Date: day, POSID: e.POS.ID})
	must(err)
	want := map[string]string{
		sale.ID:     reconcile.MissingAtBank,
		refunded.ID: reconcile.AmountMismatch,
		declined.ID: reconcile.StatusMismatch,
		unknown.ID:  reconcile.UnknownOpen,
	}
	got := map[string]string{}
	for _, it := range rep.Mismatches {
		got[it.PaymentID] = it.Kind
		if it.SuggestedAction == "" || it.Message == "" {
			t.Errorf("%s: no message or action: %+v", it.PaymentID, it)
		}
	}
	if len(got) != len(want) || rep.Summary.Mismatches != 4 || rep.Summary.Matched != 2 || rep.Status != reconcile.StatusMismatches {
		t.Fatalf("mismatches %v, want %v\n%s", got, want, dump(rep))
	}
	for id, k := range want {
		if got[id] != k {
			t.Errorf("%s: kind %q, want %q", id, got[id], k)
		}
	}
	// Read-only: the payments are as they were.
	for _, id := range []string{sale.ID, declined.ID, unknown.ID} {
		p, err := e.C.GetPayment(ctx, id)
		must(err)
		if (id == sale.ID && p.Status != client.StatusSucceeded) || (id == declined.ID && p.Status != client.StatusDeclined) ||
			(id == unknown.ID && p.Status != client.StatusUnknown) {
			t.Errorf("%s changed to %s", id, p.Status)
		}
	}
	stored, err := e.C.GetReconciliation(ctx, rep.ID)
	must(err)
	if stored.Summary.Mismatches != 4 || len(stored.Mismatches) != 4 || stored.Origin != reconcile.OriginAPI {
		t.Fatalf("stored report: %+v", stored.Summary)
	}
	list, err := e.C.ListReconciliations(ctx, day, "", 10, "")
	must(err)
	if len(list.Data) != 2 || list.Data[0].ID != rep.ID {
		t.Fatalf("list: %d reports", len(list.Data))
	}

	// The scheduled job: one report per POS, once per day, with its event.
	rs := reconcile.New(e.K.Service)
	n, err := rs.RunScheduled(ctx, day)
	must(err)
	if n != 1 {
		t.Fatalf("scheduled run stored %d reports", n)
	}
	if n, err = rs.RunScheduled(ctx, day); err != nil || n != 0 {
		t.Fatalf("second scheduled run stored %d (%v)", n, err)
	}
	evs, err := e.K.Store.ListEvents(ctx, "")
	must(err)
	completed := slices.DeleteFunc(evs, func(ev *store.Event) bool { return ev.Type != reconcile.EventCompleted })
	if len(completed) != 3 {
		t.Fatalf("%d reconciliation.completed events, want 3", len(completed))
	}
	var body struct {
		Data struct {
			Mismatches int            `json:"mismatches"`
			ByKind     map[string]int `json:"by_kind"`
		} `json:"data"`
	}
	must(json.Unmarshal(completed[2].Payload, &body))
	if body.Data.Mismatches != 4 || body.Data.ByKind[reconcile.MissingAtBank] != 1 {
		t.Fatalf("event payload: %s", completed[2].Payload)
	}

	// The bank stops answering status queries: unverified rows, no false mismatch.
	e.Fault(e.Sim.FaultOp(gateway.OpStatus, false), banksim.HTTP500, 1000)
	rep, err = e.C.CreateReconciliation(ctx, &client.ReconciliationRequest{Date: day})
	must(err)
	if rep.Summary.Mismatches != 0 || rep.Summary.Unverified != 6 || rep.Status != reconcile.StatusIncomplete {
		t.Fatalf("bank down: %+v\n%s", rep.Summary, dump(rep))
	}

	// Validation.
	_, err = e.C.CreateReconciliation(ctx, &client.ReconciliationRequest{Date: "23.11.2026"})
	wantCode(t, err, 400, "date_invalid")
	_, err = e.C.CreateReconciliation(ctx, &client.ReconciliationRequest{Date: day, POSID: "pos_nope"})
	wantCode(t, err, 404, "resource_not_found")
	_, err = e.C.GetReconciliation(ctx, "rec_nope")
	wantCode(t, err, 404, "resource_not_found")
}

func wantCode(t *testing.T, err error, status int, code string) {
	t.Helper()
	ce, ok := err.(*client.Error)
	if !ok || ce.Status != status || ce.Code != code {
		t.Fatalf("error %v, want %d %s", err, status, code)
	}
}

func dump(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}
