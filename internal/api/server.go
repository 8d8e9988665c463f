// Package api is Kasa's merchant REST API: API-key authentication,
// idempotency, strict JSON decoding and one error shape for every failure.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kasapos/kasa/internal/checkout"
	"github.com/kasapos/kasa/internal/id"
	"github.com/kasapos/kasa/internal/payment"
	"github.com/kasapos/kasa/internal/secret"
	"github.com/kasapos/kasa/internal/store"
	"github.com/kasapos/kasa/internal/webhook"
)

// maxBody bounds request bodies; a payment is well under 4 KB.
const maxBody = 64 << 10

// Server serves the merchant API.
type Server struct {
	svc  *payment.Service
	co   *checkout.Service
	wh   *webhook.Manager
	st   store.Store
	keys *secret.Keyring
	log  *slog.Logger
	mux  *http.ServeMux
	// IdempotencyWait is how long a duplicate waits for the first request to
	// finish before it is answered 409 in progress.
	IdempotencyWait time.Duration
	// IdempotencyStale is how old an in-progress claim must be before a retry
	// may recover it (the first process died).
	IdempotencyStale time.Duration
	// sec holds the rate limits and card velocity (issue #5, security.go).
	sec *security
	// OnRequest, if set, observes every answered request with its route
	// pattern ("" when no route matched): metrics. It must not block.
	OnRequest func(route, method string, status int, d time.Duration)
	// apiKeys caches key lookups for a few seconds (keycache.go).
	apiKeys keyCache
}

// New builds the API on a payment service.
func New(svc *payment.Service, log *slog.Logger) *Server {
	s := &Server{svc: svc, co: checkout.New(svc), st: svc.Store, keys: svc.Keys, log: logger(log), mux: http.NewServeMux(),
		IdempotencyWait: 5 * time.Second, IdempotencyStale: 2 * time.Minute, sec: newSecurity(DefaultLimits())}
	// The clock is read at each call: tests set svc.Now after New.
	s.wh = &webhook.Manager{Store: svc.Store, Keys: svc.Keys, Now: func() time.Time {
		if svc.Now != nil {
			return svc.Now()
		}
		return time.Now()
	}}
	for _, rt := range s.routes() {
		h := rt.handler
		if a, ok := auditedRoutes[rt.pattern]; ok {
			h = s.audited(a, h)
		}
		if rt.idempotent != idemNone {
			h = s.idempotent(rt.idempotent, h)
		}
		if limitedRoutes[rt.pattern] {
			h = s.limited(rt.pattern, h)
		}
		if rt.auth {
			h = s.authenticate(h)
		}
		s.mux.Handle(rt.pattern, h)
	}
	return s
}

type idemMode int

const (
	idemNone     idemMode = iota
	idemOptional          // accepted, not required
	idemRequired          // money moves: a key is mandatory (IDEM-1)
	// idemInPayment is idemRequired with the key claimed and completed in
	// the payment's own transactions (payment.IdemClaim).
	idemInPayment
)

type route struct {
	pattern    string
	auth       bool
	idempotent idemMode
	handler    http.HandlerFunc
}

// routes is the API's one route table; the OpenAPI test checks the spec against it.
func (s *Server) routes() []route {
	return []route{
		{"POST /v1/payments", true, idemInPayment, s.createPayment},
		{"GET /v1/payments", true, idemNone, s.listPayments},
		{"GET /v1/payments/{id}", true, idemNone, s.getPayment},
		{"POST /v1/payments/{id}/capture", true, idemRequired, s.capturePayment},
		{"POST /v1/payments/{id}/cancel", true, idemRequired, s.cancelPayment},
		{"POST /v1/payments/{id}/refunds", true, idemRequired, s.refundPayment},
		{"POST /v1/payments/{id}/sync", true, idemOptional, s.syncPayment},
		{"POST /v1/pos", true, idemOptional, s.createPOS},
		{"GET /v1/pos", true, idemNone, s.listPOS},
		{"GET /v1/pos/{id}", true, idemNone, s.getPOS},
		{"PATCH /v1/pos/{id}", true, idemOptional, s.updatePOS},
		{"POST /v1/checkout_sessions", true, idemOptional, s.createCheckoutSession},
		{"GET /v1/checkout_sessions/{id}", true, idemNone, s.getCheckoutSession},
		{"POST /v1/payment_links", true, idemOptional, s.createPaymentLink},
		{"GET /v1/payment_links", true, idemNone, s.listPaymentLinks},
		{"GET /v1/payment_links/{id}", true, idemNone, s.getPaymentLink},
		{"POST /v1/payment_links/{id}/disable", true, idemOptional, s.disablePaymentLink},
		{"GET /v1/payment_links/{id}/payments", true, idemNone, s.listPaymentLinkPayments},
		// Create and rotate_secret answer with a signing secret, which must
		// not be kept in the idempotency table: no Idempotency-Key there.
		{"POST /v1/webhook_endpoints", true, idemNone, s.createWebhookEndpoint},
		{"GET /v1/webhook_endpoints", true, idemNone, s.listWebhookEndpoints},
		{"GET /v1/webhook_endpoints/{id}", true, idemNone, s.getWebhookEndpoint},
		{"PATCH /v1/webhook_endpoints/{id}", true, idemOptional, s.updateWebhookEndpoint},
		{"DELETE /v1/webhook_endpoints/{id}", true, idemNone, s.deleteWebhookEndpoint},
		{"POST /v1/webhook_endpoints/{id}/rotate_secret", true, idemNone, s.rotateWebhookSecret},
		{"GET /v1/webhook_endpoints/{id}/deliveries", true, idemNone, s.listWebhookDeliveries},
		{"POST /v1/events/{id}/resend", true, idemOptional, s.resendEvent},
		{"POST /v1/reconciliations", true, idemOptional, s.createReconciliation},
		{"GET /v1/reconciliations", true, idemNone, s.listReconciliations},
		{"GET /v1/reconciliations/{id}", true, idemNone, s.getReconciliation},
		{"GET /v1/bins/{bin}", true, idemNone, s.getBIN},
		{"GET /v1/installments", true, idemNone, s.listInstallments},
		{"GET /v1/merchant", true, idemNone, s.getMerchant},
		{"PATCH /v1/merchant", true, idemOptional, s.updateMerchant},
		{"GET /v1/audit_events", true, idemNone, s.listAuditEvents},
		{"GET /v1/openapi.yaml", false, idemNone, serveOpenAPI},
		{"GET /healthz", false, idemNone, func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, map[string]string{"status": "ok"}) }},
	}
}

type ctxKey int

const (
	ctxRequestID ctxKey = iota
	ctxCaller
)

func requestID(r *http.Request) string {
	v, _ := r.Context().Value(ctxRequestID).(string)
	return v
}

func caller(r *http.Request) payment.Caller {
	c, _ := r.Context().Value(ctxCaller).(payment.Caller)
	return c
}

// ServeHTTP adds a request id, secure headers and an access log line (never
// bodies: they hold card data), then routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rid := id.New("req")
	r = r.WithContext(context.WithValue(r.Context(), ctxRequestID, rid))
	h := w.Header()
	h.Set("X-Request-Id", rid)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if r.TLS != nil {
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
	rec := &statusRecorder{ResponseWriter: w, status: 200}
	start := time.Now()
	_, pattern := s.mux.Handler(r)
	if pattern == "" {
		s.writeError(rec, r, apiError(http.StatusNotFound, "route_not_found", "", "no such endpoint: "+r.Method+" "+r.URL.Path))
	} else {
		s.mux.ServeHTTP(rec, r)
	}
	if s.OnRequest != nil {
		s.OnRequest(pattern, r.Method, rec.status, time.Since(start))
	}
	s.log.Info("http", "request_id", rid, "method", r.Method, "path", r.URL.Path, "status", rec.status,
		"ms", time.Since(start).Milliseconds())
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *Server) authenticate(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		key, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="kasa"`)
			s.writeError(w, r, apiError(http.StatusUnauthorized, "api_key_missing", "", "send your secret key as: Authorization: Bearer sk_test_..."))
			return
		}
		mode, ok := wellFormedKey(strings.TrimSpace(key))
		if !ok {
			s.writeError(w, r, apiError(http.StatusUnauthorized, "api_key_invalid", "", "the API key is not valid"))
			return
		}
		k, err := s.apiKeys.lookup(r.Context(), s.st, hashKey(s.keys, strings.TrimSpace(key)))
		if errors.Is(err, store.ErrNotFound) || (err == nil && k.Mode != mode) {
			s.writeError(w, r, apiError(http.StatusUnauthorized, "api_key_invalid", "", "the API key is not valid or was revoked"))
			return
		} else if err != nil {
			s.writeError(w, r, err)
			return
		}
		c := payment.Caller{MerchantID: k.MerchantID, Mode: k.Mode}
		ctx := context.WithValue(r.Context(), ctxAPIKeyID, k.ID)
		next(w, r.WithContext(context.WithValue(ctx, ctxCaller, c)))
	}
}

// decode reads a JSON body strictly: JSON content type, bounded size, no
// unknown fields, exactly one value.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return apiError(http.StatusUnsupportedMediaType, "content_type_unsupported", "", "send the body as application/json")
		}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return apiError(http.StatusBadRequest, "body_invalid", "", "the body must be a single JSON object")
	}
	return nil
}

func jsonError(err error) *payment.Error {
	var mbe *http.MaxBytesError
	var ute *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &mbe):
		return apiError(http.StatusRequestEntityTooLarge, "body_too_large", "", "the body exceeds "+strconv.Itoa(maxBody)+" bytes")
	case errors.As(err, &ute):
		return apiError(http.StatusBadRequest, "parameter_invalid", ute.Field, "field "+ute.Field+" must be a "+ute.Type.String())
	case errors.As(err, &se), errors.Is(err, io.ErrUnexpectedEOF):
		return apiError(http.StatusBadRequest, "body_invalid", "", "the body is not valid JSON")
	case errors.Is(err, io.EOF):
		return apiError(http.StatusBadRequest, "body_missing", "", "a JSON body is required")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return apiError(http.StatusBadRequest, "parameter_unknown", f, "unknown field "+f)
	}
	return apiError(http.StatusBadRequest, "body_invalid", "", "the body could not be read")
}

// decodeOptional allows an empty body (capture/refund default to the full amount).
func decodeOptional(w http.ResponseWriter, r *http.Request, v any) error {
	if r.ContentLength == 0 {
		return nil
	}
	err := decode(w, r, v)
	var pe *payment.Error
	if errors.As(err, &pe) && pe.Code == "body_missing" {
		return nil
	}
	return err
}

func contextWithoutCancel(r *http.Request) context.Context { return context.WithoutCancel(r.Context()) }
