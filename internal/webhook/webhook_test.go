package webhook

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kasapos/kasa/client"
	"github.com/kasapos/kasa/internal/store"
)

// WH-2: the Standard Webhooks specification's own example: secret, id,
// timestamp and payload from the spec, and the signature it gives.
func TestWH2_StandardWebhooksSpecVector(t *testing.T) {
	key, err := ParseSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		t.Fatal(err)
	}
	got := Sign(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, []byte(`{"test": 2432232314}`))
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Fatalf("signature %s, want %s", got, want)
	}
}

// kat is Kasa's own known-answer vector: an event rendered by Body and
// signed; the signature was cross-checked with Python's hmac module.
var kat = struct {
	secret, sig, body string
	ts                int64
	ev                *store.Event
}{
	secret: "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", // bytes 0..31
	ts:     1795428000,
	ev: &store.Event{ID: "evt_4fQ2sB8kLm0PzX7yTq1wRn5c", Mode: store.ModeTest, Type: "payment.succeeded",
		Payload:   []byte(`{"type":"payment.succeeded","data":{"id":"pay_1","amount":12550,"card":{"masked":"435508******4358"}}}`),
		CreatedAt: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)},
	body: `{"id":"evt_4fQ2sB8kLm0PzX7yTq1wRn5c","object":"event","type":"payment.succeeded","mode":"test",` +
		`"created_at":"2026-11-23T10:00:00Z","data":{"id":"pay_1","amount":12550,"card":{"masked":"435508******4358"}}}`,
	sig: "v1,tiSr1DcQoJMCV8n1iEwol4N5Kx/PCVo1WBbfae9TMf4=",
}

func katHeader(id string, ts int64, sig string) http.Header {
	h := http.Header{}
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	h.Set(HeaderSignature, sig)
	return h
}

// WH-2: the vector, and the client's verifier (written separately, from
// the spec) rejecting any change of body, id or timestamp.
func TestWH2_KasaVectorAndTampering(t *testing.T) {
	body, err := Body(kat.ev)
	if err != nil || string(body) != kat.body {
		t.Fatalf("body %s (%v)\nwant %s", body, err, kat.body)
	}
	key, err := ParseSecret(kat.secret)
	if err != nil {
		t.Fatal(err)
	}
	if got := Sign(key, kat.ev.ID, kat.ts, body); got != kat.sig {
		t.Fatalf("signature %s, want %s", got, kat.sig)
	}
	verify := func(h http.Header, b []byte) error {
		return client.VerifyWebhook(kat.secret, h, b, 100*365*24*time.Hour) // the vector's time is fixed
	}
	if err := verify(katHeader(kat.ev.ID, kat.ts, kat.sig), body); err != nil {
		t.Fatalf("vector does not verify: %v", err)
	}
	for i := range body {
		b := []byte(string(body))
		b[i] ^= 1
		if verify(katHeader(kat.ev.ID, kat.ts, kat.sig), b) == nil {
			t.Fatalf("body changed at byte %d verifies", i)
		}
	}
	if !errors.Is(verify(katHeader(kat.ev.ID+"x", kat.ts, kat.sig), body), client.ErrWebhookSignature) {
		t.Fatal("changed id verifies")
	}
	if !errors.Is(verify(katHeader(kat.ev.ID, kat.ts+1, kat.sig), body), client.ErrWebhookSignature) {
		t.Fatal("changed timestamp verifies")
	}
	// WH-4: the same delivery replayed 6 minutes later is refused.
	if err := client.VerifyWebhook(kat.secret, katHeader(kat.ev.ID, time.Now().Add(-6*time.Minute).Unix(),
		Sign(key, kat.ev.ID, time.Now().Add(-6*time.Minute).Unix(), body)), body, 0); !errors.Is(err, client.ErrWebhookTimestamp) {
		t.Fatalf("replay 6 min later: %v", err)
	}
}

// WH-2: during a rotation both secrets sign; either verifies alone.
func TestWH2_RotationSignsWithBothSecrets(t *testing.T) {
	oldKey, newKey := NewSecret(), NewSecret()
	ts := time.Now().Unix()
	body := []byte(`{"id":"evt_1"}`)
	h := katHeader("evt_1", ts, SignatureHeader([][]byte{newKey, oldKey}, "evt_1", ts, body))
	if n := len(strings.Fields(h.Get(HeaderSignature))); n != 2 {
		t.Fatalf("%d signatures, want 2", n)
	}
	for _, k := range [][]byte{oldKey, newKey} {
		if err := client.VerifyWebhook(FormatSecret(k), h, body, 0); err != nil {
			t.Fatalf("secret does not verify during rotation: %v", err)
		}
	}
	if err := client.VerifyWebhook(FormatSecret(NewSecret()), h, body, 0); !errors.Is(err, client.ErrWebhookSignature) {
		t.Fatalf("a third secret verifies: %v", err)
	}
	if s := FormatSecret(oldKey); !strings.HasPrefix(s, "whsec_") || len(s) != len("whsec_")+44 {
		t.Fatalf("secret format %q", s)
	}
}

// WH-3: the schedule's steps bound each delay (full jitter), the last step
// repeats, Retry-After is a lower bound, and the delivery is given up once
// three days have passed.
func TestWH3_RetrySchedule(t *testing.T) {
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	high := RetryPolicy{Jitter: func(n int64) int64 { return n - 1 }} // the largest delay
	low := RetryPolicy{Jitter: func(int64) int64 { return 0 }}        // the smallest
	for i, step := range append(DefaultSchedule, 24*time.Hour, 24*time.Hour) {
		next, ok := high.Next(i+1, created, created, 0)
		if !ok || next.Sub(created) != step {
			t.Fatalf("attempt %d: max delay %v, want %v", i+1, next.Sub(created), step)
		}
		next, ok = low.Next(i+1, created, created, 0)
		if !ok || next.Sub(created) != time.Nanosecond {
			t.Fatalf("attempt %d: min delay %v", i+1, next.Sub(created))
		}
	}
	// Attempts at the slowest schedule: the first is immediate, and the
	// delivery fails only after at least three days of attempts.
	at, n := created, 1
	for {
		next, ok := high.Next(n, created, at, 0)
		if !ok {
			break
		}
		at, n = next, n+1
	}
	if age := at.Sub(created); age < DefaultRetryFor || age > DefaultRetryFor+24*time.Hour {
		t.Fatalf("last attempt at %v after creation", age)
	}
	// Standard Webhooks' ten: immediately, then the nine steps.
	if n != 10 {
		t.Fatalf("%d attempts at the slowest schedule, want 10", n)
	}
	if _, ok := high.Next(3, created, created.Add(72*time.Hour), 0); ok {
		t.Fatal("retry scheduled after the retry window")
	}
	// Retry-After raises the delay, never beyond the largest step.
	if next, _ := low.Next(1, created, created, 90*time.Second); next.Sub(created) != 90*time.Second {
		t.Fatalf("Retry-After ignored: %v", next.Sub(created))
	}
	if next, _ := low.Next(1, created, created, 100*time.Hour); next.Sub(created) != 24*time.Hour {
		t.Fatalf("Retry-After not capped: %v", next.Sub(created))
	}
	// Real jitter stays within (0, step].
	for range 1000 {
		next, _ := RetryPolicy{}.Next(2, created, created, 0)
		if d := next.Sub(created); d <= 0 || d > 5*time.Minute {
			t.Fatalf("jittered delay %v outside (0, 5m]", d)
		}
	}
	h := http.Header{}
	h.Set("Retry-After", "120")
	if d := retryAfter(h, created); d != 2*time.Minute {
		t.Fatalf("Retry-After seconds: %v", d)
	}
	h.Set("Retry-After", created.Add(time.Hour).Format(http.TimeFormat))
	if d := retryAfter(h, created); d != time.Hour {
		t.Fatalf("Retry-After date: %v", d)
	}
}

// WH-5: addresses webhooks must not reach.
func TestWH5_CheckIP(t *testing.T) {
	for _, a := range []string{"127.0.0.1", "127.8.9.10", "::1", "10.0.0.5", "172.16.3.4", "192.168.1.1",
		"100.64.0.1", "169.254.169.254", "0.0.0.0", "::", "224.0.0.1", "255.255.255.255", "fc00::1", "fd12:3456::1",
		"fe80::1", "ff02::1", "::ffff:10.0.0.5", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "64:ff9b::a00:5",
		"2002:a00:5::1", "198.18.0.1", "240.0.0.1"} {
		if err := CheckIP(netip.MustParseAddr(a), false); !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("%s allowed in live mode", a)
		}
	}
	for _, a := range []string{"93.184.215.14", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"} {
		if err := CheckIP(netip.MustParseAddr(a), false); err != nil {
			t.Errorf("%s refused: %v", a, err)
		}
	}
	// Test mode's exception is loopback only.
	if err := CheckIP(netip.MustParseAddr("127.0.0.1"), true); err != nil {
		t.Errorf("loopback refused in test mode: %v", err)
	}
	for _, a := range []string{"10.0.0.5", "169.254.169.254", "fc00::1"} {
		if err := CheckIP(netip.MustParseAddr(a), true); err == nil {
			t.Errorf("%s allowed in test mode", a)
		}
	}
}

type fakeResolver map[string][]string

func (f fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	var out []netip.Addr
	for _, a := range f[host] {
		out = append(out, netip.MustParseAddr(a))
	}
	if len(out) == 0 {
		return nil, errors.New("no such host")
	}
	return out, nil
}

// WH-5: URLs are checked by what they resolve to when they are saved.
func TestWH5_CheckURL(t *testing.T) {
	r := fakeResolver{"shop.example": {"93.184.215.14"}, "meta.example": {"169.254.169.254"},
		"mixed.example": {"93.184.215.14", "10.0.0.5"}, "local.example": {"127.0.0.1"}, "v6.example": {"::1"}}
	cases := []struct {
		url       string
		mode      store.Mode
		forbidden bool // else allowed unless invalid
		invalid   bool
	}{
		{"https://shop.example/hooks", store.ModeLive, false, false},
		{"http://shop.example/hooks", store.ModeLive, false, true},
		{"https://127.0.0.1/h", store.ModeLive, true, false},
		{"https://10.0.0.5/h", store.ModeLive, true, false},
		{"https://169.254.169.254/latest/meta-data", store.ModeLive, true, false},
		{"https://[::1]:8443/h", store.ModeLive, true, false},
		{"https://[::ffff:127.0.0.1]/h", store.ModeLive, true, false},
		{"https://[fd00::1]/h", store.ModeLive, true, false},
		{"https://meta.example/h", store.ModeLive, true, false},
		{"https://mixed.example/h", store.ModeLive, true, false},
		{"https://local.example/h", store.ModeLive, true, false},
		{"https://v6.example/h", store.ModeLive, true, false},
		{"https://nowhere.example/h", store.ModeLive, false, true},
		{"ftp://shop.example/h", store.ModeTest, false, true},
		{"/relative", store.ModeTest, false, true},
		{"https://shop.example/h#frag", store.ModeLive, false, true},
		{"http://127.0.0.1:9000/h", store.ModeTest, false, false},
		{"http://local.example/h", store.ModeTest, false, false},
		{"http://10.0.0.5/h", store.ModeTest, true, false},
		{"http://meta.example/h", store.ModeTest, true, false},
	}
	for _, c := range cases {
		err := CheckURL(t.Context(), c.url, c.mode, r)
		var ue *URLError
		switch {
		case c.invalid && (!errors.As(err, &ue) || ue.Forbidden):
			t.Errorf("%s (%s): %v, want invalid", c.url, c.mode, err)
		case c.forbidden && (!errors.As(err, &ue) || !ue.Forbidden):
			t.Errorf("%s (%s): %v, want forbidden", c.url, c.mode, err)
		case !c.invalid && !c.forbidden && err != nil:
			t.Errorf("%s (%s): %v, want allowed", c.url, c.mode, err)
		}
	}
}

func TestSecretParsing(t *testing.T) {
	for _, bad := range []string{"", "whsec_", "sk_test_abc", "whsec_!!!"} {
		if _, err := ParseSecret(bad); err == nil {
			t.Errorf("ParseSecret(%q) succeeded", bad)
		}
	}
	for _, typ := range append(EventTypes, AllEvents) {
		if !KnownEventType(typ) {
			t.Errorf("%s unknown", typ)
		}
	}
	if KnownEventType("payment.captured") || KnownEventType("payment.processing") {
		t.Error("a type Kasa never sends is accepted")
	}
}
