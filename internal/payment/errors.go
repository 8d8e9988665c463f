package payment

import (
	"fmt"
	"net/http"
)

// Error is a client-facing error with a stable machine code. The API renders
// it as {"error": {"code", "message", "field"}} with Status.
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	// PaymentID names the payment an operation error is about.
	PaymentID string `json:"payment_id,omitempty"`
	// Bank details, when a bank declined an operation.
	BankCode    string `json:"bank_code,omitempty"`
	BankMessage string `json:"bank_message,omitempty"`
	Reason      string `json:"decline_reason,omitempty"`
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s (%s): %s", e.Code, e.Field, e.Message)
	}
	return e.Code + ": " + e.Message
}

func invalid(code, field, msg string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: code, Field: field, Message: msg}
}

func unprocessable(code, msg string) *Error {
	return &Error{Status: http.StatusUnprocessableEntity, Code: code, Message: msg}
}

func conflict(code, msg string) *Error {
	return &Error{Status: http.StatusConflict, Code: code, Message: msg}
}

// ErrNotFound is returned for a payment or POS that does not exist or belongs
// to another merchant: both look the same from outside.
var ErrNotFound = &Error{Status: http.StatusNotFound, Code: "resource_not_found", Message: "no such resource"}

func notFound(what string) *Error {
	return &Error{Status: http.StatusNotFound, Code: "resource_not_found", Message: "no such " + what}
}

func notSupported(op string) *Error {
	return &Error{Status: http.StatusUnprocessableEntity, Code: "operation_not_supported_by_pos",
		Message: "this POS's bank protocol does not support " + op}
}
