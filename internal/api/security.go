package api

// Issue #5: the audit log of configuration changes and money operations,
// rate limits and the card-testing velocity limit (API-3, API-6).

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kasapos/kasa/internal/audit"
	"github.com/kasapos/kasa/internal/id"
	"github.com/kasapos/kasa/internal/ratelimit"
	"github.com/kasapos/kasa/internal/store"
)

// Limits configures the API's in-memory limits (per node: see
// internal/ratelimit for the multi-node caveat).
type Limits struct {
	// Token buckets on payment creation and refunds, per API key and per
	// client IP: Rate tokens a second, at most Burst at once.
	PerKeyRate, PerKeyBurst float64
	PerIPRate, PerIPBurst   float64
	// CardDeclines declines of one card (keyed PAN fingerprint) within
	// CardWindow block further payments with that card until they age out.
	CardDeclines int
	CardWindow   time.Duration
	// TestMode applies the limits to test-mode keys too. Off by default:
	// test mode never reaches a bank, so card testing there gains nothing,
	// and load and chaos tests run on test keys.
	TestMode bool
	// Off disables every limit.
	Off bool
	Now func() time.Time // nil: time.Now
}

// DefaultLimits are the limits a node starts with.
func DefaultLimits() Limits {
	return Limits{PerKeyRate: 20, PerKeyBurst: 50, PerIPRate: 20, PerIPBurst: 50,
		CardDeclines: 20, CardWindow: 10 * time.Minute}
}

type security struct {
	limits        Limits
	perKey, perIP *ratelimit.Buckets
	cards         *ratelimit.Velocity
}

func newSecurity(l Limits) *security {
	return &security{limits: l,
		perKey: &ratelimit.Buckets{Rate: l.PerKeyRate, Burst: l.PerKeyBurst, Now: l.Now},
		perIP:  &ratelimit.Buckets{Rate: l.PerIPRate, Burst: l.PerIPBurst, Now: l.Now},
		cards:  &ratelimit.Velocity{Max: l.CardDeclines, Window: l.CardWindow, Now: l.Now}}
}

// SetLimits replaces the limits (and forgets their state). Call it before
// serving.
func (s *Server) SetLimits(l Limits) { s.sec = newSecurity(l) }

// Context values of issue #5.
type secCtxKey int

const ctxAPIKeyID secCtxKey = iota

func apiKeyID(r *http.Request) string {
	v, _ := r.Context().Value(ctxAPIKeyID).(string)
	return v
}

// clientIP is the TCP peer. X-Forwarded-For is not trusted: behind a proxy
// every request shares the proxy's IP bucket unless the proxy rewrites
// RemoteAddr.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func retryAfter(d time.Duration) string {
	return strconv.Itoa(max(1, int((d+time.Second-1)/time.Second)))
}

// Routes under the token buckets; POST /v1/payments also gets the card
// velocity limit.
var limitedRoutes = map[string]bool{"POST /v1/payments": true, "POST /v1/payments/{id}/refunds": true}

// limited enforces the buckets and, on payment creation, the card
// velocity. It sits outside the idempotency layer, so a 429 is never
// stored as a key's response: a retry after Retry-After runs for real.
func (s *Server) limited(pattern string, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sec, c := s.sec, caller(r)
		if sec.limits.Off || (c.Mode == store.ModeTest && !sec.limits.TestMode) {
			next(w, r)
			return
		}
		for _, b := range []struct {
			buckets *ratelimit.Buckets
			key     string
		}{{sec.perKey, apiKeyID(r)}, {sec.perIP, clientIP(r)}} {
			if ok, wait := b.buckets.Allow(b.key); !ok {
				w.Header().Set("Retry-After", retryAfter(wait))
				s.writeError(w, r, apiError(http.StatusTooManyRequests, "rate_limited", "", "too many requests; retry after the Retry-After seconds"))
				return
			}
		}
		if pattern != "POST /v1/payments" || sec.limits.CardDeclines <= 0 {
			next(w, r)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			s.writeError(w, r, jsonError(err))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		fp := s.cardFingerprint(c.MerchantID, body)
		if fp != "" {
			if blocked, wait := sec.cards.Blocked(fp); blocked {
				w.Header().Set("Retry-After", retryAfter(wait))
				s.writeError(w, r, apiError(http.StatusTooManyRequests, "card_velocity_exceeded", "card.number",
					"too many declined payments with this card; retry after the Retry-After seconds"))
				return
			}
		}
		tw := &teeWriter{ResponseWriter: w, status: http.StatusOK}
		next(tw, r)
		if fp != "" && w.Header().Get("Idempotent-Replayed") == "" && declined(tw.status, tw.buf.Bytes()) {
			sec.cards.Fail(fp)
		}
	}
}

// cardFingerprint is a keyed HMAC of the PAN (never a plain hash: PANs are
// guessable), scoped to the merchant; "" when the body has no card number.
func (s *Server) cardFingerprint(merchantID string, body []byte) string {
	var in struct {
		Card *struct {
			Number string `json:"number"`
		} `json:"card"`
	}
	if json.Unmarshal(body, &in) != nil || in.Card == nil {
		return ""
	}
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		if r == ' ' || r == '-' {
			return -1
		}
		return 'x'
	}, in.Card.Number)
	if len(digits) < 12 || strings.ContainsRune(digits, 'x') {
		return ""
	}
	return hex.EncodeToString(s.keys.MAC("pan-fingerprint", []byte(merchantID+":"+digits)))
}

// declined reports a payment answered as declined by the bank.
func declined(status int, body []byte) bool {
	var v struct {
		Status string `json:"status"`
		Error  *struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &v) != nil {
		return false
	}
	return (status < 300 && v.Status == "declined") || (v.Error != nil && v.Error.Code == "operation_declined")
}

// teeWriter passes a response through and keeps a copy of its first maxBody bytes.
type teeWriter struct {
	http.ResponseWriter
	status int
	buf    bytes.Buffer
}

func (t *teeWriter) WriteHeader(code int) {
	t.status = code
	t.ResponseWriter.WriteHeader(code)
}

func (t *teeWriter) Write(p []byte) (int, error) {
	if room := maxBody - t.buf.Len(); room > 0 {
		t.buf.Write(p[:min(len(p), room)])
	}
	return t.ResponseWriter.Write(p)
}

// The audit log.

type auditAction struct {
	action, resource string
	// merchant: the resource is the caller's merchant, not a path or body id.
	merchant bool
}

// auditedRoutes are the configuration changes and money operations that
// write an audit row.
var auditedRoutes = map[string]auditAction{
	"POST /v1/pos":                                  {"pos.create", "pos", false},
	"PATCH /v1/pos/{id}":                            {"pos.update", "pos", false},
	"PATCH /v1/merchant":                            {"merchant.update", "merchant", true},
	"POST /v1/webhook_endpoints":                    {"webhook_endpoint.create", "webhook_endpoint", false},
	"PATCH /v1/webhook_endpoints/{id}":              {"webhook_endpoint.update", "webhook_endpoint", false},
	"DELETE /v1/webhook_endpoints/{id}":             {"webhook_endpoint.delete", "webhook_endpoint", false},
	"POST /v1/webhook_endpoints/{id}/rotate_secret": {"webhook_endpoint.rotate_secret", "webhook_endpoint", false},
	"POST /v1/payment_links/{id}/disable":           {"payment_link.disable", "payment_link", false},
	"POST /v1/payments/{id}/capture":                {"payment.capture", "payment", false},
	"POST /v1/payments/{id}/cancel":                 {"payment.cancel", "payment", false},
	"POST /v1/payments/{id}/refunds":                {"payment.refund", "payment", false},
}

// auditValues are the request fields whose values go into a summary; every
// other field is listed by name only, so credentials, secrets and card data
// never reach the audit log.
var auditValues = []string{"amount", "name", "return_domains", "url", "event_types", "description", "enabled",
	"environment", "bank", "protocol", "preset", "priority", "batch_cutoff", "three_d_model", "allow_attempted_3d"}

// auditSummary is the redacted summary of a request body: the fields it
// set, with values only for auditValues, plus the response status.
func auditSummary(body []byte, status int) []byte {
	var in map[string]json.RawMessage
	_ = json.Unmarshal(body, &in)
	fields := make([]string, 0, len(in))
	values := map[string]json.RawMessage{}
	for k, v := range in {
		fields = append(fields, k)
		if slices.Contains(auditValues, k) && len(v) <= 512 {
			values[k] = v
		}
	}
	slices.Sort(fields)
	out := map[string]any{"fields": fields, "http_status": status}
	if len(values) > 0 {
		out["values"] = values
	}
	b, _ := json.Marshal(out)
	return b
}

// audited writes an audit row after the handler: who (API key, or the
// dashboard user audit.WithActor put in the context), what, when, from where
// and the outcome. It runs inside the idempotency layer, so a replayed
// response writes nothing new.
//
// Gap: the row is written after the change commits, in its own transaction
// (the payment, POS and webhook services own their transactions); a crash
// between the two loses the row. Code with a transaction can append in it
// with store.AuditTx instead.
func (s *Server) audited(a auditAction, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			s.writeError(w, r, jsonError(err))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		tw := &teeWriter{ResponseWriter: w, status: http.StatusOK}
		next(tw, r)
		c := caller(r)
		e := &store.AuditEvent{ID: id.New("aud"), MerchantID: c.MerchantID, Mode: c.Mode,
			ActorType: store.ActorAPIKey, ActorID: apiKeyID(r), Action: a.action, ResourceType: a.resource,
			ResourceID: r.PathValue("id"), Summary: auditSummary(body, tw.status), Outcome: "success",
			ClientIP: clientIP(r), RequestID: requestID(r)}
		if act, ok := audit.ActorFrom(r.Context()); ok {
			e.ActorType, e.ActorID = act.Type, act.ID
		}
		if tw.status >= 300 {
			e.Outcome = "failure"
		}
		if a.merchant {
			e.ResourceID = c.MerchantID
		} else if e.ResourceID == "" && tw.status < 300 {
			var v struct {
				ID string `json:"id"`
			}
			_ = json.Unmarshal(tw.buf.Bytes(), &v) // only the id is read
			e.ResourceID = v.ID
		}
		if err := s.st.AppendAudit(contextWithoutCancel(r), e); err != nil {
			s.log.Error("audit: writing the row failed", "request_id", requestID(r), "action", a.action, "err", err)
		}
	}
}

// RecordAudit appends an audit row for a change made outside the API (the
// CLI, the dashboard), filling the ID and time.
func RecordAudit(ctx context.Context, st store.Store, e *store.AuditEvent) error {
	if e.ID == "" {
		e.ID = id.New("aud")
	}
	if e.Outcome == "" {
		e.Outcome = "success"
	}
	if e.Summary == nil {
		e.Summary = []byte("{}")
	}
	return st.AppendAudit(ctx, e)
}

type auditEventView struct {
	ID        string          `json:"id"`
	Object    string          `json:"object"`
	Seq       int64           `json:"seq"`
	Mode      string          `json:"mode"`
	Action    string          `json:"action"`
	Actor     map[string]any  `json:"actor"`
	Resource  map[string]any  `json:"resource"`
	Summary   json.RawMessage `json:"summary"`
	Outcome   string          `json:"outcome"`
	ClientIP  string          `json:"client_ip"`
	RequestID string          `json:"request_id"`
	CreatedAt time.Time       `json:"created_at"`
	Hash      string          `json:"hash"`
}

// listAuditEvents is GET /v1/audit_events: the merchant's rows newest first,
// cursor-paginated (next_cursor is the last row's seq).
func (s *Server) listAuditEvents(w http.ResponseWriter, r *http.Request) {
	limit, err := queryLimit(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if limit == 0 {
		limit = 20
	}
	f := store.AuditFilter{MerchantID: caller(r).MerchantID, Limit: limit + 1}
	if cur := r.URL.Query().Get("cursor"); cur != "" {
		n, err := strconv.ParseInt(cur, 10, 64)
		if err != nil || n <= 0 {
			s.writeError(w, r, apiError(http.StatusBadRequest, "parameter_invalid", "cursor", "cursor must be a next_cursor value"))
			return
		}
		f.BeforePos = n
	}
	rows, err := s.st.ListAuditEvents(r.Context(), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	more := len(rows) > limit
	rows = rows[:min(len(rows), limit)]
	out := make([]auditEventView, 0, len(rows))
	for _, e := range rows {
		summary := json.RawMessage(e.Summary)
		if !json.Valid(summary) {
			summary = json.RawMessage("{}")
		}
		out = append(out, auditEventView{ID: e.ID, Object: "audit_event", Seq: e.Pos, Mode: string(e.Mode), Action: e.Action,
			Actor:    map[string]any{"type": e.ActorType, "id": e.ActorID},
			Resource: map[string]any{"type": e.ResourceType, "id": e.ResourceID},
			Summary:  summary, Outcome: e.Outcome, ClientIP: e.ClientIP, RequestID: e.RequestID, CreatedAt: e.CreatedAt,
			Hash: hex.EncodeToString(e.Hash)})
	}
	res := map[string]any{"object": "list", "data": out, "has_more": more}
	if more {
		res["next_cursor"] = strconv.FormatInt(rows[len(rows)-1].Pos, 10)
	}
	writeJSON(w, http.StatusOK, res)
}
