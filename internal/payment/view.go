package payment

import (
	"time"

	"github.com/kasapos/kasa/internal/store"
)

// View is a payment as the API, webhooks and the dashboard show it. It never
// holds more of the card than BIN and last 4.
type View struct {
	ID               string        `json:"id"`
	Object           string        `json:"object"`
	Mode             store.Mode    `json:"mode"`
	Status           string        `json:"status"`
	Amount           int64         `json:"amount"`
	Currency         string        `json:"currency"`
	Capture          bool          `json:"capture"`
	Installments     int           `json:"installments"`
	AmountAuthorized int64         `json:"amount_authorized"`
	AmountCaptured   int64         `json:"amount_captured"`
	AmountRefunded   int64         `json:"amount_refunded"`
	OrderID          string        `json:"order_id,omitempty"`
	BankOrderID      string        `json:"bank_order_id"`
	Description      string        `json:"description,omitempty"`
	Card             CardView      `json:"card"`
	Customer         CustomerView  `json:"customer"`
	POSID            string        `json:"pos_id"`
	RoutingReason    string        `json:"routing_reason,omitempty"`
	Bank             BankView      `json:"bank"`
	ThreeD           *ThreeDView   `json:"three_d,omitempty"`
	NextAction       *NextAction   `json:"next_action,omitempty"`
	Transactions     []TxView      `json:"transactions,omitempty"`
	LastOperation    *OperationRef `json:"last_operation,omitempty"`
	CreatedAt        time.Time     `json:"created_at"`
	UpdatedAt        time.Time     `json:"updated_at"`

	// CheckoutSessionID names the hosted checkout session the payment was made on.
	CheckoutSessionID string `json:"checkout_session_id,omitempty"`
}

// CardView is the card as it may be shown: masked.
type CardView struct {
	BIN    string `json:"bin"`
	Last4  string `json:"last4"`
	Masked string `json:"masked"`
	Brand  string `json:"brand"`
	Holder string `json:"holder,omitempty"`
}

// CustomerView is the buyer's contact data.
type CustomerView struct {
	Email string `json:"email,omitempty"`
	IP    string `json:"ip,omitempty"`
}

// BankView is the bank's last word on the payment.
type BankView struct {
	Code          string `json:"code,omitempty"`
	Message       string `json:"message,omitempty"`
	DeclineReason string `json:"decline_reason,omitempty"`
	AuthCode      string `json:"auth_code,omitempty"`
	HostRef       string `json:"host_ref,omitempty"`
	TransID       string `json:"trans_id,omitempty"`
}

// TxView is one bank call in the timeline.
type TxView struct {
	ID            string     `json:"id"`
	Kind          string     `json:"kind"`
	Status        string     `json:"status"`
	Amount        int64      `json:"amount"`
	Currency      string     `json:"currency"`
	BankCode      string     `json:"bank_code,omitempty"`
	BankErrorCode string     `json:"bank_error_code,omitempty"`
	BankMessage   string     `json:"bank_message,omitempty"`
	DeclineReason string     `json:"decline_reason,omitempty"`
	AuthCode      string     `json:"auth_code,omitempty"`
	HostRef       string     `json:"host_ref,omitempty"`
	TransID       string     `json:"trans_id,omitempty"`
	Error         string     `json:"error,omitempty"`
	LatencyMS     int64      `json:"latency_ms"`
	CreatedAt     time.Time  `json:"created_at"`
	CompletedAt   *time.Time `json:"completed_at,omitempty"`
}

// OperationRef names the bank call an operation request produced, e.g. a
// refund that went to the bank as a same-day void.
type OperationRef struct {
	Requested     string `json:"requested"`      // capture, cancel, refund, sync
	BankOperation string `json:"bank_operation"` // sale, preauth, capture, void, refund, status
	TransactionID string `json:"transaction_id"`
	Status        string `json:"status"`
	Amount        int64  `json:"amount"`
}

func maskedFrom(bin, last4 string) string {
	if bin == "" {
		return ""
	}
	b := bin
	if len(b) > 6 {
		b = b[:6]
	}
	return b + "******" + last4
}

// NewView renders a payment and (optionally) its timeline.
func NewView(p *store.Payment, txs []*store.Transaction) *View {
	v := &View{
		ID: p.ID, Object: "payment", Mode: p.Mode, Status: p.Status, Amount: p.Amount, Currency: p.Currency,
		Capture: p.Capture, Installments: p.Installments, AmountAuthorized: p.AuthorizedAmount,
		AmountCaptured: p.CapturedAmount, AmountRefunded: p.RefundedAmount, OrderID: p.OrderID,
		BankOrderID: p.BankOrderID, Description: p.Description,
		Card:     CardView{BIN: p.CardBIN, Last4: p.CardLast4, Masked: maskedFrom(p.CardBIN, p.CardLast4), Brand: p.CardBrand, Holder: p.CardHolder},
		Customer: CustomerView{Email: p.CustomerEmail, IP: p.CustomerIP},
		POSID:    p.POSID, RoutingReason: p.RoutingReason, CheckoutSessionID: p.CheckoutSessionID,
		Bank: BankView{Code: p.BankCode, Message: p.BankMessage, DeclineReason: p.DeclineReason,
			AuthCode: p.AuthCode, HostRef: p.HostRef, TransID: p.TransID},
		CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
	}
	if p.ThreeDModel != "" {
		v.ThreeD = &ThreeDView{Model: p.ThreeDModel, MDStatus: p.MDStatus, Meaning: mdStatusMeaning[p.MDStatus]}
	}
	for _, t := range txs {
		tv := TxView{ID: t.ID, Kind: t.Kind, Status: t.Status, Amount: t.Amount, Currency: t.Currency,
			BankCode: t.BankCode, BankErrorCode: t.BankErrorCode, BankMessage: t.BankMessage,
			DeclineReason: t.DeclineReason, AuthCode: t.AuthCode, HostRef: t.HostRef, TransID: t.TransID,
			Error: t.Error, LatencyMS: t.LatencyMS, CreatedAt: t.CreatedAt}
		if !t.CompletedAt.IsZero() {
			c := t.CompletedAt
			tv.CompletedAt = &c
		}
		v.Transactions = append(v.Transactions, tv)
	}
	return v
}
