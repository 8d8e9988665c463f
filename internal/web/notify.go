package web

import (
	"errors"
	"net/http"

	"github.com/kasapos/kasa/internal/payment"
)

// maxNotification bounds a bank notification's body; PayTR's are a few
// hundred bytes.
const maxNotification = 64 << 10

// notify receives a bank's server-to-server notification for a POS
// (POST /notify/{pos_id}) and answers what the bank expects: PayTR's
// plain "OK" once the notification is verified and processed, anything
// else to make the bank try again. Like the 3-D callbacks it needs no
// session or CSRF token: the adapter's hash verification authenticates it.
func (s *Server) notify(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxNotification)
	if err := r.ParseForm(); err != nil {
		plain(w, http.StatusBadRequest, "text/plain; charset=utf-8", "bad form")
		return
	}
	rep, err := s.svc.Notify(r.Context(), r.PathValue("pos_id"), r.PostForm)
	if err == nil {
		plain(w, rep.Status, rep.ContentType, rep.Body)
		return
	}
	status, ct, body := http.StatusInternalServerError, "text/plain; charset=utf-8", "notification failed"
	if rep != nil {
		ct, body = rep.ContentType, rep.Body
	}
	var pe *payment.Error
	if errors.As(err, &pe) {
		status = pe.Status
	} else {
		s.log.Error("notification error", "path", r.URL.Path, "err", err)
	}
	plain(w, status, ct, body)
}

func plain(w http.ResponseWriter, status int, contentType, body string) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write([]byte(body)) //nolint:errcheck // the bank retries on any failure
}

// return3D is the browser's GET return from a bank whose trusted result
// arrives by notification (PayTR's merchant_ok_url / merchant_fail_url).
// It carries nothing signed, so it settles nothing: it waits briefly for
// the notification to do so, then sends the browser to the merchant's
// return URL with the payment's status as it then stands.
func (s *Server) return3D(w http.ResponseWriter, r *http.Request) {
	to, err := s.svc.Await3D(r.Context(), r.PathValue("id"), payment.ReturnWait)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, to, http.StatusSeeOther)
}
