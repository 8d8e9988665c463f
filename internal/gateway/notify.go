package gateway

import "net/url"

// Notifier is implemented by protocols whose trusted result does not come
// back with the customer's browser but server to server, as a signed
// notification the bank posts to a URL the merchant registered once in the
// bank's panel (PayTR's "Bildirim URL"). Kasa serves that URL at
// /notify/{pos_id}; the browser's own return carries nothing to trust and
// only waits for the notification to settle the payment.
//
// A notification is untrusted until verified: NotificationOrder only names
// the order so that Kasa can find the payment (and so the attempt, the
// amount and the currency it must match); verification then runs through
// the adapter's ThreeDVerifier.Verify3D with the notification as
// ThreeDCallback.Form, on the protocol's fixed list of signed fields.
type Notifier interface {
	// NotificationOrder extracts the bank order id from a notification,
	// before any verification. An error means the form is not a
	// notification of this protocol at all.
	NotificationOrder(form url.Values) (orderID string, err error)
	// NotificationReply is what the bank expects as the answer: ok when the
	// notification was processed (or was a harmless duplicate), so the bank
	// stops retrying; otherwise a reply that makes it try again later.
	NotificationReply(ok bool) (status int, contentType, body string)
}

// NotifyPath is where Kasa receives a POS's notifications, below its public
// base URL; the dashboard shows it to paste into the bank's panel.
func NotifyPath(posID string) string { return "/notify/" + posID }
