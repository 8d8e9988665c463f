package client

import (
	"context"
	"net/url"
	"strconv"
	"time"
)

// Reconciliation mismatch kinds (see docs/reconciliation.md).
const (
	ReconMissingAtBank  = "missing_at_bank"
	ReconMissingInKasa  = "missing_in_kasa"
	ReconAmountMismatch = "amount_mismatch"
	ReconStatusMismatch = "status_mismatch"
	ReconUnknownOpen    = "unknown_open"
	ReconUnverified     = "unverified"
)

// ReconciliationRequest asks for one Istanbul day, optionally one POS.
type ReconciliationRequest struct {
	Date  string `json:"date"`
	POSID string `json:"pos_id,omitempty"`
}

// Reconciliation is an end-of-day report.
type Reconciliation struct {
	ID          string               `json:"id"`
	Object      string               `json:"object"`
	MerchantID  string               `json:"merchant_id"`
	Mode        string               `json:"mode"`
	Date        string               `json:"date"`
	POSID       string               `json:"pos_id,omitempty"`
	Origin      string               `json:"origin"`
	Status      string               `json:"status"` // clean, mismatches, incomplete
	PeriodStart time.Time            `json:"period_start"`
	PeriodEnd   time.Time            `json:"period_end"`
	Summary     ReconciliationTotals `json:"summary"`
	POS         []ReconciliationPOS  `json:"pos"`
	Mismatches  []ReconciliationItem `json:"mismatches"`
	Unverified  []ReconciliationItem `json:"unverified"`
	CreatedAt   time.Time            `json:"created_at"`
	CompletedAt time.Time            `json:"completed_at"`
}

// ReconciliationTotals counts a report's rows.
type ReconciliationTotals struct {
	Payments   int            `json:"payments"`
	Skipped    int            `json:"skipped"`
	Matched    int            `json:"matched"`
	Mismatches int            `json:"mismatches"`
	Unverified int            `json:"unverified"`
	ByKind     map[string]int `json:"by_kind"`
}

// ReconciliationPOS is one POS's share of a report.
type ReconciliationPOS struct {
	POSID         string `json:"pos_id"`
	Protocol      string `json:"protocol"`
	Bank          string `json:"bank"`
	Method        string `json:"method"`
	Payments      int    `json:"payments"`
	Matched       int    `json:"matched"`
	Mismatches    int    `json:"mismatches"`
	Unverified    int    `json:"unverified"`
	Truncated     bool   `json:"truncated,omitempty"`
	MissingInKasa string `json:"missing_in_kasa"`
}

// ReconciliationItem is one payment that did not reconcile.
type ReconciliationItem struct {
	PaymentID       string `json:"payment_id"`
	POSID           string `json:"pos_id"`
	OrderID         string `json:"order_id,omitempty"`
	BankOrderID     string `json:"bank_order_id"`
	Kind            string `json:"kind"`
	Message         string `json:"message"`
	SuggestedAction string `json:"suggested_action,omitempty"`
	Kasa            struct {
		Status     string `json:"status"`
		Currency   string `json:"currency"`
		Amount     int64  `json:"amount"`
		Authorized int64  `json:"authorized"`
		Captured   int64  `json:"captured"`
		Refunded   int64  `json:"refunded"`
	} `json:"kasa"`
	Bank *struct {
		State      string `json:"state"`
		Authorized int64  `json:"authorized"`
		Captured   int64  `json:"captured"`
		Refunded   int64  `json:"refunded"`
		BankCode   string `json:"bank_code,omitempty"`
		History    []struct {
			Type     string `json:"type"`
			Status   string `json:"status"`
			Amount   int64  `json:"amount"`
			BankCode string `json:"bank_code,omitempty"`
		} `json:"history,omitempty"`
		HistoryError string `json:"history_error,omitempty"`
	} `json:"bank,omitempty"`
}

// ReconciliationList is one page of reports.
type ReconciliationList struct {
	Data       []*Reconciliation `json:"data"`
	HasMore    bool              `json:"has_more"`
	NextCursor string            `json:"next_cursor"`
}

// CreateReconciliation reconciles a day with the banks (read-only) and
// returns the stored report.
func (c *Client) CreateReconciliation(ctx context.Context, req *ReconciliationRequest) (*Reconciliation, error) {
	var out Reconciliation
	if _, err := c.do(ctx, "POST", "/v1/reconciliations", "", req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetReconciliation reads a stored report.
func (c *Client) GetReconciliation(ctx context.Context, id string) (*Reconciliation, error) {
	var out Reconciliation
	if _, err := c.do(ctx, "GET", "/v1/reconciliations/"+url.PathEscape(id), "", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListReconciliations pages stored reports, newest first; date and posID
// filter when not empty.
func (c *Client) ListReconciliations(ctx context.Context, date, posID string, limit int, cursor string) (*ReconciliationList, error) {
	q := url.Values{}
	for k, v := range map[string]string{"date": date, "pos_id": posID, "cursor": cursor} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	path := "/v1/reconciliations"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var out ReconciliationList
	if _, err := c.do(ctx, "GET", path, "", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
