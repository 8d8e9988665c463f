package api

import (
	"net/http"
	"strings"

	"github.com/kasapos/kasa/internal/store"
)

// merchantView is the merchant's own settings as the API shows them.
type merchantView struct {
	ID            string   `json:"id"`
	Object        string   `json:"object"`
	Name          string   `json:"name"`
	ReturnDomains []string `json:"return_domains"`
}

type merchantPatch struct {
	Name          *string  `json:"name"`
	ReturnDomains []string `json:"return_domains"`
}

func viewMerchant(m *store.Merchant) merchantView {
	d := m.ReturnDomains
	if d == nil {
		d = []string{}
	}
	return merchantView{ID: m.ID, Object: "merchant", Name: m.Name, ReturnDomains: d}
}

func (s *Server) getMerchant(w http.ResponseWriter, r *http.Request) {
	m, err := s.st.GetMerchant(r.Context(), caller(r).MerchantID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewMerchant(m))
}

// updateMerchant changes the name and the return domains: the hosts that 3D
// and hosted-page return URLs may point at.
func (s *Server) updateMerchant(w http.ResponseWriter, r *http.Request) {
	var in merchantPatch
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	m, err := s.st.GetMerchant(r.Context(), caller(r).MerchantID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.Name != nil {
		if strings.TrimSpace(*in.Name) == "" {
			s.writeError(w, r, apiError(http.StatusBadRequest, "parameter_invalid", "name", "name must not be empty"))
			return
		}
		m.Name = strings.TrimSpace(*in.Name)
	}
	if in.ReturnDomains != nil {
		m.ReturnDomains = nil
		for _, d := range in.ReturnDomains {
			d = strings.ToLower(strings.TrimSpace(d))
			if !validDomain(d) {
				s.writeError(w, r, apiError(http.StatusBadRequest, "parameter_invalid", "return_domains",
					"each return domain must be a host name (shop.example.com), optionally with a leading *. wildcard"))
				return
			}
			m.ReturnDomains = append(m.ReturnDomains, d)
		}
	}
	if err := s.st.UpdateMerchant(r.Context(), m); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewMerchant(m))
}

func validDomain(d string) bool {
	d = strings.TrimPrefix(d, "*.")
	if d == "" || len(d) > 253 || strings.ContainsAny(d, "/:@?# ,*") {
		return false
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" {
			return false
		}
	}
	return true
}
