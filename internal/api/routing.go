package api

import (
	"net/http"
	"strconv"

	"github.com/kasapos/kasa/internal/payment"
)

func (s *Server) getBIN(w http.ResponseWriter, r *http.Request) {
	b, err := s.svc.LookupBIN(r.PathValue("bin"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, payment.NewBINView(b))
}

// listInstallments answers GET /v1/installments?bin=…&amount=…&currency=…:
// every option the card can use, routed as a payment would be.
func (s *Server) listInstallments(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	amount, err := strconv.ParseInt(q.Get("amount"), 10, 64)
	if err != nil {
		s.writeError(w, r, apiError(http.StatusBadRequest, "amount_invalid", "amount", "amount must be an integer in minor units"))
		return
	}
	cur := q.Get("currency")
	if cur == "" {
		cur = "TRY"
	}
	res, err := s.svc.Installments(r.Context(), caller(r), q.Get("bin"), amount, cur)
	s.respond(w, r, res, err)
}
