package dashboard

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/id"
	"github.com/kasapos/kasa/internal/payment"
	"github.com/kasapos/kasa/internal/store"
)

// Bank POS pages: one form per protocol, generated from the adapter's
// credential schema (gateway.Descriptor.Credentials). Secret fields are
// never displayed: the page says "set" and an empty input keeps the value.

type posListData struct {
	POS       []*payment.POSView
	Protocols []*gateway.Descriptor
}

func (s *Server) posList(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	poses, err := s.Svc.ListPOS(r.Context(), rc.User.MerchantID, rc.Session.Mode)
	if err != nil {
		s.fail(w, r, rc, err)
		return
	}
	s.render(w, r, rc, http.StatusOK, "poslist", "nav_pos", &posListData{POS: poses, Protocols: gateway.Protocols()})
}

// credField is one credential input.
type credField struct {
	gateway.CredentialField
	Value string // non-secret fields only
	Set   bool   // a secret value is stored
}

type posFormData struct {
	Desc        *gateway.Descriptor
	POS         *payment.POSView // nil when adding
	Fields      []credField
	Banks       []string
	Name, Bank  string
	Preset      string
	APIURL      string
	ThreeDURL   string
	ThreeDModel string
	Cutoff      string
	Attempted   bool
	Enabled     bool
	Test        *testResult
	Err         string
	// NotifyURL is where the bank must post its notifications, for
	// protocols that send them (gateway.Descriptor.NotifyHelp).
	NotifyURL string
}

func (d *posFormData) ErrorText() string { return d.Err }

func banksOf(desc *gateway.Descriptor) []string {
	var out []string
	for _, p := range desc.Presets {
		if !slices.Contains(out, p.Bank) {
			out = append(out, p.Bank)
		}
	}
	return out
}

func (s *Server) posNew(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	desc, err := gateway.Lookup(r.PathValue("protocol"))
	if err != nil {
		s.message(w, r, rc, http.StatusNotFound, "not_found_title", "not_found_text")
		return
	}
	d := &posFormData{Desc: desc, Banks: banksOf(desc), Cutoff: "23:00", Enabled: true}
	for _, f := range desc.Credentials {
		d.Fields = append(d.Fields, credField{CredentialField: f})
	}
	s.render(w, r, rc, http.StatusOK, "posform", desc.Title, d)
}

// posInput reads the form into a POSInput; blank secrets are left out so
// that the stored ones are kept.
func posInput(r *http.Request, desc *gateway.Descriptor, create bool) *payment.POSInput {
	str := func(k string) *string { v := strings.TrimSpace(r.PostFormValue(k)); return &v }
	in := &payment.POSInput{Name: str("name"), Bank: str("bank"), BatchCutoff: str("batch_cutoff"), ThreeDModel: str("three_d_model"),
		Credentials: map[string]string{}}
	if p := r.PostFormValue("preset"); p != "" {
		in.Preset = &p
	}
	api, gate := strings.TrimSpace(r.PostFormValue("api_url")), strings.TrimSpace(r.PostFormValue("three_d_url"))
	if api != "" || gate != "" {
		in.Endpoints = &gateway.Endpoints{API: api, ThreeDGate: gate}
	}
	att, en := r.PostFormValue("allow_attempted_3d") == "on", r.PostFormValue("enabled") == "on"
	in.AllowAttempted3D, in.Enabled = &att, &en
	for _, f := range desc.Credentials {
		v := strings.TrimSpace(r.PostFormValue("cred_" + f.Key))
		if f.Secret && v == "" {
			continue
		}
		if !create || v != "" {
			in.Credentials[f.Key] = v
		}
	}
	return in
}

func (d *posFormData) fill(r *http.Request) {
	d.Name, d.Bank, d.Preset = r.PostFormValue("name"), r.PostFormValue("bank"), r.PostFormValue("preset")
	d.APIURL, d.ThreeDURL = r.PostFormValue("api_url"), r.PostFormValue("three_d_url")
	d.ThreeDModel, d.Cutoff = r.PostFormValue("three_d_model"), r.PostFormValue("batch_cutoff")
	d.Attempted, d.Enabled = r.PostFormValue("allow_attempted_3d") == "on", r.PostFormValue("enabled") == "on"
	for i, f := range d.Fields {
		if !f.Secret {
			d.Fields[i].Value = r.PostFormValue("cred_" + f.Key)
		}
	}
}

func (s *Server) posCreate(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	desc, err := gateway.Lookup(r.PathValue("protocol"))
	if err != nil {
		s.message(w, r, rc, http.StatusNotFound, "not_found_title", "not_found_text")
		return
	}
	in := posInput(r, desc, true)
	in.Protocol = &desc.Name
	v, err := s.Svc.CreatePOS(r.Context(), rc.User.MerchantID, rc.Session.Mode, in)
	if err != nil {
		var pe *payment.Error
		if !errors.As(err, &pe) {
			s.fail(w, r, rc, err)
			return
		}
		d := &posFormData{Desc: desc, Banks: banksOf(desc), Err: pe.Message}
		for _, f := range desc.Credentials {
			d.Fields = append(d.Fields, credField{CredentialField: f})
		}
		d.fill(r)
		s.render(w, r, rc, http.StatusUnprocessableEntity, "posform", desc.Title, d)
		return
	}
	s.audit(r.Context(), r, rc.User.MerchantID, rc.Session.Mode, rc.User.ID, "pos.create", "pos", v.ID, "success", `{"protocol":"`+desc.Name+`"}`)
	http.Redirect(w, r, "/dashboard/pos/"+url.PathEscape(v.ID)+"?flash=saved", http.StatusSeeOther)
}

// loadPOS returns a POS of the caller's merchant and mode, its stored row
// and its descriptor; another merchant's or mode's POS is not found.
func (s *Server) loadPOS(ctx context.Context, rc *reqCtx, posID string) (*payment.POSView, *store.POS, *gateway.Descriptor, error) {
	v, err := s.Svc.GetPOS(ctx, rc.User.MerchantID, posID)
	if err != nil {
		return nil, nil, nil, err
	}
	if v.Mode != rc.Session.Mode {
		return nil, nil, nil, payment.ErrNotFound
	}
	p, err := s.Store.GetPOS(ctx, rc.User.MerchantID, posID)
	if err != nil {
		return nil, nil, nil, err
	}
	desc, err := gateway.Lookup(v.Protocol)
	if err != nil {
		return nil, nil, nil, err
	}
	return v, p, desc, nil
}

func (s *Server) posFormFor(v *payment.POSView, p *store.POS, desc *gateway.Descriptor) *posFormData {
	d := &posFormData{Desc: desc, POS: v, Banks: banksOf(desc), Name: v.Name, Bank: v.Bank, APIURL: v.Endpoints.API,
		ThreeDURL: v.Endpoints.ThreeDGate, ThreeDModel: v.ThreeDModel, Cutoff: v.BatchCutoff,
		Attempted: v.AllowAttempted3D, Enabled: v.Enabled}
	if desc.NotifyHelp != "" {
		d.NotifyURL = s.Svc.PublicURL + gateway.NotifyPath(v.ID)
	}
	creds, _ := s.Svc.POSCredentials(p)
	for _, f := range desc.Credentials {
		cf := credField{CredentialField: f, Set: creds[f.Key] != ""}
		if !f.Secret {
			cf.Value = creds[f.Key]
		}
		d.Fields = append(d.Fields, cf)
	}
	return d
}

func (s *Server) posEdit(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	v, p, desc, err := s.loadPOS(r.Context(), rc, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, rc, err)
		return
	}
	s.render(w, r, rc, http.StatusOK, "posform", desc.Title, s.posFormFor(v, p, desc))
}

func (s *Server) posUpdate(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	v, p, desc, err := s.loadPOS(r.Context(), rc, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, rc, err)
		return
	}
	if _, err := s.Svc.UpdatePOS(r.Context(), rc.User.MerchantID, v.ID, posInput(r, desc, false)); err != nil {
		var pe *payment.Error
		if !errors.As(err, &pe) {
			s.fail(w, r, rc, err)
			return
		}
		d := s.posFormFor(v, p, desc)
		d.fill(r)
		d.Err = pe.Message
		s.render(w, r, rc, http.StatusUnprocessableEntity, "posform", desc.Title, d)
		return
	}
	s.audit(r.Context(), r, rc.User.MerchantID, rc.Session.Mode, rc.User.ID, "pos.update", "pos", v.ID, "success", "")
	http.Redirect(w, r, "/dashboard/pos/"+url.PathEscape(v.ID)+"?flash=saved", http.StatusSeeOther)
}

// testResult is the outcome of Test connection.
type testResult struct {
	OK        bool
	Outcome   string
	State     string
	BankCode  string
	Message   string
	LatencyMS int64
}

// TestConnection performs a harmless call with a POS's stored settings: a
// status query of a random order id that cannot exist. Approved with
// not_found means the credentials and the endpoint work.
func (s *Server) TestConnection(ctx context.Context, p *store.POS, creds map[string]string) *testResult {
	desc, err := gateway.Lookup(p.Protocol)
	if err != nil {
		return &testResult{Outcome: "error", Message: err.Error()}
	}
	gw, err := desc.New(gateway.Config{Credentials: creds, Endpoints: gateway.Endpoints{API: p.APIURL, ThreeDGate: p.ThreeDURL},
		HTTPClient: s.Svc.HTTPClient})
	if err != nil {
		return &testResult{Outcome: "error", Message: err.Error()}
	}
	sq, ok := gw.(gateway.StatusQuerier)
	if !ok {
		return &testResult{Outcome: "error", Message: "this protocol has no status query"}
	}
	n := 20
	if desc.MaxOrderID > 0 && desc.MaxOrderID < n {
		n = desc.MaxOrderID
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	start := time.Now()
	res := sq.Status(ctx, id.BankOrder(n))
	tr := &testResult{Outcome: string(res.Outcome), State: string(res.State), BankCode: res.BankCode,
		Message: res.BankMessage, LatencyMS: time.Since(start).Milliseconds()}
	if res.Err != nil && tr.Message == "" {
		tr.Message = res.Err.Error()
	}
	tr.OK = res.Outcome == gateway.Approved && res.State == gateway.StateNotFound
	return tr
}

func (s *Server) posTest(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	v, p, desc, err := s.loadPOS(r.Context(), rc, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, rc, err)
		return
	}
	creds, err := s.Svc.POSCredentials(p)
	if err != nil {
		s.fail(w, r, rc, err)
		return
	}
	d := s.posFormFor(v, p, desc)
	d.Test = s.TestConnection(r.Context(), p, creds)
	outcome := "success"
	if !d.Test.OK {
		outcome = "failure"
	}
	s.audit(r.Context(), r, rc.User.MerchantID, rc.Session.Mode, rc.User.ID, "pos.test", "pos", v.ID, outcome, "")
	s.render(w, r, rc, http.StatusOK, "posform", desc.Title, d)
}
