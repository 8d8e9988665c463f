package client

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Webhook verification (Standard Webhooks v1). Kasa signs each delivery
// with the endpoint's secret:
//
//	webhook-id:        the event id, the same on every retry (deduplicate on it)
//	webhook-timestamp: unix seconds of this attempt
//	webhook-signature: "v1,<base64 HMAC-SHA256(key, id + "." + timestamp + "." + body)>",
//	                   space-separated when two secrets sign (during a rotation)
//
// where key is the base64-decoded part of the secret after "whsec_".

// DefaultWebhookTolerance is how far a webhook's timestamp may be from the
// receiver's clock, either way, when VerifyWebhook is given 0.
const DefaultWebhookTolerance = 5 * time.Minute

// Errors of VerifyWebhook.
var (
	ErrWebhookHeaders   = errors.New("kasa webhook: webhook-id, webhook-timestamp or webhook-signature header missing or malformed")
	ErrWebhookTimestamp = errors.New("kasa webhook: timestamp outside the tolerance (replayed or clock skew)")
	ErrWebhookSignature = errors.New("kasa webhook: no signature matches")
	ErrWebhookSecret    = errors.New("kasa webhook: secret must be whsec_ followed by base64")
)

// VerifyWebhook checks a delivery: body must be the raw request body, byte
// for byte (re-encoded JSON does not verify). tolerance bounds the age of the
// timestamp (0 means 5 minutes), which stops replays of old deliveries; any
// of the space-separated signatures may match; comparisons are constant
// time. A nil error means Kasa sent exactly this body for this id and time.
func VerifyWebhook(secret string, header http.Header, body []byte, tolerance time.Duration) error {
	return verifyWebhookAt(secret, header, body, tolerance, time.Now())
}

func verifyWebhookAt(secret string, header http.Header, body []byte, tolerance time.Duration, now time.Time) error {
	b64, ok := strings.CutPrefix(secret, "whsec_")
	if !ok {
		return ErrWebhookSecret
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(key) == 0 {
		return ErrWebhookSecret
	}
	msgID, tsText, sigs := header.Get("webhook-id"), header.Get("webhook-timestamp"), header.Get("webhook-signature")
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if msgID == "" || sigs == "" || err != nil {
		return ErrWebhookHeaders
	}
	if tolerance <= 0 {
		tolerance = DefaultWebhookTolerance
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return ErrWebhookTimestamp
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msgID + "." + tsText + "."))
	m.Write(body)
	want := m.Sum(nil)
	for _, s := range strings.Fields(sigs) {
		v, sig, ok := strings.Cut(s, ",")
		if !ok || v != "v1" {
			continue // another scheme (e.g. v1a, asymmetric) is not ours to check
		}
		got, err := base64.StdEncoding.DecodeString(sig)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return ErrWebhookSignature
}

// WebhookEvent is a verified delivery's body.
type WebhookEvent struct {
	ID        string          `json:"id"` // equals the webhook-id header: the deduplication key
	Type      string          `json:"type"`
	Mode      string          `json:"mode"`
	CreatedAt time.Time       `json:"created_at"`
	Data      json.RawMessage `json:"data"` // a Payment for payment.* events
}

// ParseWebhook verifies a delivery like VerifyWebhook and decodes it.
func ParseWebhook(secret string, header http.Header, body []byte, tolerance time.Duration) (*WebhookEvent, error) {
	if err := VerifyWebhook(secret, header, body, tolerance); err != nil {
		return nil, err
	}
	var ev WebhookEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		return nil, fmt.Errorf("kasa webhook: body: %w", err)
	}
	if ev.ID != header.Get("webhook-id") {
		return nil, ErrWebhookHeaders
	}
	return &ev, nil
}

// Payment decodes the payment of a payment.* event.
func (e *WebhookEvent) Payment() (*Payment, error) {
	var p Payment
	if err := json.Unmarshal(e.Data, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// WebhookEndpointRequest creates or patches an endpoint; on patch, nil
// fields stay as they are.
type WebhookEndpointRequest struct {
	URL         *string  `json:"url,omitempty"`
	EventTypes  []string `json:"event_types,omitempty"`
	Description *string  `json:"description,omitempty"`
	Enabled     *bool    `json:"enabled,omitempty"`
}

// WebhookEndpoint is an endpoint. Secret is set only by Create and
// RotateSecret: store it then, it is never shown again.
type WebhookEndpoint struct {
	ID                      string     `json:"id"`
	Mode                    string     `json:"mode"`
	URL                     string     `json:"url"`
	EventTypes              []string   `json:"event_types"`
	Description             string     `json:"description"`
	Enabled                 bool       `json:"enabled"`
	DisabledReason          string     `json:"disabled_reason"`
	Secret                  string     `json:"secret"`
	PreviousSecretExpiresAt *time.Time `json:"previous_secret_expires_at"`
	CreatedAt               time.Time  `json:"created_at"`
	UpdatedAt               time.Time  `json:"updated_at"`
}

// WebhookAttempt is one line of a delivery log.
type WebhookAttempt struct {
	Attempt     int        `json:"attempt"`
	Manual      bool       `json:"manual"`
	At          time.Time  `json:"at"`
	HTTPStatus  int        `json:"http_status"`
	LatencyMS   int64      `json:"latency_ms"`
	Error       string     `json:"error"`
	NextRetryAt *time.Time `json:"next_retry_at"`
}

// WebhookDelivery is one event's delivery to one endpoint.
type WebhookDelivery struct {
	ID             string           `json:"id"`
	EventID        string           `json:"event_id"`
	EventType      string           `json:"event_type"`
	EndpointID     string           `json:"endpoint_id"`
	State          string           `json:"state"` // pending, succeeded, failed, disabled
	AttemptCount   int              `json:"attempt_count"`
	NextAttemptAt  *time.Time       `json:"next_attempt_at"`
	LastHTTPStatus int              `json:"last_http_status"`
	LastError      string           `json:"last_error"`
	CreatedAt      time.Time        `json:"created_at"`
	Attempts       []WebhookAttempt `json:"attempts"`
}

// WebhookDeliveryList is one page of deliveries, newest first.
type WebhookDeliveryList struct {
	Data       []*WebhookDelivery `json:"data"`
	HasMore    bool               `json:"has_more"`
	NextCursor string             `json:"next_cursor"`
}

// CreateWebhookEndpoint registers a URL for events of the key's mode.
func (c *Client) CreateWebhookEndpoint(ctx context.Context, in *WebhookEndpointRequest) (*WebhookEndpoint, error) {
	var out WebhookEndpoint
	if _, err := c.do(ctx, http.MethodPost, "/v1/webhook_endpoints", "", in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListWebhookEndpoints returns the key's mode's endpoints.
func (c *Client) ListWebhookEndpoints(ctx context.Context) ([]*WebhookEndpoint, error) {
	var out struct {
		Data []*WebhookEndpoint `json:"data"`
	}
	if _, err := c.do(ctx, http.MethodGet, "/v1/webhook_endpoints", "", nil, &out); err != nil {
		return nil, err
	}
	return out.Data, nil
}

// GetWebhookEndpoint returns one endpoint (without its secret).
func (c *Client) GetWebhookEndpoint(ctx context.Context, id string) (*WebhookEndpoint, error) {
	return c.endpointCall(ctx, http.MethodGet, id, "", nil)
}

// UpdateWebhookEndpoint patches an endpoint.
func (c *Client) UpdateWebhookEndpoint(ctx context.Context, id string, in *WebhookEndpointRequest) (*WebhookEndpoint, error) {
	return c.endpointCall(ctx, http.MethodPatch, id, "", in)
}

// DeleteWebhookEndpoint deletes an endpoint and its delivery log.
func (c *Client) DeleteWebhookEndpoint(ctx context.Context, id string) error {
	_, err := c.do(ctx, http.MethodDelete, "/v1/webhook_endpoints/"+url.PathEscape(id), "", nil, nil)
	return err
}

// RotateWebhookSecret makes a new secret (in Secret); the old one keeps
// signing beside it for 24 hours.
func (c *Client) RotateWebhookSecret(ctx context.Context, id string) (*WebhookEndpoint, error) {
	return c.endpointCall(ctx, http.MethodPost, id, "/rotate_secret", nil)
}

func (c *Client) endpointCall(ctx context.Context, method, id, suffix string, in any) (*WebhookEndpoint, error) {
	var out WebhookEndpoint
	if _, err := c.do(ctx, method, "/v1/webhook_endpoints/"+url.PathEscape(id)+suffix, "", in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListWebhookDeliveries returns one page of an endpoint's delivery log;
// limit 0 means the server's default.
func (c *Client) ListWebhookDeliveries(ctx context.Context, endpointID string, limit int, cursor string) (*WebhookDeliveryList, error) {
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	var out WebhookDeliveryList
	path := "/v1/webhook_endpoints/" + url.PathEscape(endpointID) + "/deliveries?" + q.Encode()
	if _, err := c.do(ctx, http.MethodGet, path, "", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ResendEvent sends an event again to the matching endpoints.
func (c *Client) ResendEvent(ctx context.Context, eventID string) ([]*WebhookDelivery, error) {
	var out WebhookDeliveryList
	if _, err := c.do(ctx, http.MethodPost, "/v1/events/"+url.PathEscape(eventID)+"/resend", "", nil, &out); err != nil {
		return nil, err
	}
	return out.Data, nil
}
