package ratelimit

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestBucketsAndHandler(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	b := &Buckets{Rate: 0.5, Burst: 2, Now: func() time.Time { return now }}
	h := b.Handler(func(r *http.Request) bool { return r.Method == "POST" }, nil,
		http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) }))
	do := func(method, ip string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, "/checkout/cs_1", nil)
		r.RemoteAddr = ip + ":1234"
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	do("POST", "203.0.113.1")
	do("POST", "203.0.113.1")
	if w := do("POST", "203.0.113.1"); w.Code != 429 || w.Header().Get("Retry-After") != "2" {
		t.Fatalf("burst: %d %q", w.Code, w.Header().Get("Retry-After"))
	}
	if w := do("GET", "203.0.113.1"); w.Code != 204 {
		t.Fatalf("GET limited: %d", w.Code)
	}
	if w := do("POST", "203.0.113.2"); w.Code != 204 {
		t.Fatalf("other IP: %d", w.Code)
	}
	now = now.Add(2 * time.Second)
	if w := do("POST", "203.0.113.1"); w.Code != 204 {
		t.Fatalf("after refill: %d", w.Code)
	}
}

func TestVelocity(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	v := &Velocity{Max: 3, Window: time.Minute, Now: func() time.Time { return now }}
	for range 3 {
		v.Fail("card-a")
		now = now.Add(10 * time.Second)
	}
	if blocked, wait := v.Blocked("card-a"); !blocked || wait != 30*time.Second {
		t.Fatalf("blocked %v wait %v", blocked, wait)
	}
	if blocked, _ := v.Blocked("card-b"); blocked {
		t.Fatal("other card blocked")
	}
	now = now.Add(30 * time.Second)
	if blocked, _ := v.Blocked("card-a"); blocked {
		t.Fatal("still blocked after the window")
	}
}
