package webhook

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kasapos/kasa/internal/id"
	"github.com/kasapos/kasa/internal/payment"
	"github.com/kasapos/kasa/internal/secret"
	"github.com/kasapos/kasa/internal/store"
)

// RotationOverlap is how long the previous secret keeps signing after a
// rotation, so merchants can deploy the new one without dropping events.
const RotationOverlap = 24 * time.Hour

// MaxEndpoints bounds one merchant's endpoints per mode: each event costs
// one delivery per endpoint.
const MaxEndpoints = 16

// Manager is the merchant API's side of webhooks: endpoints, their secrets,
// the delivery log and manual resends.
type Manager struct {
	Store    store.Store
	Keys     *secret.Keyring
	Now      func() time.Time
	Resolver Resolver // nil: net.DefaultResolver
}

func (m *Manager) now() time.Time {
	if m.Now != nil {
		return m.Now().UTC()
	}
	return time.Now().UTC()
}

// EndpointInput is the body of create (url and event_types required) and
// PATCH (only the fields sent change).
type EndpointInput struct {
	URL         *string  `json:"url"`
	EventTypes  []string `json:"event_types"`
	Description *string  `json:"description"`
	Enabled     *bool    `json:"enabled"`
}

// EndpointView is an endpoint as the API shows it. Secret is set only in the
// responses of create and rotate_secret: it is never shown again.
type EndpointView struct {
	ID                  string     `json:"id"`
	Object              string     `json:"object"`
	Mode                store.Mode `json:"mode"`
	URL                 string     `json:"url"`
	EventTypes          []string   `json:"event_types"`
	Description         string     `json:"description"`
	Enabled             bool       `json:"enabled"`
	DisabledReason      string     `json:"disabled_reason,omitempty"`
	Secret              string     `json:"secret,omitempty"`
	PrevSecretExpiresAt *time.Time `json:"previous_secret_expires_at,omitempty"`
	CreatedAt           time.Time  `json:"created_at"`
	UpdatedAt           time.Time  `json:"updated_at"`
}

func (m *Manager) view(e *store.WebhookEndpoint, shownSecret []byte) *EndpointView {
	v := &EndpointView{ID: e.ID, Object: "webhook_endpoint", Mode: e.Mode, URL: e.URL, EventTypes: e.EventTypes,
		Description: e.Description, Enabled: e.Enabled, DisabledReason: e.DisabledReason,
		CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}
	if shownSecret != nil {
		v.Secret = FormatSecret(shownSecret)
	}
	if len(e.PrevSecret) > 0 && e.PrevSecretUntil.After(m.now()) {
		t := e.PrevSecretUntil
		v.PrevSecretExpiresAt = &t
	}
	return v
}

func invalid(code, field, msg string) *payment.Error {
	return &payment.Error{Status: http.StatusBadRequest, Code: code, Field: field, Message: msg}
}

var errEndpointNotFound = &payment.Error{Status: http.StatusNotFound, Code: "resource_not_found", Message: "no such webhook endpoint"}

func (m *Manager) checkURL(ctx context.Context, raw string, mode store.Mode) error {
	err := CheckURL(ctx, raw, mode, m.Resolver)
	var ue *URLError
	if errors.As(err, &ue) {
		code := "webhook_url_invalid"
		if ue.Forbidden {
			code = "webhook_url_forbidden"
		}
		return invalid(code, "url", ue.Msg)
	}
	return err
}

func checkTypes(types []string) ([]string, error) {
	if len(types) == 0 {
		return nil, invalid("parameter_missing", "event_types", `event_types must list at least one event type (or "*")`)
	}
	var out []string
	for _, t := range types {
		if !KnownEventType(t) {
			return nil, invalid("event_type_unknown", "event_types", "unknown event type "+strconvQuote(t)+
				"; known: "+strings.Join(EventTypes, ", ")+`, or "*"`)
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out, nil
}

func strconvQuote(s string) string {
	if len(s) > 64 {
		s = s[:64]
	}
	return strconv.Quote(s)
}

func checkDescription(d string) error {
	if len(d) > 255 {
		return invalid("parameter_invalid", "description", "description must be at most 255 bytes")
	}
	return nil
}

// Create makes an endpoint with a fresh secret, shown in this response only.
func (m *Manager) Create(ctx context.Context, c payment.Caller, in *EndpointInput) (*EndpointView, error) {
	if in.URL == nil || *in.URL == "" {
		return nil, invalid("parameter_missing", "url", "url is required")
	}
	if err := m.checkURL(ctx, *in.URL, c.Mode); err != nil {
		return nil, err
	}
	types, err := checkTypes(in.EventTypes)
	if err != nil {
		return nil, err
	}
	e := &store.WebhookEndpoint{ID: id.New("we"), MerchantID: c.MerchantID, Mode: c.Mode, URL: *in.URL,
		EventTypes: types, Enabled: in.Enabled == nil || *in.Enabled}
	if in.Description != nil {
		if err := checkDescription(*in.Description); err != nil {
			return nil, err
		}
		e.Description = *in.Description
	}
	existing, err := m.Store.ListWebhookEndpoints(ctx, c.MerchantID, c.Mode)
	if err != nil {
		return nil, err
	}
	if len(existing) >= MaxEndpoints {
		return nil, &payment.Error{Status: http.StatusUnprocessableEntity, Code: "webhook_endpoint_limit",
			Message: "at most " + strconv.Itoa(MaxEndpoints) + " webhook endpoints per mode"}
	}
	raw := NewSecret()
	e.Secret = m.Keys.Seal(raw, SecretAAD(e.ID))
	e.CreatedAt = m.now()
	e.UpdatedAt = e.CreatedAt
	if !e.Enabled {
		e.DisabledReason = "disabled by the merchant"
	}
	if err := m.Store.CreateWebhookEndpoint(ctx, e); err != nil {
		return nil, err
	}
	return m.view(e, raw), nil
}

// get reads an endpoint of the caller's merchant and mode.
func (m *Manager) get(ctx context.Context, c payment.Caller, endpointID string) (*store.WebhookEndpoint, error) {
	e, err := m.Store.GetWebhookEndpoint(ctx, c.MerchantID, endpointID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && e.Mode != c.Mode) {
		return nil, errEndpointNotFound
	}
	return e, err
}

// Get returns one endpoint (without its secret).
func (m *Manager) Get(ctx context.Context, c payment.Caller, endpointID string) (*EndpointView, error) {
	e, err := m.get(ctx, c, endpointID)
	if err != nil {
		return nil, err
	}
	return m.view(e, nil), nil
}

// List returns the caller's endpoints of its mode, oldest first.
func (m *Manager) List(ctx context.Context, c payment.Caller) ([]*EndpointView, error) {
	list, err := m.Store.ListWebhookEndpoints(ctx, c.MerchantID, c.Mode)
	if err != nil {
		return nil, err
	}
	out := make([]*EndpointView, 0, len(list))
	for _, e := range list {
		out = append(out, m.view(e, nil))
	}
	return out, nil
}

// Update changes url, event_types, description and enabled. Re-enabling
// clears the failure streak; deliveries disabled meanwhile stay disabled
// (resend them by event).
func (m *Manager) Update(ctx context.Context, c payment.Caller, endpointID string, in *EndpointInput) (*EndpointView, error) {
	e, err := m.get(ctx, c, endpointID)
	if err != nil {
		return nil, err
	}
	changed := false
	if in.URL != nil {
		if err := m.checkURL(ctx, *in.URL, c.Mode); err != nil {
			return nil, err
		}
		e.URL, changed = *in.URL, true
	}
	if in.EventTypes != nil {
		if e.EventTypes, err = checkTypes(in.EventTypes); err != nil {
			return nil, err
		}
		changed = true
	}
	if in.Description != nil {
		if err := checkDescription(*in.Description); err != nil {
			return nil, err
		}
		e.Description, changed = *in.Description, true
	}
	now := m.now()
	if changed {
		e.UpdatedAt = now
		if err := m.Store.UpdateWebhookEndpoint(ctx, e); err != nil {
			return nil, err
		}
	}
	if in.Enabled != nil && *in.Enabled != e.Enabled {
		if err := m.Store.SetWebhookEndpointEnabled(ctx, c.MerchantID, e.ID, *in.Enabled, "disabled by the merchant", now); err != nil {
			return nil, err
		}
	}
	return m.Get(ctx, c, endpointID)
}

// Delete removes an endpoint, its deliveries and their log.
func (m *Manager) Delete(ctx context.Context, c payment.Caller, endpointID string) error {
	if _, err := m.get(ctx, c, endpointID); err != nil {
		return err
	}
	err := m.Store.DeleteWebhookEndpoint(ctx, c.MerchantID, endpointID)
	if errors.Is(err, store.ErrNotFound) {
		return errEndpointNotFound
	}
	return err
}

// RotateSecret makes a new secret, shown in this response only. The current
// secret keeps signing beside it for RotationOverlap (both signatures are
// sent); a secret rotated out earlier stops at once.
func (m *Manager) RotateSecret(ctx context.Context, c payment.Caller, endpointID string) (*EndpointView, error) {
	e, err := m.get(ctx, c, endpointID)
	if err != nil {
		return nil, err
	}
	cur, err := m.Keys.Open(e.Secret, SecretAAD(e.ID))
	if err != nil {
		return nil, err
	}
	raw := NewSecret()
	now := m.now()
	e.PrevSecret = m.Keys.Seal(cur, PrevSecretAAD(e.ID))
	e.PrevSecretUntil = now.Add(RotationOverlap)
	e.Secret = m.Keys.Seal(raw, SecretAAD(e.ID))
	e.UpdatedAt = now
	if err := m.Store.UpdateWebhookEndpoint(ctx, e); err != nil {
		return nil, err
	}
	return m.view(e, raw), nil
}

// AttemptView is one line of the delivery log.
type AttemptView struct {
	Attempt     int        `json:"attempt"`
	Manual      bool       `json:"manual,omitempty"`
	At          time.Time  `json:"at"`
	HTTPStatus  int        `json:"http_status,omitempty"`
	LatencyMS   int64      `json:"latency_ms"`
	Error       string     `json:"error,omitempty"`
	NextRetryAt *time.Time `json:"next_retry_at,omitempty"`
}

// DeliveryView is one event's delivery to one endpoint, with its attempts.
type DeliveryView struct {
	ID            string        `json:"id"`
	Object        string        `json:"object"`
	EventID       string        `json:"event_id"`
	EventType     string        `json:"event_type"`
	EndpointID    string        `json:"endpoint_id"`
	State         string        `json:"state"`
	AttemptCount  int           `json:"attempt_count"`
	NextAttemptAt *time.Time    `json:"next_attempt_at,omitempty"`
	LastStatus    int           `json:"last_http_status,omitempty"`
	LastError     string        `json:"last_error,omitempty"`
	CreatedAt     time.Time     `json:"created_at"`
	Attempts      []AttemptView `json:"attempts"`
}

// DeliveryList is one page of deliveries, newest first.
type DeliveryList struct {
	Object     string          `json:"object"`
	Data       []*DeliveryView `json:"data"`
	HasMore    bool            `json:"has_more"`
	NextCursor string          `json:"next_cursor,omitempty"`
}

func deliveryView(d *store.WebhookDelivery) *DeliveryView {
	v := &DeliveryView{ID: d.ID, Object: "webhook_delivery", EventID: d.EventID, EventType: d.EventType,
		EndpointID: d.EndpointID, State: d.State, AttemptCount: d.Attempts, LastStatus: d.LastStatus,
		LastError: d.LastError, CreatedAt: d.CreatedAt, Attempts: []AttemptView{}}
	if d.State == store.DeliveryPending {
		t := d.NextAttemptAt
		v.NextAttemptAt = &t
	}
	return v
}

func (m *Manager) withAttempts(ctx context.Context, ds []*store.WebhookDelivery) ([]*DeliveryView, error) {
	ids := make([]string, len(ds))
	out := make([]*DeliveryView, len(ds))
	byID := map[string]*DeliveryView{}
	for i, d := range ds {
		ids[i] = d.ID
		out[i] = deliveryView(d)
		byID[d.ID] = out[i]
	}
	atts, err := m.Store.ListWebhookAttempts(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, a := range atts {
		av := AttemptView{Attempt: a.Attempt, Manual: a.Manual, At: a.StartedAt, HTTPStatus: a.Status,
			LatencyMS: a.LatencyMS, Error: a.Error}
		if !a.NextAttemptAt.IsZero() {
			t := a.NextAttemptAt
			av.NextRetryAt = &t
		}
		if v := byID[a.DeliveryID]; v != nil {
			v.Attempts = append(v.Attempts, av)
		}
	}
	return out, nil
}

// Deliveries pages an endpoint's delivery log, newest first; limit 0 means 20.
func (m *Manager) Deliveries(ctx context.Context, c payment.Caller, endpointID string, limit int, cursor string) (*DeliveryList, error) {
	if _, err := m.get(ctx, c, endpointID); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 20
	}
	f := store.WebhookDeliveryFilter{MerchantID: c.MerchantID, EndpointID: endpointID, Limit: limit + 1}
	if cursor != "" {
		t, id, ok := parseCursor(cursor)
		if !ok {
			return nil, invalid("parameter_invalid", "cursor", "cursor is not a next_cursor this API returned")
		}
		f.BeforeTime, f.BeforeID = t, id
	}
	ds, err := m.Store.ListWebhookDeliveries(ctx, f)
	if err != nil {
		return nil, err
	}
	out := &DeliveryList{Object: "list"}
	if len(ds) > limit {
		ds, out.HasMore = ds[:limit], true
		last := ds[len(ds)-1]
		out.NextCursor = formatCursor(last.CreatedAt, last.ID)
	}
	if out.Data, err = m.withAttempts(ctx, ds); err != nil {
		return nil, err
	}
	return out, nil
}

func formatCursor(t time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(t.UnixMicro(), 10) + "|" + id))
}

func parseCursor(s string) (time.Time, string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return time.Time{}, "", false
	}
	ts, id, ok := strings.Cut(string(b), "|")
	n, err := strconv.ParseInt(ts, 10, 64)
	if !ok || err != nil || n <= 0 || id == "" {
		return time.Time{}, "", false
	}
	return time.UnixMicro(n).UTC(), id, true
}

// Resend queues the event again for each of the merchant's enabled
// endpoints (of the event's mode) subscribed to its type: one immediate
// manual attempt each, or, for a delivery still being retried, its next
// attempt brought forward. The list is empty when no endpoint matches.
func (m *Manager) Resend(ctx context.Context, c payment.Caller, eventID string) (*DeliveryList, error) {
	ev, err := m.Store.GetEvent(ctx, c.MerchantID, eventID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && ev.Mode != c.Mode) {
		return nil, &payment.Error{Status: http.StatusNotFound, Code: "resource_not_found", Message: "no such event"}
	} else if err != nil {
		return nil, err
	}
	eps, err := m.Store.ListWebhookEndpoints(ctx, c.MerchantID, c.Mode)
	if err != nil {
		return nil, err
	}
	var ds []*store.WebhookDelivery
	now := m.now()
	for _, e := range eps {
		if !e.Enabled || !(slices.Contains(e.EventTypes, AllEvents) || slices.Contains(e.EventTypes, ev.Type)) {
			continue
		}
		d, err := m.Store.ResendWebhookEvent(ctx, ev, e.ID, id.New("whd"), now)
		if errors.Is(err, store.ErrInvariant) || errors.Is(err, store.ErrNotFound) {
			continue // the endpoint was deleted meanwhile
		} else if err != nil {
			return nil, err
		}
		ds = append(ds, d)
	}
	out := &DeliveryList{Object: "list"}
	if out.Data, err = m.withAttempts(ctx, ds); err != nil {
		return nil, err
	}
	return out, nil
}
