package banksim

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// toySim is a minimal protocol on top of Core: POST /op commits one order
// per request and answers "<ok/>".
type toySim struct {
	*Core
	committed atomic.Int64
}

func newToy(t *testing.T) (*toySim, string) {
	t.Helper()
	s := &toySim{Core: NewCore(nil)}
	s.Mux().HandleFunc("POST /op", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		s.Respond(w, r, "Op", "text/xml", func() []byte {
			n := s.committed.Add(1)
			s.Book().Update("m", "O"+string(rune('0'+n)), func(*Order) *Order {
				return &Order{Type: TxnAuth, State: OrderCaptured, Currency: "TRY", Captured: 100, Authorized: 100}
			})
			return []byte("<ok>" + strings.Repeat("x", 40) + "</ok>")
		})
	})
	url, err := s.Start("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, url
}

func post(ctx context.Context, url string) (int, string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader("x"))
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

func TestRespondFaults(t *testing.T) {
	s, url := newToy(t)
	tests := []struct {
		fault   Fault
		commits bool
		check   func(code int, body string, err error) bool
	}{
		{Fault{}, true, func(c int, b string, err error) bool { return err == nil && c == 200 && strings.HasPrefix(b, "<ok>") }},
		{HTTP500, false, func(c int, _ string, err error) bool { return err == nil && c == 500 }},
		{HTTP500After, true, func(c int, _ string, err error) bool { return err == nil && c == 500 }},
		{Malformed, true, func(c int, b string, err error) bool { return err == nil && c == 200 && !strings.HasPrefix(b, "<ok>") }},
		{Truncated, true, func(c int, b string, err error) bool { return err == nil && c == 200 && len(b) == 49/2 }},
		{Slow(100 * time.Millisecond), true, func(c int, b string, err error) bool { return err == nil && c == 200 }},
		{Reset, true, func(_ int, _ string, err error) bool { return err != nil }},
		{TimeoutBefore, false, func(_ int, _ string, err error) bool { return errors.Is(err, context.DeadlineExceeded) }},
		{TimeoutAfter, true, func(_ int, _ string, err error) bool { return errors.Is(err, context.DeadlineExceeded) }},
	}
	for _, tt := range tests {
		t.Run(string(tt.fault.Kind), func(t *testing.T) {
			before := s.committed.Load()
			if tt.fault.Kind != KindNone {
				s.Faults().Next("Op", tt.fault, 1)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 400*time.Millisecond)
			defer cancel()
			code, body, err := post(ctx, url+"/op")
			if !tt.check(code, body, err) {
				t.Errorf("got %d %q %v", code, body, err)
			}
			if got := s.committed.Load() - before; (got == 1) != tt.commits {
				t.Errorf("committed %d", got)
			}
		})
	}
}

// Close ends requests hanging in a fault and waits for their handlers.
func TestCloseEndsHangs(t *testing.T) {
	s, url := newToy(t)
	s.Faults().SetDefault(AnyOp, TimeoutBefore)
	errc := make(chan error, 3)
	for range 3 {
		go func() {
			_, _, err := post(context.Background(), url+"/op") // no client timeout
			errc <- err
		}()
	}
	time.Sleep(200 * time.Millisecond) // let the requests reach the fault
	done := make(chan struct{})
	go func() { s.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		t.Fatal("Close did not return")
	}
	for range 3 {
		select {
		case err := <-errc:
			if err == nil {
				t.Error("hanging request got an answer")
			}
		case <-time.After(3 * time.Second):
			t.Fatal("client still waiting after Close")
		}
	}
	if _, err := s.Start(""); err == nil {
		t.Error("restart after Close accepted")
	}
}

func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode
}

func postJSON(t *testing.T, url, body string) int {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestControlAPI(t *testing.T) {
	s, url := newToy(t)
	if c := postJSON(t, url+"/_sim/faults", `{"op":"Op","fault":"http500","count":1}`); c != 200 {
		t.Fatalf("post faults: %d", c)
	}
	if c := postJSON(t, url+"/_sim/faults", `{"op":"Op","fault":"nope"}`); c != 400 {
		t.Errorf("bad fault: %d", c)
	}
	if c := postJSON(t, url+"/_sim/faults", `{"op":"Op","fault":"http500","typo":1}`); c != 400 {
		t.Errorf("unknown field: %d", c)
	}
	var st FaultState
	getJSON(t, url+"/_sim/faults", &st)
	if len(st.Queued) != 1 || st.Queued[0].Fault.Kind != KindHTTP500 {
		t.Errorf("state %+v", st)
	}
	if code, _, _ := post(t.Context(), url+"/op"); code != 500 {
		t.Errorf("fault not applied: %d", code)
	}
	if code, _, _ := post(t.Context(), url+"/op"); code != 200 {
		t.Errorf("fault applied twice: %d", code)
	}

	var o Order
	if c := getJSON(t, url+"/_sim/orders/O1", &o); c != 200 || o.ID != "O1" || o.Captured != 100 {
		t.Errorf("order %d %+v", c, o)
	}
	if c := getJSON(t, url+"/_sim/orders/O1?merchant=m", &o); c != 200 {
		t.Errorf("order by merchant %d", c)
	}
	if c := getJSON(t, url+"/_sim/orders/NOPE", nil); c != 404 {
		t.Errorf("missing order %d", c)
	}
	s.Book().Update("other", "O1", func(*Order) *Order { return &Order{Currency: "TRY", State: OrderDeclined} })
	if c := getJSON(t, url+"/_sim/orders/O1", nil); c != 409 {
		t.Errorf("ambiguous order %d", c)
	}
	var all []Order
	getJSON(t, url+"/_sim/orders", &all)
	if len(all) != 2 {
		t.Errorf("orders %d", len(all))
	}
	var stats Stats
	getJSON(t, url+"/_sim/stats", &stats)
	if stats.ApprovedTotal["TRY"] != 100 || stats.Orders[OrderCaptured] != 1 {
		t.Errorf("stats %+v", stats)
	}
	var settled map[string]int
	resp, _ := http.Post(url+"/_sim/batch/close", "", nil)
	json.NewDecoder(resp.Body).Decode(&settled)
	resp.Body.Close()
	if settled["settled"] != 1 {
		t.Errorf("batch close %v", settled)
	}
	postJSON(t, url+"/_sim/faults", `{"op":"*","fault":"slow","delay_ms":5,"default":true}`)
	if c := postJSON(t, url+"/_sim/reset", ``); c != 200 {
		t.Errorf("reset %d", c)
	}
	getJSON(t, url+"/_sim/faults", &st)
	if len(s.Book().All()) != 0 || len(st.Defaults) != 0 {
		t.Error("reset left state")
	}
	req, _ := http.NewRequest(http.MethodDelete, url+"/_sim/faults", nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Errorf("delete faults: %v", err)
	} else {
		resp.Body.Close()
	}
}
