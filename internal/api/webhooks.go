package api

import (
	"net/http"

	"github.com/kasapos/kasa/internal/webhook"
)

// Webhook endpoints and events (issue #5). The logic is in
// internal/webhook; these handlers only decode and answer.

func (s *Server) createWebhookEndpoint(w http.ResponseWriter, r *http.Request) {
	var in webhook.EndpointInput
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := s.wh.Create(r.Context(), caller(r), &in)
	s.respondCreated(w, r, v, err)
}

func (s *Server) listWebhookEndpoints(w http.ResponseWriter, r *http.Request) {
	list, err := s.wh.List(r.Context(), caller(r))
	s.respond(w, r, map[string]any{"object": "list", "data": list}, err)
}

func (s *Server) getWebhookEndpoint(w http.ResponseWriter, r *http.Request) {
	v, err := s.wh.Get(r.Context(), caller(r), r.PathValue("id"))
	s.respond(w, r, v, err)
}

func (s *Server) updateWebhookEndpoint(w http.ResponseWriter, r *http.Request) {
	var in webhook.EndpointInput
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := s.wh.Update(r.Context(), caller(r), r.PathValue("id"), &in)
	s.respond(w, r, v, err)
}

func (s *Server) deleteWebhookEndpoint(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	err := s.wh.Delete(r.Context(), caller(r), id)
	s.respond(w, r, map[string]any{"id": id, "object": "webhook_endpoint", "deleted": true}, err)
}

func (s *Server) rotateWebhookSecret(w http.ResponseWriter, r *http.Request) {
	v, err := s.wh.RotateSecret(r.Context(), caller(r), r.PathValue("id"))
	s.respond(w, r, v, err)
}

func (s *Server) listWebhookDeliveries(w http.ResponseWriter, r *http.Request) {
	limit, err := queryLimit(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := s.wh.Deliveries(r.Context(), caller(r), r.PathValue("id"), limit, r.URL.Query().Get("cursor"))
	s.respond(w, r, v, err)
}

func (s *Server) resendEvent(w http.ResponseWriter, r *http.Request) {
	v, err := s.wh.Resend(r.Context(), caller(r), r.PathValue("id"))
	s.respond(w, r, v, err)
}
