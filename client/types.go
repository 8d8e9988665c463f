package client

import "time"

// PaymentRequest is the body of CreatePayment.
type PaymentRequest struct {
	Amount       int64    `json:"amount"` // minor units: 12550 = 125,50 TL
	Currency     string   `json:"currency"`
	Capture      *bool    `json:"capture,omitempty"` // nil or true: sale; false: pre-authorisation
	Installments int      `json:"installments,omitempty"`
	OrderID      string   `json:"order_id,omitempty"`
	Description  string   `json:"description,omitempty"`
	Card         *Card    `json:"card,omitempty"`
	Customer     Customer `json:"customer,omitempty"`
	POSID        string   `json:"pos_id,omitempty"`
	// ThreeD is "3d", "3d_pay", "3d_host" or "none"; empty uses the POS default.
	ThreeD    string `json:"three_d,omitempty"`
	ReturnURL string `json:"return_url,omitempty"`
}

// Card is the card as entered. Kasa never stores it.
type Card struct {
	Number      string `json:"number"`
	ExpiryMonth int    `json:"expiry_month"`
	ExpiryYear  int    `json:"expiry_year"`
	CVV         string `json:"cvv"`
	Holder      string `json:"holder,omitempty"`
}

// Customer is the buyer.
type Customer struct {
	Email string `json:"email,omitempty"`
	IP    string `json:"ip,omitempty"`
}

// Payment statuses.
const (
	StatusSucceeded         = "succeeded"
	StatusAuthorized        = "authorized"
	StatusDeclined          = "declined"
	StatusFailed            = "failed"
	StatusUnknown           = "unknown"
	StatusProcessing        = "processing"
	StatusCanceled          = "canceled"
	StatusRefunded          = "refunded"
	StatusPartiallyRefunded = "partially_refunded"
)

// Payment is a payment as Kasa reports it.
type Payment struct {
	ID               string `json:"id"`
	Mode             string `json:"mode"`
	Status           string `json:"status"`
	Amount           int64  `json:"amount"`
	Currency         string `json:"currency"`
	Capture          bool   `json:"capture"`
	Installments     int    `json:"installments"`
	AmountAuthorized int64  `json:"amount_authorized"`
	AmountCaptured   int64  `json:"amount_captured"`
	AmountRefunded   int64  `json:"amount_refunded"`
	OrderID          string `json:"order_id"`
	BankOrderID      string `json:"bank_order_id"`
	Description      string `json:"description"`
	Card             struct {
		BIN    string `json:"bin"`
		Last4  string `json:"last4"`
		Masked string `json:"masked"`
		Brand  string `json:"brand"`
		Holder string `json:"holder"`
	} `json:"card"`
	POSID         string `json:"pos_id"`
	RoutingReason string `json:"routing_reason"`
	Bank          struct {
		Code          string `json:"code"`
		Message       string `json:"message"`
		DeclineReason string `json:"decline_reason"`
		AuthCode      string `json:"auth_code"`
		HostRef       string `json:"host_ref"`
		TransID       string `json:"trans_id"`
	} `json:"bank"`
	ThreeD *struct {
		Model    string `json:"model"`
		MDStatus string `json:"md_status"`
		Meaning  string `json:"md_status_meaning"`
	} `json:"three_d"`
	NextAction *struct {
		Type        string `json:"type"`
		RedirectURL string `json:"redirect_url"`
	} `json:"next_action"`
	Transactions  []Transaction `json:"transactions"`
	LastOperation *struct {
		Requested     string `json:"requested"`
		BankOperation string `json:"bank_operation"`
		TransactionID string `json:"transaction_id"`
		Status        string `json:"status"`
		Amount        int64  `json:"amount"`
	} `json:"last_operation"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`

	// CheckoutSessionID is set for payments made on Kasa's checkout page.
	CheckoutSessionID string `json:"checkout_session_id"`
}

// Transaction is one bank call in a payment's timeline.
type Transaction struct {
	ID            string    `json:"id"`
	Kind          string    `json:"kind"`
	Status        string    `json:"status"`
	Amount        int64     `json:"amount"`
	BankCode      string    `json:"bank_code"`
	BankMessage   string    `json:"bank_message"`
	DeclineReason string    `json:"decline_reason"`
	Error         string    `json:"error"`
	LatencyMS     int64     `json:"latency_ms"`
	CreatedAt     time.Time `json:"created_at"`
}

// POSRequest creates or patches a POS. On patch, nil/empty fields stay.
type POSRequest struct {
	Protocol    string            `json:"protocol,omitempty"`
	Bank        string            `json:"bank,omitempty"`
	Name        string            `json:"name,omitempty"`
	Environment string            `json:"environment,omitempty"`
	Preset      string            `json:"preset,omitempty"`
	Endpoints   *Endpoints        `json:"endpoints,omitempty"`
	Credentials map[string]string `json:"credentials,omitempty"`
	Currencies  []string          `json:"currencies,omitempty"`
	BatchCutoff string            `json:"batch_cutoff,omitempty"`
	ThreeDModel string            `json:"three_d_model,omitempty"`
	// AllowAttempted3D accepts half-secure 3D results.
	AllowAttempted3D *bool `json:"allow_attempted_3d,omitempty"`
	// Routing replaces the POS's routing configuration.
	Routing  *Routing `json:"routing,omitempty"`
	Enabled  *bool    `json:"enabled,omitempty"`
	Priority *int     `json:"priority,omitempty"`
}

// Endpoints are a POS's bank URLs.
type Endpoints struct {
	API        string `json:"api"`
	ThreeDGate string `json:"three_d_gate,omitempty"`
}

// POS is a virtual POS; Credentials only says which are "set".
type POS struct {
	ID               string            `json:"id"`
	Mode             string            `json:"mode"`
	Protocol         string            `json:"protocol"`
	Bank             string            `json:"bank"`
	Name             string            `json:"name"`
	Environment      string            `json:"environment"`
	Endpoints        Endpoints         `json:"endpoints"`
	Credentials      map[string]string `json:"credentials"`
	Currencies       []string          `json:"currencies"`
	BatchCutoff      string            `json:"batch_cutoff"`
	ThreeDModel      string            `json:"three_d_model"`
	AllowAttempted3D bool              `json:"allow_attempted_3d"`
	Enabled          bool              `json:"enabled"`
	Priority         int               `json:"priority"`
}

// CheckoutSessionRequest opens a hosted checkout session.
type CheckoutSessionRequest struct {
	Amount      int64  `json:"amount"`
	Currency    string `json:"currency"`
	OrderID     string `json:"order_id,omitempty"`
	Description string `json:"description,omitempty"`
	// ReturnURL is where the customer goes after paying; its host must be
	// one of the merchant's return domains.
	ReturnURL    string `json:"return_url"`
	Capture      *bool  `json:"capture,omitempty"`
	Installments []int  `json:"installments,omitempty"` // counts offered besides a single payment (TRY)
	POSID        string `json:"pos_id,omitempty"`
	ThreeD       string `json:"three_d,omitempty"`
}

// Checkout session statuses.
const (
	CheckoutOpen     = "open"
	CheckoutComplete = "complete"
	CheckoutExpired  = "expired"
)

// CheckoutSession is a hosted checkout session; send the customer to URL.
type CheckoutSession struct {
	ID           string    `json:"id"`
	Mode         string    `json:"mode"`
	URL          string    `json:"url"`
	Status       string    `json:"status"`
	Amount       int64     `json:"amount"`
	Currency     string    `json:"currency"`
	OrderID      string    `json:"order_id"`
	Description  string    `json:"description"`
	ReturnURL    string    `json:"return_url"`
	Capture      bool      `json:"capture"`
	Installments []int     `json:"installments"`
	POSID        string    `json:"pos_id"`
	ThreeD       string    `json:"three_d"`
	PaymentLink  string    `json:"payment_link"`
	PaymentID    string    `json:"payment_id"` // the latest attempt; "" before the first
	ExpiresAt    time.Time `json:"expires_at"`
	CreatedAt    time.Time `json:"created_at"`
}

// PaymentLinkRequest creates a payment link.
type PaymentLinkRequest struct {
	Amount       int64      `json:"amount"`
	Currency     string     `json:"currency"`
	Description  string     `json:"description"`
	SingleUse    bool       `json:"single_use,omitempty"`
	ExpiresAt    *time.Time `json:"expires_at,omitempty"`
	ReturnURL    string     `json:"return_url,omitempty"` // empty: Kasa's receipt page
	Installments []int      `json:"installments,omitempty"`
}

// PaymentLink is a URL that opens a checkout session on every visit.
type PaymentLink struct {
	ID           string     `json:"id"`
	Mode         string     `json:"mode"`
	URL          string     `json:"url"`
	Active       bool       `json:"active"`
	Amount       int64      `json:"amount"`
	Currency     string     `json:"currency"`
	Description  string     `json:"description"`
	SingleUse    bool       `json:"single_use"`
	ReturnURL    string     `json:"return_url"`
	Installments []int      `json:"installments"`
	ExpiresAt    *time.Time `json:"expires_at"`
	CreatedAt    time.Time  `json:"created_at"`
}

// PaymentLinkList is one page of links; pass NextCursor to get the next.
type PaymentLinkList struct {
	Data       []*PaymentLink `json:"data"`
	HasMore    bool           `json:"has_more"`
	NextCursor string         `json:"next_cursor"`
}

// Routing is how the router treats a POS. Rates are basis points (175 =
// 1.75 %); map keys are instalment counts ("1" is a single payment).
type Routing struct {
	Weight           int              `json:"weight"`
	Programs         []string         `json:"programs,omitempty"`
	CommissionBPS    map[string]int64 `json:"commission_bps,omitempty"`
	InstallmentPlans []Plan           `json:"installment_plans,omitempty"`
}

// Plan is one installment offer of a POS.
type Plan struct {
	Name           string           `json:"name"`
	CountsBPS      map[string]int64 `json:"counts_bps"`
	Plus           map[string]int   `json:"plus,omitempty"`
	CustomerPays   bool             `json:"customer_pays"`
	Programs       []string         `json:"programs,omitempty"` // "*": any domestic card
	AllowDebit     bool             `json:"allow_debit,omitempty"`
	DenyCommercial bool             `json:"deny_commercial,omitempty"`
	MinAmount      int64            `json:"min_amount,omitempty"`
}
