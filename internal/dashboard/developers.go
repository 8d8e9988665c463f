package dashboard

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/kasapos/kasa/internal/api"
	"github.com/kasapos/kasa/internal/checkout"
	"github.com/kasapos/kasa/internal/payment"
	"github.com/kasapos/kasa/internal/store"
	"github.com/kasapos/kasa/internal/webhook"
)

// Developers: API keys (shown once), webhook endpoints and their delivery
// log. Payment links. All through the packages that own them.

type developersData struct {
	Keys      []*store.APIKey
	Endpoints []*webhook.EndpointView
	NewKey    string
	NewSecret string
	Err       string
}

func (d *developersData) ErrorText() string { return d.Err }

func (s *Server) renderDevelopers(w http.ResponseWriter, r *http.Request, rc *reqCtx, status int, d *developersData) {
	keys, err := s.Store.ListAPIKeys(r.Context(), rc.User.MerchantID)
	if err != nil {
		s.fail(w, r, rc, err)
		return
	}
	for _, k := range keys {
		if k.Mode == rc.Session.Mode {
			d.Keys = append(d.Keys, k)
		}
	}
	if s.Webhooks != nil {
		if d.Endpoints, err = s.Webhooks.List(r.Context(), rc.caller()); err != nil {
			s.fail(w, r, rc, err)
			return
		}
	}
	s.render(w, r, rc, status, "developers", "nav_developers", d)
}

func (s *Server) developers(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	s.renderDevelopers(w, r, rc, http.StatusOK, &developersData{})
}

func (s *Server) keyCreate(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	key, rec, err := api.CreateAPIKey(r.Context(), s.Store, s.Svc.Keys, rc.User.MerchantID, rc.Session.Mode)
	if err != nil {
		s.fail(w, r, rc, err)
		return
	}
	s.audit(r.Context(), r, rc.User.MerchantID, rc.Session.Mode, rc.User.ID, "api_key.create", "api_key", rec.ID, "success", "")
	s.renderDevelopers(w, r, rc, http.StatusOK, &developersData{NewKey: key})
}

func (s *Server) keyRevoke(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	id := r.PathValue("id")
	keys, err := s.Store.ListAPIKeys(r.Context(), rc.User.MerchantID)
	if err != nil {
		s.fail(w, r, rc, err)
		return
	}
	found := false
	for _, k := range keys {
		found = found || (k.ID == id && k.Mode == rc.Session.Mode)
	}
	if !found {
		s.message(w, r, rc, http.StatusNotFound, "not_found_title", "not_found_text")
		return
	}
	if err := s.Store.RevokeAPIKey(r.Context(), rc.User.MerchantID, id, s.now()); err != nil {
		s.fail(w, r, rc, err)
		return
	}
	s.audit(r.Context(), r, rc.User.MerchantID, rc.Session.Mode, rc.User.ID, "api_key.revoke", "api_key", id, "success", "")
	http.Redirect(w, r, "/dashboard/developers?flash=revoked", http.StatusSeeOther)
}

func (s *Server) webhookCreate(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	u, desc := strings.TrimSpace(r.PostFormValue("url")), strings.TrimSpace(r.PostFormValue("description"))
	types := strings.Fields(strings.ReplaceAll(r.PostFormValue("event_types"), ",", " "))
	if len(types) == 0 {
		types = []string{"*"}
	}
	v, err := s.Webhooks.Create(r.Context(), rc.caller(), &webhook.EndpointInput{URL: &u, EventTypes: types, Description: &desc})
	if err != nil {
		var pe *payment.Error
		if errors.As(err, &pe) {
			s.renderDevelopers(w, r, rc, pe.Status, &developersData{Err: pe.Message})
			return
		}
		s.fail(w, r, rc, err)
		return
	}
	s.audit(r.Context(), r, rc.User.MerchantID, rc.Session.Mode, rc.User.ID, "webhook_endpoint.create", "webhook_endpoint", v.ID, "success", "")
	s.renderDevelopers(w, r, rc, http.StatusOK, &developersData{NewSecret: v.Secret})
}

type webhookData struct {
	E          *webhook.EndpointView
	Deliveries *webhook.DeliveryList
}

func (s *Server) webhookDetail(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	e, err := s.Webhooks.Get(r.Context(), rc.caller(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, rc, err)
		return
	}
	ds, err := s.Webhooks.Deliveries(r.Context(), rc.caller(), e.ID, 50, r.URL.Query().Get("cursor"))
	if err != nil {
		s.fail(w, r, rc, err)
		return
	}
	s.render(w, r, rc, http.StatusOK, "webhook", "webhook_title", &webhookData{E: e, Deliveries: ds})
}

type linksData struct {
	Links *checkout.LinkList
	Err   string
}

func (d *linksData) ErrorText() string { return d.Err }

func (s *Server) renderLinks(w http.ResponseWriter, r *http.Request, rc *reqCtx, status int, d *linksData) {
	l, err := s.Checkout.ListLinks(r.Context(), rc.caller(), 50, r.URL.Query().Get("cursor"))
	if err != nil {
		s.fail(w, r, rc, err)
		return
	}
	d.Links = l
	s.render(w, r, rc, status, "links", "nav_links", d)
}

func (s *Server) links(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	s.renderLinks(w, r, rc, http.StatusOK, &linksData{})
}

func (s *Server) linkCreate(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	lang := s.lang(w, r)
	cur := r.PostFormValue("currency")
	amount, err := ParseAmount(r.PostFormValue("amount"), cur)
	if err != nil {
		s.renderLinks(w, r, rc, http.StatusUnprocessableEntity, &linksData{Err: texts[lang]["amount_invalid"]})
		return
	}
	v, err := s.Checkout.CreateLink(r.Context(), rc.caller(), &checkout.LinkInput{Amount: amount, Currency: cur,
		Description: strings.TrimSpace(r.PostFormValue("description")), SingleUse: r.PostFormValue("single_use") == "on"})
	if err != nil {
		var pe *payment.Error
		if errors.As(err, &pe) {
			s.renderLinks(w, r, rc, pe.Status, &linksData{Err: pe.Message})
			return
		}
		s.fail(w, r, rc, err)
		return
	}
	s.audit(r.Context(), r, rc.User.MerchantID, rc.Session.Mode, rc.User.ID, "payment_link.create", "payment_link", v.ID, "success", "")
	http.Redirect(w, r, "/dashboard/links?flash=saved", http.StatusSeeOther)
}

func (s *Server) linkDisable(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	v, err := s.Checkout.DisableLink(r.Context(), rc.caller(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, rc, err)
		return
	}
	s.audit(r.Context(), r, rc.User.MerchantID, rc.Session.Mode, rc.User.ID, "payment_link.disable", "payment_link", v.ID, "success", "")
	http.Redirect(w, r, "/dashboard/links?flash=disabled#"+url.PathEscape(v.ID), http.StatusSeeOther)
}
