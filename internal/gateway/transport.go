package gateway

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"
	"time"
)

// DefaultTimeout bounds one bank call when the caller's context has no deadline.
const DefaultTimeout = 30 * time.Second

// maxResponse bounds what we read from a bank; real replies are a few KB.
const maxResponse = 1 << 20

var defaultClient = NewHTTPClient()

// DefaultClient is the process-wide keep-alive client for bank calls.
func DefaultClient() *http.Client { return defaultClient }

// NewHTTPClient returns a client tuned for bank calls: TLS 1.2+, full
// certificate verification, pooled keep-alive connections, no redirects
// (a bank API never redirects; following one could resend a charge).
func NewHTTPClient() *http.Client {
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		MaxIdleConns:          512,
		MaxIdleConnsPerHost:   128,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// TransportError is a failed exchange with a bank, already classified.
type TransportError struct {
	Outcome Outcome // NotSent or Unknown
	Status  int     // HTTP status, when one arrived
	Err     error
}

func (e *TransportError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("bank http %d (%s): %v", e.Status, e.Outcome, e.Err)
	}
	return fmt.Sprintf("bank call %s: %v", e.Outcome, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }

// Result turns the error into a Result with the same classification.
func (e *TransportError) Result() *Result {
	return &Result{Outcome: e.Outcome, Reason: ReasonSystemError, BankMessage: e.Error(), Err: e}
}

// Post sends body to url and returns the response body. Failures are
// classified: if no connection was ever obtained the request provably never
// left (NotSent); anything after that — timeout, reset, 5xx, short read — may
// have reached the bank and is Unknown. A 4xx other than 408/429 means the bank
// refused the request without processing it and is NotSent too.
func Post(ctx context.Context, client *http.Client, url, contentType string, body []byte, header http.Header) ([]byte, *TransportError) {
	if client == nil {
		client = defaultClient
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
	}
	var wrote atomic.Bool
	trace := &httptrace.ClientTrace{
		// WroteHeaders is the earliest point after which the bank may act.
		WroteHeaders: func() { wrote.Store(true) },
	}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, &TransportError{Outcome: NotSent, Err: err}
	}
	req.Header.Set("Content-Type", contentType)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		if !wrote.Load() {
			return nil, &TransportError{Outcome: NotSent, Err: err}
		}
		return nil, &TransportError{Outcome: Unknown, Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return nil, &TransportError{Outcome: Unknown, Status: resp.StatusCode, Err: err}
	}
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return data, nil
	case resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != 408 && resp.StatusCode != 429 && resp.StatusCode != 409:
		return nil, &TransportError{Outcome: NotSent, Status: resp.StatusCode, Err: errors.New(http.StatusText(resp.StatusCode))}
	default:
		return nil, &TransportError{Outcome: Unknown, Status: resp.StatusCode, Err: errors.New(http.StatusText(resp.StatusCode))}
	}
}
