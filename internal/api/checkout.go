package api

import (
	"net/http"

	"github.com/kasapos/kasa/internal/checkout"
)

// Hosted checkout: sessions and payment links. None of these move money
// (the customer's card submission on the checkout page does), so an
// Idempotency-Key is accepted but not required.

func (s *Server) createCheckoutSession(w http.ResponseWriter, r *http.Request) {
	var in checkout.SessionInput
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := s.co.CreateSession(r.Context(), caller(r), &in)
	s.respondCreated(w, r, v, err)
}

func (s *Server) getCheckoutSession(w http.ResponseWriter, r *http.Request) {
	v, err := s.co.GetSession(r.Context(), caller(r), r.PathValue("id"))
	s.respond(w, r, v, err)
}

func (s *Server) createPaymentLink(w http.ResponseWriter, r *http.Request) {
	var in checkout.LinkInput
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := s.co.CreateLink(r.Context(), caller(r), &in)
	s.respondCreated(w, r, v, err)
}

func (s *Server) listPaymentLinks(w http.ResponseWriter, r *http.Request) {
	limit, err := queryLimit(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := s.co.ListLinks(r.Context(), caller(r), limit, r.URL.Query().Get("cursor"))
	s.respond(w, r, v, err)
}

func (s *Server) getPaymentLink(w http.ResponseWriter, r *http.Request) {
	v, err := s.co.GetLink(r.Context(), caller(r), r.PathValue("id"))
	s.respond(w, r, v, err)
}

func (s *Server) disablePaymentLink(w http.ResponseWriter, r *http.Request) {
	v, err := s.co.DisableLink(r.Context(), caller(r), r.PathValue("id"))
	s.respond(w, r, v, err)
}

// listPaymentLinkPayments takes GET /v1/payments's filters and pagination.
func (s *Server) listPaymentLinkPayments(w http.ResponseWriter, r *http.Request) {
	lr, err := listRequest(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := s.co.LinkPayments(r.Context(), caller(r), r.PathValue("id"), lr)
	s.respond(w, r, v, err)
}

func (s *Server) respondCreated(w http.ResponseWriter, r *http.Request, v any, err error) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, v)
}
