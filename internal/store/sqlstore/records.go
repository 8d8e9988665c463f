package sqlstore

import "github.com/kasapos/kasa/internal/store"

// Column lists, one per table. The order here is the SELECT and INSERT order.

var merchants = newTable("merchants", func(m *store.Merchant) []field {
	return []field{
		{"id", &m.ID, true},
		{"name", &m.Name, false},
		{"return_domains", list{&m.ReturnDomains}, false},
		{"created_at", micros{&m.CreatedAt}, true},
	}
})

var apiKeys = newTable("api_keys", func(k *store.APIKey) []field {
	return []field{
		{"id", &k.ID, true},
		{"merchant_id", &k.MerchantID, true},
		{"mode", &k.Mode, true},
		{"prefix", &k.Prefix, true},
		{"hash", blob{&k.Hash}, true},
		{"created_at", micros{&k.CreatedAt}, true},
		{"revoked_at", micros{&k.RevokedAt}, false},
	}
})

var posTable = newTable("pos", func(p *store.POS) []field {
	return []field{
		{"id", &p.ID, true},
		{"merchant_id", &p.MerchantID, true},
		// Fixed: a test POS must never become reachable with live keys.
		{"mode", &p.Mode, true},
		{"protocol", &p.Protocol, false},
		{"bank", &p.Bank, false},
		{"name", &p.Name, false},
		{"environment", &p.Environment, false},
		{"api_url", &p.APIURL, false},
		{"three_d_url", &p.ThreeDURL, false},
		{"credentials", blob{&p.Credentials}, false},
		{"currencies", list{&p.Currencies}, false},
		{"batch_cutoff", &p.BatchCutoff, false},
		{"three_d_model", &p.ThreeDModel, false},
		{"allow_attempted_3d", &p.AllowAttempted3D, false},
		{"routing", blob{&p.Routing}, false},
		{"enabled", &p.Enabled, false},
		{"priority", &p.Priority, false},
		{"created_at", micros{&p.CreatedAt}, true},
		{"updated_at", micros{&p.UpdatedAt}, false},
	}
})

var payments = newTable("payments", func(p *store.Payment) []field {
	return []field{
		{"id", &p.ID, true},
		{"merchant_id", &p.MerchantID, true},
		{"mode", &p.Mode, true},
		{"pos_id", &p.POSID, false},
		// Fixed at creation, and indexed: leaving them out of the UPDATE
		// spares SQLite rewriting three index entries per state change.
		{"order_id", &p.OrderID, true},
		{"bank_order_id", &p.BankOrderID, true},
		{"status", &p.Status, false},
		{"amount", &p.Amount, false},
		{"currency", &p.Currency, false},
		{"installments", &p.Installments, false},
		{"capture", &p.Capture, false},
		{"authorized_amount", &p.AuthorizedAmount, false},
		{"captured_amount", &p.CapturedAmount, false},
		{"refunded_amount", &p.RefundedAmount, false},
		{"card_bin", &p.CardBIN, false},
		{"card_last4", &p.CardLast4, true},
		{"card_brand", &p.CardBrand, false},
		{"card_bank_code", &p.CardBankCode, false},
		{"card_bank_name", &p.CardBankName, false},
		{"card_type", &p.CardType, false},
		{"card_program", &p.CardProgram, false},
		{"card_commercial", &p.CardCommercial, false},
		{"installment_fee", &p.InstallmentFee, false},
		{"card_holder", &p.CardHolder, false},
		{"description", &p.Description, false},
		{"customer_email", &p.CustomerEmail, false},
		{"customer_ip", &p.CustomerIP, false},
		{"bank_code", &p.BankCode, false},
		{"bank_message", &p.BankMessage, false},
		{"decline_reason", &p.DeclineReason, false},
		{"auth_code", &p.AuthCode, false},
		{"host_ref", &p.HostRef, false},
		{"trans_id", &p.TransID, false},
		{"three_d_model", &p.ThreeDModel, false},
		{"md_status", &p.MDStatus, false},
		{"return_url", &p.ReturnURL, false},
		{"routing_reason", &p.RoutingReason, false},
		{"checkout_session_id", &p.CheckoutSessionID, true},
		{"payment_link_id", &p.PaymentLinkID, true},
		{"created_at", micros{&p.CreatedAt}, true},
		{"updated_at", micros{&p.UpdatedAt}, false},
	}
})

// transactions and events also have a hidden seq column (insertion order)
// that breaks created_at ties in timelines.
var transactions = newTable("transactions", func(t *store.Transaction) []field {
	return []field{
		{"id", &t.ID, true},
		{"payment_id", &t.PaymentID, true},
		{"merchant_id", &t.MerchantID, true},
		{"kind", &t.Kind, true},
		{"status", &t.Status, false},
		{"amount", &t.Amount, false},
		{"currency", &t.Currency, false},
		{"bank_code", &t.BankCode, false},
		{"bank_error_code", &t.BankErrorCode, false},
		{"bank_message", &t.BankMessage, false},
		{"decline_reason", &t.DeclineReason, false},
		{"auth_code", &t.AuthCode, false},
		{"host_ref", &t.HostRef, false},
		{"trans_id", &t.TransID, false},
		{"error", &t.Error, false},
		{"latency_ms", &t.LatencyMS, false},
		{"created_at", micros{&t.CreatedAt}, true},
		{"completed_at", micros{&t.CompletedAt}, false},
	}
})

var events = newTable("events", func(e *store.Event) []field {
	return []field{
		{"id", &e.ID, true},
		{"merchant_id", &e.MerchantID, true},
		{"mode", &e.Mode, true},
		{"type", &e.Type, true},
		{"payment_id", &e.PaymentID, true},
		{"payload", blob{&e.Payload}, true},
		{"created_at", micros{&e.CreatedAt}, true},
	}
})

var idempotency = newTable("idempotency_keys", func(r *store.Idempotency) []field {
	return []field{
		{"merchant_id", &r.MerchantID, true},
		{"idem_key", &r.Key, true},
		{"fingerprint", &r.Fingerprint, true},
		{"state", &r.State, false},
		{"response_status", &r.ResponseStatus, false},
		{"response_body", blob{&r.ResponseBody}, false},
		{"resource_id", &r.ResourceID, false},
		{"created_at", micros{&r.CreatedAt}, true},
		{"updated_at", micros{&r.UpdatedAt}, false},
	}
})

var vault = newTable("card_vault", func(e *store.VaultEntry) []field {
	return []field{
		{"payment_id", &e.PaymentID, true},
		{"sealed", blob{&e.Sealed}, false},
		{"expires_at", micros{&e.ExpiresAt}, false},
	}
})

// Only status, payment_id and updated_at of a session change: what is being
// paid for is fixed when the session is created.
var checkoutSessions = newTable("checkout_sessions", func(c *store.CheckoutSession) []field {
	return []field{
		{"id", &c.ID, true},
		{"merchant_id", &c.MerchantID, true},
		{"mode", &c.Mode, true},
		{"payment_link_id", &c.PaymentLinkID, true},
		{"status", &c.Status, false},
		{"amount", &c.Amount, true},
		{"currency", &c.Currency, true},
		{"order_id", &c.OrderID, true},
		{"description", &c.Description, true},
		{"return_url", &c.ReturnURL, true},
		{"capture", &c.Capture, true},
		{"installments", intList{&c.Installments}, true},
		{"pos_id", &c.POSID, true},
		{"three_d", &c.ThreeD, true},
		{"payment_id", &c.PaymentID, false},
		{"expires_at", micros{&c.ExpiresAt}, true},
		{"created_at", micros{&c.CreatedAt}, true},
		{"updated_at", micros{&c.UpdatedAt}, false},
	}
})

// A link's terms are fixed; only whether it is active changes.
var paymentLinks = newTable("payment_links", func(l *store.PaymentLink) []field {
	return []field{
		{"id", &l.ID, true},
		{"merchant_id", &l.MerchantID, true},
		{"mode", &l.Mode, true},
		{"amount", &l.Amount, true},
		{"currency", &l.Currency, true},
		{"description", &l.Description, true},
		{"single_use", &l.SingleUse, true},
		{"active", &l.Active, false},
		{"return_url", &l.ReturnURL, true},
		{"installments", intList{&l.Installments}, true},
		{"expires_at", micros{&l.ExpiresAt}, true},
		{"created_at", micros{&l.CreatedAt}, true},
		{"updated_at", micros{&l.UpdatedAt}, false},
	}
})

var bins = newTable("bins", func(b *store.BINRow) []field {
	return []field{
		{"prefix", &b.Prefix, true},
		{"bank_code", &b.BankCode, false},
		{"bank_name", &b.BankName, false},
		{"brand", &b.Brand, false},
		{"card_type", &b.Type, false},
		{"commercial", &b.Commercial, false},
		{"program", &b.Program, false},
	}
})
