// Package webhook delivers outbox events to merchants' endpoints: endpoint
// management (secrets sealed at rest, SSRF guard), the fan-out of events into
// deliveries, and a dispatcher that signs (Standard Webhooks v1) and sends
// them at least once, with retries over about three days. Requirement ids are
// WH-n of shared/research/security-reliability.md §4.
package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kasapos/kasa/internal/store"
)

// Event types. A payment's event is "payment." + its new status, written by
// the payment service in the transaction that changes it. There is no
// payment.captured: capturing a pre-authorisation makes the payment
// succeeded, so a capture is a payment.succeeded with amount_captured set.
const (
	PaymentRequiresAction    = "payment.requires_action"
	PaymentAuthorized        = "payment.authorized"
	PaymentSucceeded         = "payment.succeeded"
	PaymentDeclined          = "payment.declined"
	PaymentFailed            = "payment.failed"
	PaymentUnknown           = "payment.unknown"
	PaymentPartiallyRefunded = "payment.partially_refunded"
	PaymentRefunded          = "payment.refunded"
	PaymentCanceled          = "payment.canceled"
	// PaymentLinkPaid is reserved for the payment-link work; endpoints may
	// subscribe to it now.
	PaymentLinkPaid = "payment_link.paid"
	// AllEvents subscribes an endpoint to every type, present and future.
	AllEvents = "*"
)

// EventTypes lists every event type an endpoint may subscribe to.
var EventTypes = []string{PaymentRequiresAction, PaymentAuthorized, PaymentSucceeded, PaymentDeclined,
	PaymentFailed, PaymentUnknown, PaymentPartiallyRefunded, PaymentRefunded, PaymentCanceled, PaymentLinkPaid}

// KnownEventType reports whether t may appear in an endpoint's event_types.
func KnownEventType(t string) bool { return t == AllEvents || slices.Contains(EventTypes, t) }

// Headers of a delivery (Standard Webhooks).
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// SecretPrefix starts every signing secret as shown to merchants.
const SecretPrefix = "whsec_"

// SecretLen is the number of random bytes in a signing secret (WH-2: at
// least 32; Standard Webhooks allows 24 to 64).
const SecretLen = 32

// NewSecret returns fresh random secret bytes.
func NewSecret() []byte {
	b := make([]byte, SecretLen)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return b
}

// FormatSecret renders secret bytes the way merchants see them once.
func FormatSecret(raw []byte) string { return SecretPrefix + base64.StdEncoding.EncodeToString(raw) }

// ParseSecret returns the bytes of a "whsec_…" secret (the HMAC key).
func ParseSecret(s string) ([]byte, error) {
	b64, ok := strings.CutPrefix(s, SecretPrefix)
	if !ok {
		return nil, errors.New("webhook: secret must start with " + SecretPrefix)
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(raw) == 0 {
		return nil, errors.New("webhook: secret is not base64")
	}
	return raw, nil
}

// SecretAAD and PrevSecretAAD bind a sealed secret to its endpoint row and
// slot, so a sealed value copied to another row or slot does not open.
func SecretAAD(endpointID string) []byte { return []byte("webhook_endpoint:" + endpointID + ":secret") }

// PrevSecretAAD is the AAD of the pre-rotation secret.
func PrevSecretAAD(endpointID string) []byte {
	return []byte("webhook_endpoint:" + endpointID + ":prev_secret")
}

// Sign returns one Standard Webhooks v1 signature: "v1," + base64 of
// HMAC-SHA256(secret, msgID + "." + timestamp + "." + body), over the exact
// bytes sent.
func Sign(secret []byte, msgID string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(msgID + "." + strconv.FormatInt(ts, 10) + "."))
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// SignatureHeader signs with every secret (the new one first during a
// rotation), space-separated, so receivers holding either secret verify.
func SignatureHeader(secrets [][]byte, msgID string, ts int64, body []byte) string {
	sigs := make([]string, len(secrets))
	for i, s := range secrets {
		sigs[i] = Sign(s, msgID, ts, body)
	}
	return strings.Join(sigs, " ")
}

// Envelope is the body of every delivery (WH-6): the event's id, type, mode
// and creation time around the payment view the outbox row holds. The view
// carries the card only as BIN, last 4 and mask.
type Envelope struct {
	ID        string          `json:"id"`
	Object    string          `json:"object"`
	Type      string          `json:"type"`
	Mode      store.Mode      `json:"mode"`
	CreatedAt time.Time       `json:"created_at"`
	Data      json.RawMessage `json:"data"`
}

// Body renders an event's delivery body. It depends only on the stored row,
// so every attempt of a delivery sends the same bytes.
func Body(ev *store.Event) ([]byte, error) {
	var p struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(ev.Payload, &p); err != nil {
		return nil, fmt.Errorf("webhook: event %s payload: %w", ev.ID, err)
	}
	if len(p.Data) == 0 {
		p.Data = json.RawMessage("null")
	}
	return json.Marshal(Envelope{ID: ev.ID, Object: "event", Type: ev.Type, Mode: ev.Mode,
		CreatedAt: ev.CreatedAt.UTC(), Data: p.Data})
}
