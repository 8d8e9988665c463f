// Package client is the Go client for Kasa's merchant API.
//
//	c := client.New("http://127.0.0.1:8080", "sk_test_...")
//	p, err := c.CreatePayment(ctx, &client.PaymentRequest{Amount: 12550, Currency: "TRY", ...}, client.NewIdempotencyKey())
//
// Every money-moving call takes an idempotency key: retry with the same key
// after a network error and Kasa returns the first outcome instead of charging
// again.
package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client talks to one Kasa server with one API key.
type Client struct {
	BaseURL string
	APIKey  string
	HTTP    *http.Client
}

// New returns a client with a 60 s timeout (longer than Kasa's bank timeout).
func New(baseURL, apiKey string) *Client {
	return &Client{BaseURL: strings.TrimRight(baseURL, "/"), APIKey: apiKey, HTTP: &http.Client{Timeout: 60 * time.Second}}
}

// NewIdempotencyKey returns a random key (128 bits, hex).
func NewIdempotencyKey() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// Error is an API error. Status is the HTTP status; Code is stable.
type Error struct {
	Status        int    `json:"-"`
	Code          string `json:"code"`
	Message       string `json:"message"`
	Field         string `json:"field,omitempty"`
	PaymentID     string `json:"payment_id,omitempty"`
	BankCode      string `json:"bank_code,omitempty"`
	BankMessage   string `json:"bank_message,omitempty"`
	DeclineReason string `json:"decline_reason,omitempty"`
	RequestID     string `json:"request_id,omitempty"`
}

func (e *Error) Error() string {
	s := fmt.Sprintf("kasa: %d %s: %s", e.Status, e.Code, e.Message)
	if e.Field != "" {
		s += " (" + e.Field + ")"
	}
	return s
}

// Response carries HTTP details of the last call that tests and careful
// integrations want: the status and whether it was an idempotent replay.
type Response struct {
	Status   int
	Replayed bool
}

func (c *Client) do(ctx context.Context, method, path, idemKey string, in, out any) (*Response, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.APIKey)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if idemKey != "" {
		req.Header.Set("Idempotency-Key", idemKey)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, err
	}
	r := &Response{Status: resp.StatusCode, Replayed: resp.Header.Get("Idempotent-Replayed") == "true"}
	if resp.StatusCode >= 400 {
		var eb struct {
			Error *Error `json:"error"`
		}
		if json.Unmarshal(data, &eb) != nil || eb.Error == nil {
			return r, &Error{Status: resp.StatusCode, Code: "http_error", Message: strings.TrimSpace(string(data))}
		}
		eb.Error.Status = resp.StatusCode
		return r, eb.Error
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return r, fmt.Errorf("kasa: decoding %s %s: %w", method, path, err)
		}
	}
	return r, nil
}

// CreatePayment makes a sale (Capture nil or true) or a pre-authorisation.
func (c *Client) CreatePayment(ctx context.Context, req *PaymentRequest, idemKey string) (*Payment, *Response, error) {
	var p Payment
	r, err := c.do(ctx, http.MethodPost, "/v1/payments", idemKey, req, &p)
	return result(&p, r, err)
}

func result(p *Payment, r *Response, err error) (*Payment, *Response, error) {
	if err != nil {
		return nil, r, err
	}
	return p, r, nil
}

// GetPayment returns a payment with its transaction timeline.
func (c *Client) GetPayment(ctx context.Context, id string) (*Payment, error) {
	var p Payment
	_, err := c.do(ctx, http.MethodGet, "/v1/payments/"+url.PathEscape(id), "", nil, &p)
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// Capture captures an authorised payment; amount nil captures it all.
func (c *Client) Capture(ctx context.Context, id string, amount *int64, idemKey string) (*Payment, *Response, error) {
	return c.op(ctx, id, "capture", amount, idemKey)
}

// Refund refunds a captured payment; amount nil refunds what is left.
func (c *Client) Refund(ctx context.Context, id string, amount *int64, idemKey string) (*Payment, *Response, error) {
	return c.op(ctx, id, "refunds", amount, idemKey)
}

// Cancel voids a payment on the day it was made.
func (c *Client) Cancel(ctx context.Context, id, idemKey string) (*Payment, *Response, error) {
	return c.op(ctx, id, "cancel", nil, idemKey)
}

// Sync asks the bank for the payment's real state.
func (c *Client) Sync(ctx context.Context, id string) (*Payment, *Response, error) {
	return c.op(ctx, id, "sync", nil, "")
}

func (c *Client) op(ctx context.Context, id, verb string, amount *int64, idemKey string) (*Payment, *Response, error) {
	var in any
	if amount != nil {
		in = map[string]int64{"amount": *amount}
	}
	var p Payment
	r, err := c.do(ctx, http.MethodPost, "/v1/payments/"+url.PathEscape(id)+"/"+verb, idemKey, in, &p)
	return result(&p, r, err)
}

// ListParams filters ListPayments. Zero values are not sent.
type ListParams struct {
	Status      string
	OrderID     string
	CardLast4   string
	CreatedFrom time.Time
	CreatedTo   time.Time
	Limit       int
	Cursor      string
}

// PaymentList is one page of payments; pass NextCursor to get the next.
type PaymentList struct {
	Data       []*Payment `json:"data"`
	HasMore    bool       `json:"has_more"`
	NextCursor string     `json:"next_cursor"`
}

// ListPayments returns one page, newest first.
func (c *Client) ListPayments(ctx context.Context, p ListParams) (*PaymentList, error) {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("status", p.Status)
	set("order_id", p.OrderID)
	set("card_last4", p.CardLast4)
	set("cursor", p.Cursor)
	if !p.CreatedFrom.IsZero() {
		q.Set("created_from", p.CreatedFrom.Format(time.RFC3339Nano))
	}
	if !p.CreatedTo.IsZero() {
		q.Set("created_to", p.CreatedTo.Format(time.RFC3339Nano))
	}
	if p.Limit > 0 {
		q.Set("limit", fmt.Sprint(p.Limit))
	}
	var out PaymentList
	if _, err := c.do(ctx, http.MethodGet, "/v1/payments?"+q.Encode(), "", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CreatePOS defines a virtual POS.
func (c *Client) CreatePOS(ctx context.Context, in *POSRequest) (*POS, error) {
	var out POS
	if _, err := c.do(ctx, http.MethodPost, "/v1/pos", "", in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdatePOS patches a POS; only non-nil fields change.
func (c *Client) UpdatePOS(ctx context.Context, id string, in *POSRequest) (*POS, error) {
	var out POS
	if _, err := c.do(ctx, http.MethodPatch, "/v1/pos/"+url.PathEscape(id), "", in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetPOS returns one POS (credentials only as "set").
func (c *Client) GetPOS(ctx context.Context, id string) (*POS, error) {
	var out POS
	if _, err := c.do(ctx, http.MethodGet, "/v1/pos/"+url.PathEscape(id), "", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Merchant is the caller's merchant settings.
type Merchant struct {
	ID            string   `json:"id"`
	Name          string   `json:"name"`
	ReturnDomains []string `json:"return_domains"`
}

// UpdateMerchant sets the name (if non-empty) and the return domains (if non-nil).
func (c *Client) UpdateMerchant(ctx context.Context, name string, returnDomains []string) (*Merchant, error) {
	in := map[string]any{}
	if name != "" {
		in["name"] = name
	}
	if returnDomains != nil {
		in["return_domains"] = returnDomains
	}
	var out Merchant
	if _, err := c.do(ctx, http.MethodPatch, "/v1/merchant", "", in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListPOS returns every POS of the key's mode.
func (c *Client) ListPOS(ctx context.Context) ([]*POS, error) {
	var out struct {
		Data []*POS `json:"data"`
	}
	if _, err := c.do(ctx, http.MethodGet, "/v1/pos", "", nil, &out); err != nil {
		return nil, err
	}
	return out.Data, nil
}

// CreateCheckoutSession opens a hosted checkout session. The idempotency key
// is optional here (nothing is charged until the customer pays).
func (c *Client) CreateCheckoutSession(ctx context.Context, req *CheckoutSessionRequest, idemKey string) (*CheckoutSession, error) {
	var out CheckoutSession
	if _, err := c.do(ctx, http.MethodPost, "/v1/checkout_sessions", idemKey, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetCheckoutSession returns a session; Status is complete once its payment
// was approved, and PaymentID names the latest attempt.
func (c *Client) GetCheckoutSession(ctx context.Context, id string) (*CheckoutSession, error) {
	var out CheckoutSession
	if _, err := c.do(ctx, http.MethodGet, "/v1/checkout_sessions/"+url.PathEscape(id), "", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CreatePaymentLink creates a payment link.
func (c *Client) CreatePaymentLink(ctx context.Context, req *PaymentLinkRequest, idemKey string) (*PaymentLink, error) {
	var out PaymentLink
	if _, err := c.do(ctx, http.MethodPost, "/v1/payment_links", idemKey, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetPaymentLink returns one link.
func (c *Client) GetPaymentLink(ctx context.Context, id string) (*PaymentLink, error) {
	var out PaymentLink
	if _, err := c.do(ctx, http.MethodGet, "/v1/payment_links/"+url.PathEscape(id), "", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListPaymentLinks returns one page of links, newest first; limit 0 means
// the server's default.
func (c *Client) ListPaymentLinks(ctx context.Context, limit int, cursor string) (*PaymentLinkList, error) {
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", fmt.Sprint(limit))
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	var out PaymentLinkList
	if _, err := c.do(ctx, http.MethodGet, "/v1/payment_links?"+q.Encode(), "", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DisablePaymentLink stops a link from opening new checkout sessions.
func (c *Client) DisablePaymentLink(ctx context.Context, id string) (*PaymentLink, error) {
	var out PaymentLink
	if _, err := c.do(ctx, http.MethodPost, "/v1/payment_links/"+url.PathEscape(id)+"/disable", "", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListPaymentLinkPayments returns the payments made through a link, newest first.
func (c *Client) ListPaymentLinkPayments(ctx context.Context, id string, p ListParams) (*PaymentList, error) {
	q := url.Values{}
	if p.Status != "" {
		q.Set("status", p.Status)
	}
	if p.Limit > 0 {
		q.Set("limit", fmt.Sprint(p.Limit))
	}
	if p.Cursor != "" {
		q.Set("cursor", p.Cursor)
	}
	var out PaymentList
	if _, err := c.do(ctx, http.MethodGet, "/v1/payment_links/"+url.PathEscape(id)+"/payments?"+q.Encode(), "", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
