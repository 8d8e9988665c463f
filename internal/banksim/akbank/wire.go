package akbanksim

import (
	"encoding/json"
	"time"
)

// apiRequest is what transaction/process accepts. Numbers stay json.Number
// so that a malformed value is refused rather than coerced.
type apiRequest struct {
	Terminal struct {
		MerchantSafeID string `json:"merchantSafeId"`
		TerminalSafeID string `json:"terminalSafeId"`
	} `json:"terminal"`
	Version         string `json:"version"`
	TxnCode         string `json:"txnCode"`
	RequestDateTime string `json:"requestDateTime"`
	RandomNumber    string `json:"randomNumber"`
	Card            *struct {
		CardNumber string `json:"cardNumber"`
		CVV2       string `json:"cvv2"`
		ExpireDate string `json:"expireDate"`
	} `json:"card"`
	Order struct {
		OrderID string `json:"orderId"`
	} `json:"order"`
	Transaction *struct {
		Amount       string      `json:"amount"`
		CurrencyCode json.Number `json:"currencyCode"`
		MotoInd      json.Number `json:"motoInd"`
		InstallCount json.Number `json:"installCount"`
	} `json:"transaction"`
	SecureTransaction *struct {
		SecureID      string `json:"secureId"`
		SecureEcomInd string `json:"secureEcomInd"`
		SecureData    string `json:"secureData"`
		SecureMd      string `json:"secureMd"`
	} `json:"secureTransaction"`
	Customer *struct {
		IPAddress string `json:"ipAddress"`
	} `json:"customer"`
}

// Operation names, also used to target faults.
const (
	OpSale         = "Sale"
	OpPreAuth      = "PreAuth"
	OpPostAuth     = "PostAuth"
	OpRefund       = "Refund"
	OpCancel       = "Cancel"
	OpOrderHistory = "OrderHistory"
	Op3DProvision  = "3DProvision" // 1000/1004 with secureTransaction
	OpInvalid      = "invalid"
)

func (r *apiRequest) op() string {
	switch r.TxnCode {
	case "1000", "1004":
		if r.SecureTransaction != nil {
			return Op3DProvision
		}
		if r.TxnCode == "1000" {
			return OpSale
		}
		return OpPreAuth
	case "1005":
		return OpPostAuth
	case "1002":
		return OpRefund
	case "1003":
		return OpCancel
	case "1010":
		return OpOrderHistory
	}
	return OpInvalid
}

// reply is an API answer, in the shape of the bank's.
type reply struct {
	TxnCode          string        `json:"txnCode"`
	ResponseCode     string        `json:"responseCode"`
	ResponseMessage  string        `json:"responseMessage"`
	HostResponseCode string        `json:"hostResponseCode,omitempty"`
	HostMessage      string        `json:"hostMessage,omitempty"`
	TxnDateTime      string        `json:"txnDateTime"`
	Terminal         terminalReply `json:"terminal"`
	Order            *orderReply   `json:"order,omitempty"`
	Transaction      *txnReply     `json:"transaction,omitempty"`
	TxnDetailList    []detail      `json:"txnDetailList,omitempty"`
}

type terminalReply struct {
	MerchantSafeID string `json:"merchantSafeId"`
	TerminalSafeID string `json:"terminalSafeId"`
}

type orderReply struct {
	OrderID string `json:"orderId"`
}

// txnReply: rrn is a string, batchNumber and stan numbers, as the bank sends.
type txnReply struct {
	AuthCode    string `json:"authCode,omitempty"`
	RRN         string `json:"rrn"`
	BatchNumber int    `json:"batchNumber"`
	Stan        int    `json:"stan"`
}

// detail is one txnDetailList record; amounts and codes are JSON numbers.
type detail struct {
	TxnCode            string      `json:"txnCode"`
	ResponseCode       string      `json:"responseCode"`
	ResponseMessage    string      `json:"responseMessage"`
	HostResponseCode   string      `json:"hostResponseCode,omitempty"`
	HostMessage        string      `json:"hostMessage,omitempty"`
	TxnStatus          string      `json:"txnStatus"`
	PreAuthStatus      string      `json:"preAuthStatus,omitempty"`
	PreAuthCloseAmount json.Number `json:"preAuthCloseAmount,omitempty"`
	PreAuthCloseDate   string      `json:"preAuthCloseDate,omitempty"`
	Amount             json.Number `json:"amount"`
	CurrencyCode       json.Number `json:"currencyCode"`
	InstallCount       int         `json:"installCount"`
	OrderID            string      `json:"orderId"`
	OrgOrderID         string      `json:"orgOrderId"`
	AuthCode           string      `json:"authCode,omitempty"`
	RRN                string      `json:"rrn,omitempty"`
	MaskedCardNumber   string      `json:"maskedCardNumber"`
	BatchNumber        int         `json:"batchNumber,omitempty"`
	TxnDateTime        string      `json:"txnDateTime"`
}

func (r reply) encode() []byte {
	b, _ := json.Marshal(r) // plain structs: cannot fail
	return b
}

// bankZone is the host's local time (Turkey, UTC+3 all year since 2016).
var bankZone = time.FixedZone("TRT", 3*60*60)

const dateTimeLayout = "2006-01-02T15:04:05.000"

func bankTime(t time.Time) string { return t.In(bankZone).Format(dateTimeLayout) }
