package payment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/id"
	"github.com/kasapos/kasa/internal/money"
	"github.com/kasapos/kasa/internal/store"
)

// POSInput creates or patches a POS. Nil fields are left unchanged on patch.
type POSInput struct {
	Protocol    *string            `json:"protocol"`
	Bank        *string            `json:"bank"`
	Name        *string            `json:"name"`
	Environment *string            `json:"environment"`
	Preset      *string            `json:"preset"`
	Endpoints   *gateway.Endpoints `json:"endpoints"`
	Credentials map[string]string  `json:"credentials"` // merged into the stored set on patch
	Currencies  []string           `json:"currencies"`
	BatchCutoff *string            `json:"batch_cutoff"`
	ThreeDModel *string            `json:"three_d_model"`
	// AllowAttempted3D lets half-secure 3D results be provisioned.
	AllowAttempted3D *bool `json:"allow_attempted_3d"`
	// Routing replaces the POS's routing configuration (weight, programmes,
	// commission rates, installment plans).
	Routing  *POSRouting `json:"routing"`
	Enabled  *bool       `json:"enabled"`
	Priority *int        `json:"priority"`
}

// POSView is a POS as the API shows it: credentials only as "set" flags.
type POSView struct {
	ID               string            `json:"id"`
	Object           string            `json:"object"`
	Mode             store.Mode        `json:"mode"`
	Protocol         string            `json:"protocol"`
	Bank             string            `json:"bank"`
	Name             string            `json:"name"`
	Environment      string            `json:"environment"`
	Endpoints        gateway.Endpoints `json:"endpoints"`
	Credentials      map[string]string `json:"credentials"` // key → "set"
	Currencies       []string          `json:"currencies"`
	BatchCutoff      string            `json:"batch_cutoff"`
	ThreeDModel      string            `json:"three_d_model,omitempty"`
	AllowAttempted3D bool              `json:"allow_attempted_3d"`
	Routing          *POSRouting       `json:"routing"`
	Enabled          bool              `json:"enabled"`
	Priority         int               `json:"priority"`
	CreatedAt        time.Time         `json:"created_at"`
	UpdatedAt        time.Time         `json:"updated_at"`
}

var cutoffRE = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

func credentialsAAD(posID string) []byte { return []byte("pos:" + posID + ":credentials") }

func (s *Service) openCredentials(p *store.POS) (map[string]string, error) {
	plain, err := s.Keys.Open(p.Credentials, credentialsAAD(p.ID))
	if err != nil {
		return nil, fmt.Errorf("pos %s credentials: %w", p.ID, err)
	}
	creds := map[string]string{}
	if err := json.Unmarshal(plain, &creds); err != nil {
		return nil, err
	}
	return creds, nil
}

func (s *Service) sealCredentials(posID string, creds map[string]string) []byte {
	b, _ := json.Marshal(creds)
	return s.Keys.Seal(b, credentialsAAD(posID))
}

// CreatePOS defines a merchant's virtual POS.
func (s *Service) CreatePOS(ctx context.Context, merchantID string, mode store.Mode, in *POSInput) (*POSView, error) {
	if in.Protocol == nil || *in.Protocol == "" {
		return nil, invalid("parameter_missing", "protocol", "protocol is required")
	}
	now := s.now()
	p := &store.POS{
		ID: id.New("pos"), MerchantID: merchantID, Mode: mode, Protocol: *in.Protocol,
		Environment: "test", BatchCutoff: "23:00", Enabled: true, CreatedAt: now, UpdatedAt: now,
	}
	if err := s.applyPOSInput(p, map[string]string{}, in); err != nil {
		return nil, err
	}
	if err := s.Store.CreatePOS(ctx, p); err != nil {
		return nil, err
	}
	s.forgetPOS(merchantID)
	return s.posView(p), nil
}

// UpdatePOS patches a POS. A change takes effect for the next payment without
// a restart; in-flight payments keep the gateway they started with.
func (s *Service) UpdatePOS(ctx context.Context, merchantID, posID string, in *POSInput) (*POSView, error) {
	p, err := s.Store.GetPOS(ctx, merchantID, posID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("pos")
	} else if err != nil {
		return nil, err
	}
	if in.Protocol != nil && *in.Protocol != p.Protocol {
		return nil, invalid("parameter_invalid", "protocol", "a POS's protocol cannot change; create a new POS")
	}
	creds, err := s.openCredentials(p)
	if err != nil {
		return nil, err
	}
	if err := s.applyPOSInput(p, creds, in); err != nil {
		return nil, err
	}
	p.UpdatedAt = s.now()
	if err := s.Store.UpdatePOS(ctx, p); err != nil {
		return nil, err
	}
	s.forgetPOS(merchantID)
	return s.posView(p), nil
}

func (s *Service) applyPOSInput(p *store.POS, creds map[string]string, in *POSInput) error {
	desc, err := gateway.Lookup(p.Protocol)
	if err != nil {
		return invalid("protocol_unknown", "protocol", fmt.Sprintf("unknown protocol %q", p.Protocol))
	}
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	set(&p.Bank, in.Bank)
	set(&p.Name, in.Name)
	set(&p.Environment, in.Environment)
	set(&p.BatchCutoff, in.BatchCutoff)
	set(&p.ThreeDModel, in.ThreeDModel)
	if in.Preset != nil {
		pr, ok := desc.Preset(*in.Preset)
		if !ok {
			return invalid("preset_unknown", "preset", fmt.Sprintf("protocol %s has no preset %q", p.Protocol, *in.Preset))
		}
		p.APIURL, p.ThreeDURL, p.Environment = pr.Endpoints.API, pr.Endpoints.ThreeDGate, pr.Environment
		if p.Bank == "" {
			p.Bank = pr.Bank
		}
	}
	if in.Endpoints != nil {
		if in.Endpoints.API != "" {
			p.APIURL = in.Endpoints.API
		}
		if in.Endpoints.ThreeDGate != "" {
			p.ThreeDURL = in.Endpoints.ThreeDGate
		}
	}
	if in.Enabled != nil {
		p.Enabled = *in.Enabled
	}
	if in.AllowAttempted3D != nil {
		p.AllowAttempted3D = *in.AllowAttempted3D
	}
	if in.Routing != nil {
		if in.Routing.Weight < 0 {
			return invalid("parameter_invalid", "routing.weight", "weight must not be negative")
		}
		if _, _, err := in.Routing.compile(p); err != nil {
			return err
		}
		p.Routing, _ = json.Marshal(in.Routing)
	}
	if in.Priority != nil {
		p.Priority = *in.Priority
	}
	if in.Currencies != nil {
		p.Currencies = nil
		for _, c := range in.Currencies {
			cur, err := money.ParseCurrency(c)
			if err != nil || !desc.SupportsCurrency(cur) {
				return invalid("currency_not_supported", "currencies", fmt.Sprintf("protocol %s does not support currency %q", p.Protocol, c))
			}
			p.Currencies = append(p.Currencies, cur.Code)
		}
	}
	if len(p.Currencies) == 0 {
		for _, c := range desc.Currencies {
			p.Currencies = append(p.Currencies, c.Code)
		}
	}
	for k, v := range in.Credentials {
		creds[k] = v
	}
	if err := desc.Validate(creds); err != nil {
		var ce *gateway.CredentialError
		errors.As(err, &ce)
		return invalid("credentials_invalid", "credentials."+ce.Field, err.Error())
	}
	switch {
	case p.Environment != "test" && p.Environment != "production":
		return invalid("parameter_invalid", "environment", `environment must be "test" or "production"`)
	case p.Mode == store.ModeTest && p.Environment == "production":
		// A test-mode POS must never reach a bank's production endpoint.
		return invalid("parameter_invalid", "environment", "a test-mode POS cannot use the bank's production environment")
	case !validURL(p.APIURL):
		return invalid("parameter_invalid", "endpoints.api", "endpoints.api must be an http(s) URL (or pick a preset)")
	case p.ThreeDURL != "" && !validURL(p.ThreeDURL):
		return invalid("parameter_invalid", "endpoints.three_d_gate", "endpoints.three_d_gate must be an http(s) URL")
	case !cutoffRE.MatchString(p.BatchCutoff):
		return invalid("parameter_invalid", "batch_cutoff", `batch_cutoff must be "HH:MM" (Europe/Istanbul)`)
	case p.ThreeDModel != "" && !slices.Contains(desc.ThreeDModels, p.ThreeDModel):
		return invalid("parameter_invalid", "three_d_model", fmt.Sprintf("protocol %s does not offer 3D model %q", p.Protocol, p.ThreeDModel))
	}
	if p.Name == "" {
		p.Name = desc.Title
	}
	p.Credentials = s.sealCredentials(p.ID, creds)
	return nil
}

func validURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

func (s *Service) posView(p *store.POS) *POSView {
	v := &POSView{
		ID: p.ID, Object: "pos", Mode: p.Mode, Protocol: p.Protocol, Bank: p.Bank, Name: p.Name,
		Environment: p.Environment, Endpoints: gateway.Endpoints{API: p.APIURL, ThreeDGate: p.ThreeDURL},
		Credentials: map[string]string{}, Currencies: p.Currencies, BatchCutoff: p.BatchCutoff,
		ThreeDModel: p.ThreeDModel, AllowAttempted3D: p.AllowAttempted3D, Routing: posRouting(p), Enabled: p.Enabled, Priority: p.Priority,
		CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
	}
	if creds, err := s.openCredentials(p); err == nil {
		for k, val := range creds {
			if val != "" {
				v.Credentials[k] = "set"
			}
		}
	}
	return v
}

// GetPOS returns one POS of a merchant.
func (s *Service) GetPOS(ctx context.Context, merchantID, posID string) (*POSView, error) {
	p, err := s.Store.GetPOS(ctx, merchantID, posID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("pos")
	} else if err != nil {
		return nil, err
	}
	return s.posView(p), nil
}

// ListPOS returns a merchant's POS of one mode.
func (s *Service) ListPOS(ctx context.Context, merchantID string, mode store.Mode) ([]*POSView, error) {
	all, err := s.Store.ListPOS(ctx, merchantID)
	if err != nil {
		return nil, err
	}
	out := []*POSView{}
	for _, p := range all {
		if p.Mode == mode {
			out = append(out, s.posView(p))
		}
	}
	return out, nil
}

// gatewayCache keeps one Gateway per POS version so connection pools are
// reused; a POS update (new UpdatedAt) builds a fresh one.
type gatewayCache struct {
	mu sync.Mutex
	m  map[string]cachedGateway
}

type cachedGateway struct {
	version time.Time
	gw      gateway.Gateway
	desc    *gateway.Descriptor
}

func (s *Service) gatewayFor(p *store.POS) (gateway.Gateway, *gateway.Descriptor, error) {
	s.gws.mu.Lock()
	defer s.gws.mu.Unlock()
	if s.gws.m == nil {
		s.gws.m = map[string]cachedGateway{}
	}
	if c, ok := s.gws.m[p.ID]; ok && c.version.Equal(p.UpdatedAt) {
		return c.gw, c.desc, nil
	}
	desc, err := gateway.Lookup(p.Protocol)
	if err != nil {
		return nil, nil, err
	}
	creds, err := s.openCredentials(p)
	if err != nil {
		return nil, nil, err
	}
	gw, err := desc.New(gateway.Config{
		Credentials: creds,
		Endpoints:   gateway.Endpoints{API: p.APIURL, ThreeDGate: p.ThreeDURL},
		HTTPClient:  s.HTTPClient,
		Environment: p.Environment,
	})
	if err != nil {
		return nil, nil, err
	}
	s.gws.m[p.ID] = cachedGateway{p.UpdatedAt, gw, desc}
	return gw, desc, nil
}
