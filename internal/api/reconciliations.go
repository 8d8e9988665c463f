package api

import (
	"net/http"

	"github.com/kasapos/kasa/internal/reconcile"
)

// End-of-day reconciliation (issue #5). The logic is in internal/reconcile;
// these handlers only decode and answer. The service is stateless, so one is
// made per request on the payment service (its clock and gateways).

type reconciliationRequest struct {
	Date  string `json:"date"`
	POSID string `json:"pos_id"`
}

func (s *Server) createReconciliation(w http.ResponseWriter, r *http.Request) {
	var in reconciliationRequest
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.Date == "" {
		s.writeError(w, r, apiError(http.StatusBadRequest, "parameter_missing", "date", "date is required (YYYY-MM-DD, Istanbul day)"))
		return
	}
	c := caller(r)
	rep, err := reconcile.New(s.svc).Run(contextWithoutCancel(r), reconcile.Request{
		MerchantID: c.MerchantID, Mode: c.Mode, Date: in.Date, POSID: in.POSID, Origin: reconcile.OriginAPI})
	s.respondCreated(w, r, rep, err)
}

func (s *Server) getReconciliation(w http.ResponseWriter, r *http.Request) {
	rep, err := reconcile.New(s.svc).Get(r.Context(), caller(r), r.PathValue("id"))
	s.respond(w, r, rep, err)
}

func (s *Server) listReconciliations(w http.ResponseWriter, r *http.Request) {
	limit, err := queryLimit(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	v, err := reconcile.New(s.svc).List(r.Context(), caller(r), reconcile.ListRequest{
		Date: q.Get("date"), POSID: q.Get("pos_id"), Limit: limit, Cursor: q.Get("cursor")})
	s.respond(w, r, v, err)
}
