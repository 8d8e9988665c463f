package akbank

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/money"
)

// Akbank transaction codes (txnCode).
const (
	txnSale         = "1000"
	txnRefund       = "1002"
	txnCancel       = "1003"
	txnPreAuth      = "1004"
	txnPostAuth     = "1005"
	txnOrderHistory = "1010"
	txn3DSale       = "3000" // 3D gate form: sale
	txn3DPreAuth    = "3004" // 3D gate form: pre-authorisation
)

// apiVersion is the version field every request carries.
const apiVersion = "1.00"

const contentType = "application/json"

// bankZone is the bank's clock for requestDateTime and txnDateTime. Turkey
// has been on fixed UTC+3 since 2016, so no tz database is needed.
var bankZone = time.FixedZone("TRT", 3*60*60)

// dateTimeLayout is requestDateTime's format; the bank wants milliseconds
// and Akbank's reference client always sends ".000".
const dateTimeLayout = "2006-01-02T15:04:05.000"

// now is the adapter's clock, replaced in tests.
var now = time.Now

// request is the JSON body of every API call. Field order follows the
// bank's documentation; omitempty leaves out the blocks an operation does
// not use (a refund without transaction would refund everything).
type request struct {
	Terminal          terminal           `json:"terminal"`
	SubMerchant       *subMerchant       `json:"subMerchant,omitempty"`
	Version           string             `json:"version"`
	TxnCode           string             `json:"txnCode"`
	RequestDateTime   string             `json:"requestDateTime"`
	RandomNumber      string             `json:"randomNumber"`
	Card              *cardData          `json:"card,omitempty"`
	Order             orderRef           `json:"order"`
	Transaction       *transaction       `json:"transaction,omitempty"`
	SecureTransaction *secureTransaction `json:"secureTransaction,omitempty"`
	Customer          *customerData      `json:"customer,omitempty"`
}

type terminal struct {
	MerchantSafeID string `json:"merchantSafeId"`
	TerminalSafeID string `json:"terminalSafeId"`
}

type subMerchant struct {
	SubMerchantID string `json:"subMerchantId"`
}

type cardData struct {
	CardNumber string `json:"cardNumber"`
	CVV2       string `json:"cvv2"`
	ExpireDate string `json:"expireDate"`
}

type orderRef struct {
	OrderID string `json:"orderId"`
}

// transaction carries the money. currencyCode and installCount are JSON
// numbers on the wire; the amount is a string.
type transaction struct {
	Amount       string `json:"amount"`
	CurrencyCode int    `json:"currencyCode"`
	MotoInd      *int   `json:"motoInd,omitempty"`
	InstallCount int    `json:"installCount,omitempty"`
}

type secureTransaction struct {
	SecureID      string `json:"secureId"`
	SecureEcomInd string `json:"secureEcomInd"`
	SecureData    string `json:"secureData"`
	SecureMd      string `json:"secureMd"`
}

type customerData struct {
	IPAddress string `json:"ipAddress"`
}

func newRequest(txnCode, merchantSafeID, terminalSafeID, orderID string) *request {
	return &request{
		Terminal:        terminal{MerchantSafeID: merchantSafeID, TerminalSafeID: terminalSafeID},
		Version:         apiVersion,
		TxnCode:         txnCode,
		RequestDateTime: FormatDateTime(now()),
		RandomNumber:    newRandomNumber(),
		Order:           orderRef{OrderID: orderID},
	}
}

// encode renders the body; the auth-hash is computed over exactly these bytes.
func (r *request) encode() ([]byte, error) { return json.Marshal(r) }

// payment is the transaction block of a sale or pre-authorisation: motoInd
// 0 (an e-commerce, not a mail/telephone order) and the installment count.
func payment(a money.Amount, installments int) *transaction {
	moto := 0
	return &transaction{
		Amount:       FormatAmount(a),
		CurrencyCode: currencyCode(a.Currency),
		MotoInd:      &moto,
		InstallCount: FormatInstallments(installments),
	}
}

func customer(ip string) *customerData {
	if ip == "" {
		return nil
	}
	return &customerData{IPAddress: ip}
}

// FormatAmount renders an amount as Akbank wants it: a dot and the
// currency's two decimals ("1.01", "1000.00"). Never formatted from a float.
func FormatAmount(a money.Amount) string { return a.Decimal() }

// currencyCode is the ISO 4217 number sent as a JSON number (949).
func currencyCode(c money.Currency) int {
	n, _ := strconv.Atoi(c.Numeric) // descriptor currencies all have one
	return n
}

// FormatInstallments renders installCount: 1 for a single payment (0 or 1),
// otherwise the count.
func FormatInstallments(n int) int { return max(n, 1) }

// FormatExpiry renders expireDate (API) and expiredDate (3D form) as MMYY.
func FormatExpiry(e card.Expiry) string { return e.MM() + e.YY() }

// FormatDateTime renders requestDateTime in the bank's time zone.
func FormatDateTime(t time.Time) string { return t.In(bankZone).Format(dateTimeLayout) }

// newRandomNumber is the 128-hex-digit nonce every request and 3D form
// carries, upper case as in Akbank's examples.
func newRandomNumber() string {
	b := make([]byte, 64)
	rand.Read(b)
	return strings.ToUpper(hex.EncodeToString(b))
}
