package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/kasapos/kasa/internal/payment"
	"github.com/kasapos/kasa/internal/store"
)

// Idempotency (IDEM-1, IDEM-2): the first request with a key claims it with
// one atomic insert; its response is stored byte for byte and replayed to every
// retry with the same body. A retry with another body is refused. A duplicate
// that arrives while the first is running waits, then gets 409 — it never
// reaches the bank. If the first process died mid-request, the claim goes
// stale and a retry answers from the payment the claim names.

const maxKeyLen = 255

func idempotencyKey(r *http.Request) string { return r.Header.Get("Idempotency-Key") }

// storedKey scopes a key by mode, so a test request can never replay into live.
func storedKey(c payment.Caller, key string) string { return string(c.Mode) + ":" + key }

// fingerprint hashes method, path and the canonical JSON body, so key order
// and whitespace do not matter but any value does.
func fingerprint(r *http.Request, body []byte) string {
	h := sha256.New()
	h.Write([]byte(r.Method + " " + r.URL.Path + "\n"))
	if canon, err := canonicalJSON(nil, body); err == nil {
		h.Write(canon)
	} else {
		h.Write(body)
	}
	return hex.EncodeToString(h.Sum(nil))
}

type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header         { return b.header }
func (b *bufferedWriter) Write(p []byte) (int, error) { return b.body.Write(p) }
func (b *bufferedWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (s *Server) idempotent(mode idemMode, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key := idempotencyKey(r)
		if key == "" {
			if mode != idemOptional {
				s.writeError(w, r, apiError(http.StatusBadRequest, "idempotency_key_missing", "Idempotency-Key",
					"send an Idempotency-Key header (e.g. a UUID) so a retry can never charge twice"))
				return
			}
			next(w, r)
			return
		}
		if len(key) > maxKeyLen || strings.TrimSpace(key) != key {
			s.writeError(w, r, apiError(http.StatusBadRequest, "idempotency_key_invalid", "Idempotency-Key", "Idempotency-Key must be 1-255 characters without surrounding spaces"))
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			s.writeError(w, r, jsonError(err))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		c := caller(r)
		rec := &store.Idempotency{MerchantID: c.MerchantID, Key: storedKey(c, key),
			Fingerprint: fingerprint(r, body), State: store.IdemInProgress,
			CreatedAt: time.Now().UTC(), UpdatedAt: time.Now().UTC()}
		if mode == idemInPayment && s.inPayment(w, r, rec, body, next) {
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		deadline := time.Now().Add(s.IdempotencyWait)
		for {
			existing, claimed, err := s.st.ClaimIdempotency(r.Context(), rec)
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			if claimed {
				s.runAndStore(w, r, rec, next)
				return
			}
			if existing.Fingerprint != rec.Fingerprint {
				s.writeError(w, r, apiError(http.StatusUnprocessableEntity, "idempotency_key_reused", "Idempotency-Key",
					"this Idempotency-Key was used with a different request; use a new key for a new request"))
				return
			}
			if existing.State == store.IdemDone {
				replay(w, existing)
				return
			}
			if time.Since(existing.UpdatedAt) > s.IdempotencyStale {
				if s.recoverStale(w, r, existing, rec, next) {
					return
				}
				continue // the stale claim had no side effect and was removed: claim again
			}
			if time.Now().After(deadline) {
				s.writeError(w, r, apiError(http.StatusConflict, "idempotency_key_in_progress", "Idempotency-Key",
					"a request with this Idempotency-Key is still being processed; retry shortly"))
				return
			}
			select {
			case <-r.Context().Done():
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
}

// inPayment runs a create-payment request with its key claimed inside the
// payment's intent transaction and its response stored with the outcome
// (payment.IdemClaim). It reports false, having written nothing, when another
// request holds the key; the caller then waits for or replays that one.
func (s *Server) inPayment(w http.ResponseWriter, r *http.Request, rec *store.Idempotency, body []byte, next http.HandlerFunc) bool {
	c := caller(r)
	claim := &payment.IdemClaim{Record: rec, Render: func(v *payment.View) (int, []byte) {
		var bw bufferedWriter
		bw.header = http.Header{}
		writeJSON(&bw, http.StatusCreated, v)
		return bw.status, bw.body.Bytes()
	}}
	c.Idem = claim
	bw := &bufferedWriter{header: http.Header{}}
	next(bw, r.WithContext(context.WithValue(r.Context(), ctxCaller, c)))
	if claim.Taken {
		return false
	}
	if bw.status == 0 {
		bw.status = http.StatusOK
	}
	switch {
	case claim.Completed:
		bw.status, bw.body = claim.Status, *bytes.NewBuffer(claim.Body)
	case claim.Claimed:
		// Claimed but finished outside the outcome transaction (3D Secure,
		// or an error after the intent): store what is sent, as always.
		rec.State, rec.ResponseStatus, rec.ResponseBody = store.IdemDone, bw.status, bw.body.Bytes()
		rec.UpdatedAt = time.Now().UTC()
		if err := s.st.CompleteIdempotency(contextWithoutCancel(r), rec); err != nil {
			s.log.Error("idempotency: storing the response failed", "request_id", requestID(r), "err", err)
		}
	}
	// Not claimed: the request failed before the payment existed (e.g. a
	// validation error); nothing is stored and a retry is judged afresh.
	for k, v := range bw.header {
		w.Header()[k] = v
	}
	w.WriteHeader(bw.status)
	w.Write(bw.body.Bytes())
	return true
}

func replay(w http.ResponseWriter, rec *store.Idempotency) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Idempotent-Replayed", "true")
	w.WriteHeader(rec.ResponseStatus)
	w.Write(rec.ResponseBody)
}

// runAndStore runs the handler with a buffered writer, stores the response
// under the key, then sends it. The store comes first so a client never sees
// a response that a retry could not reproduce.
func (s *Server) runAndStore(w http.ResponseWriter, r *http.Request, rec *store.Idempotency, next http.HandlerFunc) {
	bw := &bufferedWriter{header: w.Header()}
	next(bw, r)
	if bw.status == 0 {
		bw.status = http.StatusOK
	}
	rec.State, rec.ResponseStatus, rec.ResponseBody = store.IdemDone, bw.status, bw.body.Bytes()
	rec.UpdatedAt = time.Now().UTC()
	if err := s.st.CompleteIdempotency(contextWithoutCancel(r), rec); err != nil {
		s.log.Error("idempotency: storing the response failed", "request_id", requestID(r), "err", err)
	}
	w.WriteHeader(bw.status)
	w.Write(bw.body.Bytes())
}

// recoverStale handles a claim whose request died. If the claim names a
// payment (or the path does), the answer is that payment's current state; a
// claim with no payment had no side effect and is released. It reports whether
// it answered; false means "claim again". Two retries recovering the same claim
// at once cannot both run: the release only removes the exact row read, and
// only one completion is stored.
func (s *Server) recoverStale(w http.ResponseWriter, r *http.Request, existing, rec *store.Idempotency, next http.HandlerFunc) bool {
	release := func() bool {
		if _, err := s.st.ReleaseStaleIdempotency(r.Context(), existing); err != nil {
			s.writeError(w, r, err)
			return true
		}
		return false
	}
	pid := existing.ResourceID
	if pid == "" {
		pid = r.PathValue("id")
	}
	if pid == "" || !strings.HasPrefix(r.URL.Path, "/v1/payments") {
		return release()
	}
	v, err := s.svc.Get(r.Context(), caller(r), pid)
	var pe *payment.Error
	if errors.As(err, &pe) && pe.Status == http.StatusNotFound && existing.ResourceID != "" && r.PathValue("id") == "" {
		return release() // the payment insert never committed: nothing happened
	}
	bw := &bufferedWriter{header: w.Header()}
	s.respond(bw, r, v, err)
	rec.State, rec.ResponseStatus, rec.ResponseBody = store.IdemDone, bw.status, bw.body.Bytes()
	rec.ResourceID, rec.UpdatedAt = existing.ResourceID, time.Now().UTC()
	if err := s.st.CompleteIdempotency(r.Context(), rec); errors.Is(err, store.ErrNotFound) {
		return false // another retry completed it first: claim again to replay theirs
	} else if err != nil {
		s.writeError(w, r, err)
		return true
	}
	replay(w, rec)
	return true
}
