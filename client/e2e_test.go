package client_test

import (
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasapos/kasa/client"
	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/banksim/est3"
	"github.com/kasapos/kasa/internal/kasatest"
)

func TestSaleSucceedsWithTimeline(t *testing.T) {
	backends(t, func(t *testing.T, e *kasatest.Env) {
		p := e.Pay(e.Sale(12550))
		wantStatus(t, p, client.StatusSucceeded)
		if p.AmountCaptured != 12550 || p.Card.Masked != "435508******4358" || p.Card.Brand != "visa" || p.POSID != e.POS.ID {
			t.Fatalf("unexpected payment: %+v", p)
		}
		if p.Bank.Code != "00" || p.Bank.AuthCode == "" || p.BankOrderID == "" {
			t.Fatalf("bank fields missing: %+v", p.Bank)
		}
		got, err := e.C.GetPayment(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Transactions) != 1 || got.Transactions[0].Kind != "sale" || got.Transactions[0].Status != "approved" {
			t.Fatalf("timeline: %+v", got.Transactions)
		}
		o, ok := e.Order(p.BankOrderID), true
		if !ok || o.Captured != 12550 || o.Holder != "Ayşe Yılmaz" {
			t.Fatalf("simulator book: %+v %v", o, ok)
		}
	})
}

func TestDeclinesCarryBankCodeAndReason(t *testing.T) {
	backends(t, func(t *testing.T, e *kasatest.Env) {
		for _, d := range banksim.Declines {
			if d.Code == "54" {
				continue // the expired-card trigger is the expiry date, refused by Kasa before the bank
			}
			r := e.Sale(1000)
			r.Card.Number = d.ExamplePAN
			p := e.Pay(r)
			wantStatus(t, p, client.StatusDeclined)
			if p.Bank.Code != d.Code || p.Bank.DeclineReason == "" {
				t.Errorf("card %s: bank code %q reason %q, want %s", d.ExamplePAN, p.Bank.Code, p.Bank.DeclineReason, d.Code)
			}
		}
		p := e.Pay(e.Sale(banksim.TriggerAmount("51", moneyTRY()).Minor))
		wantStatus(t, p, client.StatusDeclined)
		if p.Bank.DeclineReason != "insufficient_funds" {
			t.Fatalf("amount trigger: %+v", p.Bank)
		}
	})
}

func TestBadInputGetsClearErrors(t *testing.T) {
	backends(t, func(t *testing.T, e *kasatest.Env) {
		cases := []struct {
			name   string
			mutate func(r *client.PaymentRequest)
			status int
			code   string
			field  string
		}{
			{"luhn", func(r *client.PaymentRequest) { r.Card.Number = "4355084355084359" }, 400, "card_number_invalid", "card.number"},
			{"expired", func(r *client.PaymentRequest) { r.Card.ExpiryYear = 2020 }, 400, "card_expired", "card.expiry_year"},
			{"bad month", func(r *client.PaymentRequest) { r.Card.ExpiryMonth = 13 }, 400, "card_expiry_invalid", "card.expiry_month"},
			{"cvv", func(r *client.PaymentRequest) { r.Card.CVV = "12" }, 400, "card_cvv_invalid", "card.cvv"},
			{"currency", func(r *client.PaymentRequest) { r.Currency = "XYZ" }, 400, "currency_unknown", "currency"},
			{"zero amount", func(r *client.PaymentRequest) { r.Amount = 0 }, 400, "amount_invalid", "amount"},
			{"negative amount", func(r *client.PaymentRequest) { r.Amount = -5 }, 400, "amount_invalid", "amount"},
			{"huge amount", func(r *client.PaymentRequest) { r.Amount = 1 << 62 }, 400, "amount_too_large", "amount"},
			{"installments in USD", func(r *client.PaymentRequest) { r.Currency = "USD"; r.Installments = 3 }, 400, "installments_not_allowed", "installments"},
			{"order id", func(r *client.PaymentRequest) { r.OrderID = "bad id with spaces" }, 400, "order_id_invalid", "order_id"},
			{"unknown pos", func(r *client.PaymentRequest) { r.POSID = "pos_nope" }, 404, "resource_not_found", "pos_id"},
		}
		for _, c := range cases {
			r := e.Sale(1000)
			c.mutate(r)
			_, _, err := e.C.CreatePayment(ctx, r, client.NewIdempotencyKey())
			ce := wantCode(t, err, c.status, c.code)
			if ce.Field != c.field || ce.Message == "" || ce.RequestID == "" {
				t.Errorf("%s: field %q message %q request_id %q", c.name, ce.Field, ce.Message, ce.RequestID)
			}
		}
		raw := func(body, contentType, key string) (int, string) {
			req, _ := http.NewRequest("POST", e.K.URL+"/v1/payments", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+e.C.APIKey)
			req.Header.Set("Content-Type", contentType)
			if key != "" {
				req.Header.Set("Idempotency-Key", key)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var eb struct{ Error client.Error }
			b, _ := io.ReadAll(resp.Body)
			json.Unmarshal(b, &eb)
			return resp.StatusCode, eb.Error.Code
		}
		for _, c := range []struct {
			body, ct, key string
			status        int
			code          string
		}{
			{`{"amount":1,"currency":"TRY","bogus":1}`, "application/json", "k1", 400, "parameter_unknown"},
			{`{"amount":"ten"}`, "application/json", "k2", 400, "parameter_invalid"},
			{`{"amount":`, "application/json", "k3", 400, "body_invalid"},
			{`amount=1`, "application/x-www-form-urlencoded", "k4", 415, "content_type_unsupported"},
			{`{"amount":1}`, "application/json", "", 400, "idempotency_key_missing"},
			{`{"description":"` + strings.Repeat("x", 70000) + `"}`, "application/json", "k5", 413, "body_too_large"},
			{strings.Repeat("[", 60000), "application/json", "k6", 400, "body_invalid"},
		} {
			if st, code := raw(c.body, c.ct, c.key); st != c.status || code != c.code {
				t.Errorf("body %.40q: got %d %s, want %d %s", c.body, st, code, c.status, c.code)
			}
		}
	})
}

func TestAuthAndTenantIsolation(t *testing.T) {
	backends(t, func(t *testing.T, e *kasatest.Env) {
		p := e.Pay(e.Sale(1000))
		other := e.NewMerchant("Other Shop")
		_, err := other.GetPayment(ctx, p.ID)
		wantCode(t, err, 404, "resource_not_found")
		_, _, err = other.Refund(ctx, p.ID, nil, client.NewIdempotencyKey())
		wantCode(t, err, 404, "resource_not_found")
		_, err = other.GetPOS(ctx, e.POS.ID)
		wantCode(t, err, 404, "resource_not_found")
		l, err := other.ListPayments(ctx, client.ListParams{})
		if err != nil || len(l.Data) != 0 {
			t.Fatalf("other merchant sees %v payments (%v)", l, err)
		}
		last := e.C.APIKey[len(e.C.APIKey)-1:]
		typo := map[bool]string{true: "y", false: "x"}[last == "x"] // always a different character
		bad := client.New(e.K.URL, e.C.APIKey[:len(e.C.APIKey)-1]+typo)
		_, err = bad.GetPayment(ctx, p.ID)
		wantCode(t, err, 401, "api_key_invalid")
		_, err = client.New(e.K.URL, "").GetPayment(ctx, p.ID)
		wantCode(t, err, 401, "api_key_missing")
	})
}

func TestPreAuthPartialCaptureAndRefunds(t *testing.T) {
	backends(t, func(t *testing.T, e *kasatest.Env) {
		r := e.Sale(10000)
		r.Capture = ptr(false)
		p := e.Pay(r)
		wantStatus(t, p, client.StatusAuthorized)
		_, _, err := e.C.Capture(ctx, p.ID, ptr(int64(10001)), client.NewIdempotencyKey())
		wantCode(t, err, 422, "capture_exceeds_authorized")
		p, _, err = e.C.Capture(ctx, p.ID, ptr(int64(6000)), client.NewIdempotencyKey())
		if err != nil {
			t.Fatal(err)
		}
		wantStatus(t, p, client.StatusSucceeded)
		if p.AmountCaptured != 6000 || p.LastOperation.BankOperation != "capture" {
			t.Fatalf("capture: %+v", p)
		}
		_, _, err = e.C.Capture(ctx, p.ID, nil, client.NewIdempotencyKey())
		wantCode(t, err, 409, "payment_not_capturable")

		p, _, err = e.C.Refund(ctx, p.ID, ptr(int64(1000)), client.NewIdempotencyKey())
		if err != nil {
			t.Fatal(err)
		}
		wantStatus(t, p, client.StatusPartiallyRefunded)
		if p.LastOperation.BankOperation != "refund" {
			t.Fatalf("a partial refund must go to the bank as a refund: %+v", p.LastOperation)
		}
		_, _, err = e.C.Refund(ctx, p.ID, ptr(int64(5001)), client.NewIdempotencyKey())
		wantCode(t, err, 422, "refund_exceeds_captured")
		p, _, err = e.C.Refund(ctx, p.ID, nil, client.NewIdempotencyKey())
		if err != nil {
			t.Fatal(err)
		}
		wantStatus(t, p, client.StatusRefunded)
		if p.AmountRefunded != 6000 {
			t.Fatalf("refunded %d, want 6000", p.AmountRefunded)
		}
		o := e.Order(p.BankOrderID)
		if o.Captured != 6000 || o.Refunded != 6000 {
			t.Fatalf("simulator book disagrees: %+v", o)
		}
		_, _, err = e.C.Refund(ctx, p.ID, ptr(int64(1)), client.NewIdempotencyKey())
		wantCode(t, err, 409, "payment_not_refundable")

		d := e.Sale(1000)
		d.Card.Number = "4000000000000051"
		dp := e.Pay(d)
		_, _, err = e.C.Capture(ctx, dp.ID, nil, client.NewIdempotencyKey())
		wantCode(t, err, 409, "payment_not_capturable")
	})
}

// A full refund asked for on the day of the sale goes to the bank as a void;
// after the batch cut-off it is a real refund.
func TestFullRefundSameDayIsSentAsVoid(t *testing.T) {
	backends(t, func(t *testing.T, e *kasatest.Env) {
		// Keep the test away from the 23:00 cut-off whatever the wall clock says.
		setCutoff(e, time.Now().In(istanbul).Add(2*time.Hour).Format("15:04"))
		p := e.Pay(e.Sale(5000))
		p, _, err := e.C.Refund(ctx, p.ID, nil, client.NewIdempotencyKey())
		if err != nil {
			t.Fatal(err)
		}
		wantStatus(t, p, client.StatusRefunded)
		if p.LastOperation.Requested != "refund" || p.LastOperation.BankOperation != "void" {
			t.Fatalf("same-day full refund went as %+v", p.LastOperation)
		}
		if o := e.Order(p.BankOrderID); o.State != banksim.OrderVoided {
			t.Fatalf("simulator state %s, want voided", o.State)
		}

		p = e.Pay(e.Sale(5000))
		e.Advance(26 * time.Hour)
		e.Sim.CloseBatch()
		_, _, err = e.C.Cancel(ctx, p.ID, client.NewIdempotencyKey())
		wantCode(t, err, 409, "cancel_window_closed")
		p, _, err = e.C.Refund(ctx, p.ID, nil, client.NewIdempotencyKey())
		if err != nil {
			t.Fatal(err)
		}
		if p.LastOperation.BankOperation != "refund" || p.Status != client.StatusRefunded {
			t.Fatalf("next-day full refund: %s via %+v", p.Status, p.LastOperation)
		}
	})
}

func TestCancelSameDay(t *testing.T) {
	backends(t, func(t *testing.T, e *kasatest.Env) {
		setCutoff(e, time.Now().In(istanbul).Add(2*time.Hour).Format("15:04"))
		p := e.Pay(e.Sale(7000))
		p, _, err := e.C.Cancel(ctx, p.ID, client.NewIdempotencyKey())
		if err != nil {
			t.Fatal(err)
		}
		wantStatus(t, p, client.StatusCanceled)
		_, _, err = e.C.Cancel(ctx, p.ID, client.NewIdempotencyKey())
		wantCode(t, err, 409, "payment_not_cancelable")
		r := e.Sale(7000)
		r.Capture = ptr(false)
		pa := e.Pay(r)
		pa, _, err = e.C.Cancel(ctx, pa.ID, client.NewIdempotencyKey())
		if err != nil {
			t.Fatal(err)
		}
		wantStatus(t, pa, client.StatusCanceled)
		if e.Sim.Book().ApprovedTotal()["TRY"] != 0 {
			t.Fatalf("money still held at the bank: %v", e.Sim.Book().ApprovedTotal())
		}
	})
}

// IDEM-1: a replay returns the first response byte for byte and never reaches
// the bank again; another body under the same key is refused.
func TestIDEM1_ReplayAndMismatch(t *testing.T) {
	backends(t, func(t *testing.T, e *kasatest.Env) {
		key := client.NewIdempotencyKey()
		r := e.Sale(4200)
		p1, resp1, err := e.C.CreatePayment(ctx, r, key)
		if err != nil || resp1.Replayed {
			t.Fatal(err, resp1)
		}
		p2, resp2, err := e.C.CreatePayment(ctx, r, key)
		if err != nil || !resp2.Replayed || p2.ID != p1.ID || p2.UpdatedAt != p1.UpdatedAt {
			t.Fatalf("replay: %v %+v", err, resp2)
		}
		// The stored response (rendered inside the outcome transaction)
		// shows the payment as the database holds it.
		got, err := e.C.GetPayment(ctx, p1.ID)
		if err != nil || !reflect.DeepEqual(got.Transactions, p1.Transactions) || got.Status != p1.Status {
			t.Fatalf("create response differs from the stored payment:\n%+v\n%+v", p1, got)
		}
		if n := e.Sim.Book().AuthAttempts(p1.BankOrderID); n != 1 {
			t.Fatalf("bank saw %d authorisations", n)
		}
		r.Amount = 4300
		_, _, err = e.C.CreatePayment(ctx, r, key)
		wantCode(t, err, 422, "idempotency_key_reused")
		// Declines are replayed too; they do not unlock a second attempt.
		d := e.Sale(1000)
		d.Card.Number = "4000000000070005"
		dk := client.NewIdempotencyKey()
		dp, _, _ := e.C.CreatePayment(ctx, d, dk)
		dp2, resp, _ := e.C.CreatePayment(ctx, d, dk)
		if dp.ID != dp2.ID || !resp.Replayed || e.Sim.Book().AuthAttempts(dp.BankOrderID) != 1 {
			t.Fatalf("declined replay hit the bank again")
		}
		// A request refused before any payment existed (validation) stores
		// nothing under its key: the corrected request may use it (as at
		// Stripe), and its response is then the one replayed.
		bad, vk := e.Sale(1500), client.NewIdempotencyKey()
		bad.Currency = "XXX"
		_, _, err = e.C.CreatePayment(ctx, bad, vk)
		if ce, ok := err.(*client.Error); !ok || ce.Status != 400 {
			t.Fatalf("bad currency: %v", err)
		}
		good := e.Sale(1500)
		gp, resp, err := e.C.CreatePayment(ctx, good, vk)
		if err != nil || resp.Replayed {
			t.Fatalf("corrected request under the key of a refused one: %v %+v", err, resp)
		}
		gp2, resp, err := e.C.CreatePayment(ctx, good, vk)
		if err != nil || !resp.Replayed || gp2.ID != gp.ID {
			t.Fatalf("replay of the corrected request: %v %+v", err, resp)
		}
	})
}

// IDEM-2: concurrent duplicates make exactly one bank call.
func TestIDEM2_ConcurrentDuplicates(t *testing.T) {
	backends(t, func(t *testing.T, e *kasatest.Env) {
		e.Fault(est3sim.OpAuth, banksim.Slow(300*time.Millisecond), 1)
		key := client.NewIdempotencyKey()
		r := e.Sale(9100)
		const n = 20
		var wg sync.WaitGroup
		ids := make(chan string, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p, _, err := e.C.CreatePayment(ctx, r, key)
				if err != nil {
					if ce, ok := err.(*client.Error); !ok || ce.Code != "idempotency_key_in_progress" {
						t.Errorf("duplicate got %v", err)
					}
					return
				}
				ids <- p.ID
			}()
		}
		wg.Wait()
		close(ids)
		var first string
		for id := range ids {
			if first == "" {
				first = id
			} else if id != first {
				t.Fatalf("two payments for one key: %s %s", first, id)
			}
		}
		total := 0
		for _, o := range e.Sim.Book().All() {
			total += o.AuthAttempts
		}
		if total != 1 {
			t.Fatalf("the bank saw %d authorisations for one idempotency key", total)
		}
	})
}

// A timeout after the bank committed leaves the payment unknown — never
// failed — and sync settles it from the bank's own book.
func TestIDEM4_TimeoutUnknownThenSync(t *testing.T) {
	backends(t, func(t *testing.T, e *kasatest.Env) {
		cases := []struct {
			fault banksim.Fault
			after string // status after sync
		}{
			{banksim.TimeoutAfter, client.StatusSucceeded},
			{banksim.HTTP500After, client.StatusSucceeded},
			{banksim.Malformed, client.StatusSucceeded},
			{banksim.Truncated, client.StatusSucceeded},
			{banksim.Reset, client.StatusSucceeded},
			{banksim.TimeoutBefore, client.StatusFailed},
			{banksim.HTTP500, client.StatusFailed},
		}
		for _, c := range cases {
			e.Fault(est3sim.OpAuth, c.fault, 1)
			p := e.Pay(e.Sale(3300))
			wantStatus(t, p, client.StatusUnknown)
			p, _, err := e.C.Sync(ctx, p.ID)
			if err != nil {
				t.Fatalf("%s: sync: %v", c.fault.Kind, err)
			}
			if p.Status != c.after {
				t.Fatalf("%s: after sync %s, want %s", c.fault.Kind, p.Status, c.after)
			}
			if n := e.Sim.Book().ApprovedAuths(p.BankOrderID); (n == 1) != (c.after == client.StatusSucceeded) {
				t.Fatalf("%s: bank approved %d times", c.fault.Kind, n)
			}
		}
	})
}

func TestNotSentWhenBankIsDown(t *testing.T) {
	backends(t, func(t *testing.T, e *kasatest.Env) {
		e.Sim.Close()
		p := e.Pay(e.Sale(1000))
		wantStatus(t, p, client.StatusFailed)
		if len(p.Transactions) != 1 || p.Transactions[0].Status != "not_sent" {
			t.Fatalf("timeline: %+v", p.Transactions)
		}
	})
}

// Unknown operations (capture, refund) are settled by sync as well.
func TestUnknownOperationsSettleBySync(t *testing.T) {
	backends(t, func(t *testing.T, e *kasatest.Env) {
		r := e.Sale(8000)
		r.Capture = ptr(false)
		p := e.Pay(r)
		e.Fault(est3sim.OpPostAuth, banksim.TimeoutAfter, 1)
		p, resp, err := e.C.Capture(ctx, p.ID, ptr(int64(5000)), client.NewIdempotencyKey())
		if err != nil || resp.Status != http.StatusAccepted || p.LastOperation.Status != "unknown" {
			t.Fatalf("capture with lost reply: %v %+v", err, resp)
		}
		_, _, err = e.C.Refund(ctx, p.ID, nil, client.NewIdempotencyKey())
		wantCode(t, err, 409, "payment_not_refundable")
		p, _, err = e.C.Sync(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantStatus(t, p, client.StatusSucceeded)
		if p.AmountCaptured != 5000 {
			t.Fatalf("captured %d after sync, want 5000", p.AmountCaptured)
		}
		e.Fault(est3sim.OpCredit, banksim.HTTP500After, 1)
		p, _, err = e.C.Refund(ctx, p.ID, ptr(int64(2000)), client.NewIdempotencyKey())
		if err != nil || p.LastOperation.Status != "unknown" {
			t.Fatalf("refund with lost reply: %v", err)
		}
		// Another refund may run while the first is unknown, but only within
		// what is left counting the unknown one.
		_, _, err = e.C.Refund(ctx, p.ID, ptr(int64(3001)), client.NewIdempotencyKey())
		wantCode(t, err, 422, "refund_exceeds_captured")
		p, _, err = e.C.Sync(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantStatus(t, p, client.StatusPartiallyRefunded)
		if p.AmountRefunded != 2000 {
			t.Fatalf("refunded %d after sync, want 2000", p.AmountRefunded)
		}
	})
}

// The resolver settles what a crash or a timeout left open, with no API call.
func TestResolverSettlesUnknownPayments(t *testing.T) {
	backends(t, func(t *testing.T, e *kasatest.Env) {
		e.Fault(est3sim.OpAuth, banksim.TimeoutAfter, 1)
		p := e.Pay(e.Sale(2500))
		wantStatus(t, p, client.StatusUnknown)
		n, err := e.K.Service.ResolvePending(ctx, 0, 10)
		if err != nil || n != 1 {
			t.Fatalf("resolver settled %d (%v)", n, err)
		}
		got, _ := e.C.GetPayment(ctx, p.ID)
		wantStatus(t, got, client.StatusSucceeded)

		// A refund whose reply was lost is found and settled too.
		e.Fault(est3sim.OpCredit, banksim.HTTP500After, 1)
		got, _, err = e.C.Refund(ctx, p.ID, ptr(int64(500)), client.NewIdempotencyKey())
		if err != nil || got.LastOperation.Status != "unknown" {
			t.Fatalf("refund with lost reply: %v", err)
		}
		if n, err := e.K.Service.ResolvePending(ctx, 0, 10); err != nil || n != 1 {
			t.Fatalf("resolver settled %d (%v)", n, err)
		}
		got, _ = e.C.GetPayment(ctx, p.ID)
		wantStatus(t, got, client.StatusPartiallyRefunded)
		if n, _ := e.K.Service.ResolvePending(ctx, 0, 10); n != 0 {
			t.Fatalf("resolver found %d payments after settling everything", n)
		}
	})
}

// IDEM-6: concurrent partial refunds never sum above the captured amount.
func TestIDEM6_ConcurrentRefunds(t *testing.T) {
	backends(t, func(t *testing.T, e *kasatest.Env) {
		p := e.Pay(e.Sale(10000))
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok := 0
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _, err := e.C.Refund(ctx, p.ID, ptr(int64(1000)), client.NewIdempotencyKey())
				if err == nil {
					mu.Lock()
					ok++
					mu.Unlock()
				} else if ce, isCE := err.(*client.Error); !isCE || ce.Code != "refund_exceeds_captured" && ce.Code != "payment_not_refundable" {
					t.Errorf("refund: %v", err)
				}
			}()
		}
		wg.Wait()
		got, _ := e.C.GetPayment(ctx, p.ID)
		o := e.Order(p.BankOrderID)
		if ok != 10 || got.AmountRefunded != 10000 || o.Refunded != 10000 || got.Status != client.StatusRefunded {
			t.Fatalf("%d refunds succeeded; Kasa refunded %d, bank %d, status %s", ok, got.AmountRefunded, o.Refunded, got.Status)
		}
	})
}

func TestListFiltersAndPagination(t *testing.T) {
	backends(t, func(t *testing.T, e *kasatest.Env) {
		var ids []string
		for i := 0; i < 7; i++ {
			r := e.Sale(int64(1000 + i))
			if i%3 == 0 {
				r.Card.Number = "4000000000000051"
			}
			ids = append(ids, e.Pay(r).ID)
		}
		seen := map[string]bool{}
		cursor := ""
		for pages := 0; ; pages++ {
			l, err := e.C.ListPayments(ctx, client.ListParams{Limit: 3, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range l.Data {
				if seen[p.ID] {
					t.Fatalf("page repeats %s", p.ID)
				}
				seen[p.ID] = true
			}
			if !l.HasMore {
				break
			}
			cursor = l.NextCursor
		}
		if len(seen) != 7 {
			t.Fatalf("pages returned %d payments, want 7", len(seen))
		}
		l, _ := e.C.ListPayments(ctx, client.ListParams{Status: client.StatusDeclined})
		if len(l.Data) != 3 {
			t.Fatalf("declined filter: %d", len(l.Data))
		}
		l, _ = e.C.ListPayments(ctx, client.ListParams{CardLast4: "0051"})
		if len(l.Data) != 3 {
			t.Fatalf("last4 filter: %d", len(l.Data))
		}
		one, _ := e.C.GetPayment(ctx, ids[1])
		l, _ = e.C.ListPayments(ctx, client.ListParams{OrderID: one.OrderID})
		if len(l.Data) != 1 || l.Data[0].ID != one.ID {
			t.Fatalf("order filter: %+v", l.Data)
		}
		l, _ = e.C.ListPayments(ctx, client.ListParams{CreatedFrom: time.Now().Add(time.Hour)})
		if len(l.Data) != 0 {
			t.Fatalf("date filter: %d", len(l.Data))
		}
		_, err := e.C.ListPayments(ctx, client.ListParams{Cursor: "garbage!"})
		wantCode(t, err, 400, "parameter_invalid")
	})
}

func TestPOSCredentialsAreWriteOnly(t *testing.T) {
	backends(t, func(t *testing.T, e *kasatest.Env) {
		req, _ := http.NewRequest("GET", e.K.URL+"/v1/pos/"+e.POS.ID, nil)
		req.Header.Set("Authorization", "Bearer "+e.C.APIKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		sb := est3sim.PaytenSandbox()
		for _, secret := range []string{sb.Password, sb.StoreKey} {
			if strings.Contains(string(body), secret) {
				t.Fatalf("GET /v1/pos reveals a credential: %s", body)
			}
		}
		pos, _ := e.C.GetPOS(ctx, e.POS.ID)
		if pos.Credentials["api_password"] != "set" || pos.Credentials["store_key"] != "set" {
			t.Fatalf("credentials view: %v", pos.Credentials)
		}
		// Changing the endpoint takes effect for the next payment, no restart.
		other := est3sim.New(est3sim.Config{})
		other.Start()
		defer other.Close()
		if _, err := e.C.UpdatePOS(ctx, e.POS.ID, &client.POSRequest{Endpoints: &client.Endpoints{API: other.APIURL()}}); err != nil {
			t.Fatal(err)
		}
		p := e.Pay(e.Sale(1500))
		if _, ok := other.Book().Get(sb.ClientID, p.BankOrderID); !ok {
			t.Fatal("payment did not go to the new endpoint")
		}
		list, _ := e.C.ListPOS(ctx)
		if len(list) != 1 {
			t.Fatalf("ListPOS: %d", len(list))
		}
		_, err = e.C.CreatePOS(ctx, &client.POSRequest{Protocol: "nope"})
		wantCode(t, err, 400, "protocol_unknown")
		_, err = e.C.CreatePOS(ctx, &client.POSRequest{Protocol: "est3", Endpoints: &client.Endpoints{API: other.APIURL()}, Credentials: map[string]string{"client_id": "1"}})
		wantCode(t, err, 400, "credentials_invalid")
		_, err = e.C.CreatePOS(ctx, &client.POSRequest{Protocol: "est3", Environment: "production", Endpoints: &client.Endpoints{API: other.APIURL()},
			Credentials: map[string]string{"client_id": "1", "api_user": "u", "api_password": "p"}})
		wantCode(t, err, 400, "parameter_invalid")
	})
}

// PCI-1 / PCI-2: after every kind of flow, no PAN or CVV is in the database
// files or the logs.
func TestPCI1_NoCardDataAtRestOrInLogs(t *testing.T) {
	e := kasatest.New(t, "sqlite", "est3", nil)
	sale := func(amount int64) *client.PaymentRequest {
		r := e.Sale(amount)
		r.Card.CVV = "739" // distinctive, so the scan cannot hit it by chance
		return r
	}
	p := e.Pay(sale(1000))
	e.C.Refund(ctx, p.ID, ptr(int64(100)), client.NewIdempotencyKey())
	r := sale(2000)
	r.Capture = ptr(false)
	pa := e.Pay(r)
	e.C.Capture(ctx, pa.ID, nil, client.NewIdempotencyKey())
	e.Fault(est3sim.OpAuth, banksim.TimeoutAfter, 1)
	u := e.Pay(sale(3000))
	e.C.Sync(ctx, u.ID)
	bad := sale(1000)
	bad.Currency = "XYZ"
	e.C.CreatePayment(ctx, bad, client.NewIdempotencyKey())
	e.K.Close(ctx) // flush the WAL into the files we scan
	e.ScanForCardData(testPAN, "739")
}

func setCutoff(e *kasatest.Env, hhmm string) {
	e.T.Helper()
	if _, err := e.C.UpdatePOS(ctx, e.POS.ID, &client.POSRequest{BatchCutoff: hhmm}); err != nil {
		e.T.Fatal(err)
	}
}

// 3DS-5: return_url must be one of the merchant's domains; no open redirect.
func TestReturnURLMustBeRegistered(t *testing.T) {
	backends(t, func(t *testing.T, e *kasatest.Env) {
		r := e.Sale(1000)
		r.ThreeD, r.ReturnURL = "3d", "https://evil.example/steal"
		_, _, err := e.C.CreatePayment(ctx, r, client.NewIdempotencyKey())
		wantCode(t, err, 400, "return_url_not_allowed")
		r.ReturnURL = "javascript:alert(1)"
		_, _, err = e.C.CreatePayment(ctx, r, client.NewIdempotencyKey())
		wantCode(t, err, 400, "return_url_invalid")
		if _, err := e.C.UpdateMerchant(ctx, "", []string{"*.shop.example"}); err != nil {
			t.Fatal(err)
		}
		r.ReturnURL = "https://www.shop.example/thanks"
		p, _, err := e.C.CreatePayment(ctx, r, client.NewIdempotencyKey())
		if err != nil || p.Status != "requires_action" {
			t.Fatalf("registered domain refused: %v", err)
		}
		r.ReturnURL = "https://shop.example.evil.com/x"
		_, _, err = e.C.CreatePayment(ctx, r, client.NewIdempotencyKey())
		wantCode(t, err, 400, "return_url_not_allowed")
		_, err = e.C.UpdateMerchant(ctx, "", []string{"bad/domain"})
		wantCode(t, err, 400, "parameter_invalid")
	})
}
