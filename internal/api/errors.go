package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/kasapos/kasa/internal/payment"
	"github.com/kasapos/kasa/internal/store"
)

type errorBody struct {
	Error errorJSON `json:"error"`
}

type errorJSON struct {
	*payment.Error
	RequestID string `json:"request_id,omitempty"`
}

func apiError(status int, code, field, msg string) *payment.Error {
	return &payment.Error{Status: status, Code: code, Field: field, Message: msg}
}

// writeError renders any error in the one error shape. Errors that are not a
// *payment.Error are internal: logged with the request id, never shown.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var pe *payment.Error
	switch {
	case errors.As(err, &pe):
	case errors.Is(err, store.ErrNotFound):
		pe = apiError(http.StatusNotFound, "resource_not_found", "", "no such resource")
	default:
		s.log.Error("internal error", "request_id", requestID(r), "method", r.Method, "path", r.URL.Path, "err", err)
		pe = apiError(http.StatusInternalServerError, "internal_error", "", "an internal error occurred; quote the request_id to support")
	}
	if pe.Status == http.StatusConflict && pe.Code == "idempotency_key_in_progress" {
		w.Header().Set("Retry-After", "1")
	}
	writeJSON(w, pe.Status, errorBody{errorJSON{pe, requestID(r)}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":{"code":"internal_error","message":"encoding failed"}}`)
	}
	writeRaw(w, status, append(b, '\n'))
}

// writeRaw sends an already rendered JSON body (as writeJSON renders it).
func writeRaw(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}

func logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.Default()
	}
	return l
}
