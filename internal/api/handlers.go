package api

import (
	"context"
	"net/http"
	"time"

	"github.com/kasapos/kasa/internal/payment"
)

func (s *Server) createPayment(w http.ResponseWriter, r *http.Request) {
	var req payment.CreateRequest
	if err := decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	c := caller(r)
	if k := idempotencyKey(r); k != "" {
		c.IdempotencyKey = storedKey(c, k)
	}
	v, err := s.svc.Create(r.Context(), c, &req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if c.Idem != nil && c.Idem.Completed {
		// The response was rendered once, and stored with the outcome
		// (inPayment); it is sent as stored rather than rendered again.
		writeRaw(w, c.Idem.Status, c.Idem.Body)
		return
	}
	writeJSON(w, http.StatusCreated, v)
}

func (s *Server) getPayment(w http.ResponseWriter, r *http.Request) {
	v, err := s.svc.Get(r.Context(), caller(r), r.PathValue("id"))
	s.respond(w, r, v, err)
}

func (s *Server) listPayments(w http.ResponseWriter, r *http.Request) {
	lr, err := listRequest(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.svc.List(r.Context(), caller(r), lr)
	s.respond(w, r, res, err)
}

// listRequest reads GET /v1/payments's filters from the query.
func listRequest(r *http.Request) (payment.ListRequest, error) {
	q := r.URL.Query()
	lr := payment.ListRequest{Status: q.Get("status"), OrderID: q.Get("order_id"), Last4: q.Get("card_last4"), Cursor: q.Get("cursor")}
	var err error
	if lr.From, err = queryTime(q.Get("created_from"), "created_from"); err != nil {
		return lr, err
	}
	if lr.To, err = queryTime(q.Get("created_to"), "created_to"); err != nil {
		return lr, err
	}
	if lr.Limit, err = queryLimit(r); err != nil {
		return lr, err
	}
	return lr, nil
}

// queryLimit reads ?limit (1-100); 0 means the default.
func queryLimit(r *http.Request) (int, error) {
	l := r.URL.Query().Get("limit")
	if l == "" {
		return 0, nil
	}
	n, err := atoiPositive(l)
	if err != nil {
		return 0, apiError(http.StatusBadRequest, "parameter_invalid", "limit", "limit must be between 1 and 100")
	}
	return n, nil
}

func queryTime(v, field string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", v, payment.Istanbul); err == nil {
		return t, nil
	}
	return time.Time{}, apiError(http.StatusBadRequest, "parameter_invalid", field, field+" must be RFC 3339 (2026-11-23T10:00:00Z) or a date (2026-11-23, Istanbul time)")
}

func atoiPositive(s string) (int, error) {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' || n > 1000 {
			return 0, errBadNumber
		}
		n = n*10 + int(c-'0')
	}
	if n <= 0 || n > 100 {
		return 0, errBadNumber
	}
	return n, nil
}

var errBadNumber = apiError(http.StatusBadRequest, "parameter_invalid", "", "bad number")

func (s *Server) capturePayment(w http.ResponseWriter, r *http.Request) {
	s.amountOp(w, r, s.svc.Capture)
}

func (s *Server) refundPayment(w http.ResponseWriter, r *http.Request) {
	s.amountOp(w, r, s.svc.Refund)
}

func (s *Server) amountOp(w http.ResponseWriter, r *http.Request, op func(ctx context.Context, c payment.Caller, id string, ar payment.AmountRequest) (*payment.View, error)) {
	var ar payment.AmountRequest
	if err := decodeOptional(w, r, &ar); err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := op(r.Context(), caller(r), r.PathValue("id"), ar)
	s.respondOp(w, r, v, err)
}

func (s *Server) cancelPayment(w http.ResponseWriter, r *http.Request) {
	v, err := s.svc.Cancel(r.Context(), caller(r), r.PathValue("id"))
	s.respondOp(w, r, v, err)
}

func (s *Server) syncPayment(w http.ResponseWriter, r *http.Request) {
	v, err := s.svc.Sync(r.Context(), caller(r), r.PathValue("id"))
	s.respond(w, r, v, err)
}

// respondOp answers an operation: 200 when the bank approved, 202 when its
// outcome is unknown (sync will settle it), the error otherwise.
func (s *Server) respondOp(w http.ResponseWriter, r *http.Request, v *payment.View, err error) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := http.StatusOK
	if v.LastOperation != nil && v.LastOperation.Status == "unknown" {
		status = http.StatusAccepted
	}
	writeJSON(w, status, v)
}

func (s *Server) respond(w http.ResponseWriter, r *http.Request, v any, err error) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) createPOS(w http.ResponseWriter, r *http.Request) {
	var in payment.POSInput
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	c := caller(r)
	v, err := s.svc.CreatePOS(r.Context(), c.MerchantID, c.Mode, &in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, v)
}

func (s *Server) updatePOS(w http.ResponseWriter, r *http.Request) {
	var in payment.POSInput
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	c := caller(r)
	if _, err := s.posOfMode(r, c); err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := s.svc.UpdatePOS(r.Context(), c.MerchantID, r.PathValue("id"), &in)
	s.respond(w, r, v, err)
}

func (s *Server) posOfMode(r *http.Request, c payment.Caller) (*payment.POSView, error) {
	v, err := s.svc.GetPOS(r.Context(), c.MerchantID, r.PathValue("id"))
	if err == nil && v.Mode != c.Mode {
		return nil, apiError(http.StatusNotFound, "resource_not_found", "", "no such pos")
	}
	return v, err
}

func (s *Server) getPOS(w http.ResponseWriter, r *http.Request) {
	v, err := s.posOfMode(r, caller(r))
	s.respond(w, r, v, err)
}

func (s *Server) listPOS(w http.ResponseWriter, r *http.Request) {
	c := caller(r)
	list, err := s.svc.ListPOS(r.Context(), c.MerchantID, c.Mode)
	s.respond(w, r, map[string]any{"object": "list", "data": list}, err)
}
