package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kasapos/kasa/internal/store"
)

// Webhook endpoints, deliveries and the delivery log (issue #5).

// Enabled state and the failure streak are marked fixed so that
// UpdateWebhookEndpoint (an API PATCH's read-modify-write) can never undo a
// concurrent disable or streak update by the dispatcher; they have their own
// single-statement writers.
var webhookEndpoints = newTable("webhook_endpoints", func(e *store.WebhookEndpoint) []field {
	return []field{
		{"id", &e.ID, true},
		{"merchant_id", &e.MerchantID, true},
		{"mode", &e.Mode, true},
		{"url", &e.URL, false},
		{"event_types", list{&e.EventTypes}, false},
		{"description", &e.Description, false},
		{"secret", blob{&e.Secret}, false},
		{"prev_secret", blob{&e.PrevSecret}, false},
		{"prev_secret_until", micros{&e.PrevSecretUntil}, false},
		{"enabled", &e.Enabled, true},
		{"disabled_reason", &e.DisabledReason, true},
		{"failure_count", &e.FailureCount, true},
		{"failing_since", micros{&e.FailingSince}, true},
		{"created_at", micros{&e.CreatedAt}, true},
		{"updated_at", micros{&e.UpdatedAt}, false},
	}
})

var webhookDeliveries = newTable("webhook_deliveries", func(d *store.WebhookDelivery) []field {
	return []field{
		{"id", &d.ID, true},
		{"event_id", &d.EventID, true},
		{"endpoint_id", &d.EndpointID, true},
		{"merchant_id", &d.MerchantID, true},
		{"mode", &d.Mode, true},
		{"event_type", &d.EventType, true},
		{"state", &d.State, false},
		{"manual", &d.Manual, false},
		{"attempts", &d.Attempts, false},
		{"next_attempt_at", micros{&d.NextAttemptAt}, false},
		{"claimed_until", micros{&d.ClaimedUntil}, false},
		{"claim_token", &d.ClaimToken, false},
		{"last_attempt_at", micros{&d.LastAttemptAt}, false},
		{"last_status", &d.LastStatus, false},
		{"last_error", &d.LastError, false},
		{"created_at", micros{&d.CreatedAt}, true},
		{"updated_at", micros{&d.UpdatedAt}, false},
	}
})

// webhook_attempts also has a hidden seq column (insertion order).
var webhookAttempts = newTable("webhook_attempts", func(a *store.WebhookAttempt) []field {
	return []field{
		{"id", &a.ID, true},
		{"delivery_id", &a.DeliveryID, true},
		{"endpoint_id", &a.EndpointID, true},
		{"attempt", &a.Attempt, true},
		{"manual", &a.Manual, true},
		{"started_at", micros{&a.StartedAt}, true},
		{"status", &a.Status, true},
		{"latency_ms", &a.LatencyMS, true},
		{"error", &a.Error, true},
		{"next_attempt_at", micros{&a.NextAttemptAt}, true},
	}
})

const endpointKey = "WHERE merchant_id = ? AND id = ?"

func (s *Store) CreateWebhookEndpoint(ctx context.Context, e *store.WebhookEndpoint) error {
	orNow(&e.CreatedAt, &e.UpdatedAt)
	_, err := insertRow(ctx, s.w, webhookEndpoints, e, "")
	return err
}

func (s *Store) GetWebhookEndpoint(ctx context.Context, merchantID, id string) (*store.WebhookEndpoint, error) {
	return selectOne(ctx, s.r, webhookEndpoints, endpointKey, merchantID, id)
}

func (s *Store) ListWebhookEndpoints(ctx context.Context, merchantID string, mode store.Mode) ([]*store.WebhookEndpoint, error) {
	return selectAll(ctx, s.r, webhookEndpoints, "WHERE merchant_id = ? AND mode = ? ORDER BY created_at, id",
		merchantID, string(mode))
}

func (s *Store) UpdateWebhookEndpoint(ctx context.Context, e *store.WebhookEndpoint) error {
	orNow(&e.UpdatedAt)
	return updateRow(ctx, s.w, webhookEndpoints, e, "merchant_id = ? AND id = ?", e.MerchantID, e.ID)
}

func (s *Store) SetWebhookEndpointEnabled(ctx context.Context, merchantID, id string, enabled bool, reason string, at time.Time) error {
	orNow(&at)
	return s.inTx(ctx, func(c conn) error {
		if enabled {
			return c.execOne(ctx, "enable webhook endpoint",
				"UPDATE webhook_endpoints SET enabled = ?, disabled_reason = '', failure_count = 0, failing_since = 0, "+
					"updated_at = ? "+endpointKey, true, at.UnixMicro(), merchantID, id)
		}
		if err := c.execOne(ctx, "disable webhook endpoint",
			"UPDATE webhook_endpoints SET enabled = ?, disabled_reason = ?, updated_at = ? "+endpointKey,
			false, reason, at.UnixMicro(), merchantID, id); err != nil {
			return err
		}
		// An attempt in flight keeps its lease and records its outcome;
		// RecordWebhookAttempt then sees the endpoint disabled.
		_, err := c.exec(ctx, "disable webhook deliveries",
			"UPDATE webhook_deliveries SET state = ?, updated_at = ? WHERE endpoint_id = ? AND state = ? AND claimed_until <= ?",
			store.DeliveryDisabled, at.UnixMicro(), id, store.DeliveryPending, at.UnixMicro())
		return err
	})
}

func (s *Store) DeleteWebhookEndpoint(ctx context.Context, merchantID, id string) error {
	return s.inTx(ctx, func(c conn) error {
		if _, err := selectOne(ctx, c, webhookEndpoints, endpointKey+c.d.LockSuffix, merchantID, id); err != nil {
			return err
		}
		for _, q := range []string{
			"DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE endpoint_id = ?)",
			"DELETE FROM webhook_deliveries WHERE endpoint_id = ?",
			"DELETE FROM webhook_endpoints WHERE id = ?",
		} {
			if _, err := c.exec(ctx, "delete webhook endpoint", q, id); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Store) GetEvent(ctx context.Context, merchantID, id string) (*store.Event, error) {
	return selectOne(ctx, s.r, events, "WHERE merchant_id = ? AND id = ?", merchantID, id)
}

// eventsChunk is how many ids one GetEvents query reads.
const eventsChunk = 32

var getEventsRest = "WHERE merchant_id = ? AND id IN (" + marks(eventsChunk) + ")"

func (s *Store) GetEvents(ctx context.Context, merchantID string, ids []string) ([]*store.Event, error) {
	var out []*store.Event
	err := inChunks(ids, eventsChunk, merchantID, func(args []any, _ int) error {
		evs, err := selectAll(ctx, s.r, events, getEventsRest, args...)
		out = append(out, evs...)
		return err
	})
	return out, err
}

// marks is n comma-separated placeholders.
func marks(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// inChunks calls fn for each n ids in turn with the arguments of a statement
// whose first placeholder is lead and whose next n are ids: a short last
// chunk is padded with its last id, so one statement text (prepared once)
// serves any count. count is the chunk's real length.
func inChunks(ids []string, n int, lead any, fn func(args []any, count int) error) error {
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), n)]
		ids = ids[len(chunk):]
		args := make([]any, 0, 1+n)
		args = append(args, lead)
		for i := range n {
			args = append(args, chunk[min(i, len(chunk)-1)])
		}
		if err := fn(args, len(chunk)); err != nil {
			return err
		}
	}
	return nil
}

// FanOutEvents takes events in seq order. On PostgreSQL SKIP LOCKED lets
// several nodes fan out side by side without waiting on each other; the
// UNIQUE (event_id, endpoint_id) with ON CONFLICT DO NOTHING keeps a repeat
// (say, after a crash between insert and commit, which rolls both back
// anyway) from creating a second delivery.
func (s *Store) FanOutEvents(ctx context.Context, limit int, newID func() string) (int, error) {
	if limit <= 0 {
		limit = DefaultListLimit
	}
	// Every node polls every second: look on the read pool first, so that
	// an idle poll never takes SQLite's write lock.
	if found, err := s.exists(ctx, "SELECT 1 FROM events WHERE fanned_out = FALSE LIMIT 1"); err != nil || !found {
		return 0, err
	}
	n := 0
	err := s.inTx(ctx, func(c conn) error {
		evs, err := selectAll(ctx, c, events, "WHERE fanned_out = FALSE ORDER BY seq LIMIT ?"+skipLocked(c.d), limit)
		if err != nil {
			return err
		}
		// Endpoints are read once per merchant and mode in this batch.
		type tenant struct {
			merchant string
			mode     store.Mode
		}
		eps := map[tenant][]*store.WebhookEndpoint{}
		for _, ev := range evs {
			k := tenant{ev.MerchantID, ev.Mode}
			list, ok := eps[k]
			if !ok {
				if list, err = selectAll(ctx, c, webhookEndpoints, "WHERE merchant_id = ? AND mode = ? AND enabled = ?",
					ev.MerchantID, string(ev.Mode), true); err != nil {
					return err
				}
				eps[k] = list
			}
			for _, ep := range list {
				// An endpoint gets the events created after it: a new
				// endpoint is not flooded with a backlog a slow node left.
				if ep.CreatedAt.After(ev.CreatedAt) || !subscribed(ep.EventTypes, ev.Type) {
					continue
				}
				d := &store.WebhookDelivery{ID: newID(), EventID: ev.ID, EndpointID: ep.ID, MerchantID: ev.MerchantID,
					Mode: ev.Mode, EventType: ev.Type, State: store.DeliveryPending, NextAttemptAt: ev.CreatedAt}
				orNow(&d.CreatedAt, &d.UpdatedAt)
				if _, err := insertRow(ctx, c, webhookDeliveries, d, " ON CONFLICT (event_id, endpoint_id) DO NOTHING"); err != nil {
					return err
				}
			}
		}
		if err := markFannedOut(ctx, c, evs); err != nil {
			return err
		}
		n = len(evs)
		return nil
	})
	return n, err
}

// fanOutChunk is how many events one UPDATE marks as fanned out. Against
// one UPDATE an event, 200 events without endpoints hold SQLite's writer
// ~10 % less (BenchmarkFanOut).
const fanOutChunk = 50

var markFannedOutSQL = "UPDATE events SET fanned_out = ? WHERE id IN (" + marks(fanOutChunk) + ")"

// markFannedOut marks exactly the events read, by id: not a seq range,
// which on PostgreSQL could take in an event committed late with a lower
// seq that was not read, and whose deliveries would then never be made.
func markFannedOut(ctx context.Context, c conn, evs []*store.Event) error {
	ids := make([]string, len(evs))
	for i, ev := range evs {
		ids[i] = ev.ID
	}
	return inChunks(ids, fanOutChunk, true, func(args []any, count int) error {
		n, err := c.exec(ctx, "fan out events", markFannedOutSQL, args...)
		if err == nil && n != int64(count) {
			err = fmt.Errorf("sqlstore: fan out events: marked %d of %d", n, count)
		}
		return err
	})
}

func subscribed(types []string, typ string) bool {
	return slices.Contains(types, "*") || slices.Contains(types, typ)
}

// skipLocked is the row-lock clause of a work-queue SELECT: on PostgreSQL
// (the dialect with row locks) rows another transaction holds are skipped,
// not waited for; SQLite's IMMEDIATE transactions already serialise writers.
func skipLocked(d *Dialect) string {
	if d.LockSuffix == "" {
		return ""
	}
	return d.LockSuffix + " SKIP LOCKED"
}

// dueDeliveries selects pending deliveries due at ? whose lease (if any)
// ended by ?, of endpoints enabled = ?, in due order. The endpoint test is
// an EXISTS so that no planner drives the query from the endpoint's whole
// delivery history: webhook_deliveries_due holds the order, and a claim
// stops at its batch (WH1_ClaimUsesDueIndex).
const dueDeliveries = "WHERE state = '" + store.DeliveryPending + "' AND next_attempt_at <= ? AND claimed_until <= ? " +
	"AND EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.id = webhook_deliveries.endpoint_id AND e.enabled = ?) " +
	"ORDER BY next_attempt_at, id"

// ExplainClaimWebhookDeliveries is the plan of the claim's selection.
func (s *Store) ExplainClaimWebhookDeliveries(ctx context.Context) (string, error) {
	now := time.Now().UnixMicro()
	return s.explain(ctx, nil, "SELECT id FROM webhook_deliveries "+dueDeliveries+" LIMIT ?", now, now, true, 32)
}

// ClaimWebhookDeliveries is one UPDATE ... RETURNING over a sub-select, so
// the claim is atomic on both backends. On PostgreSQL the sub-select's FOR
// UPDATE SKIP LOCKED makes concurrent claimers take disjoint rows, and the
// lock re-checks the WHERE against the row's latest version, so a row another
// node claimed and committed meanwhile is not claimed again.
func (s *Store) ClaimWebhookDeliveries(ctx context.Context, now, until time.Time, token string, limit int) ([]*store.WebhookDelivery, error) {
	if limit <= 0 {
		limit = DefaultListLimit
	}
	if found, err := s.exists(ctx, "SELECT 1 FROM webhook_deliveries WHERE state = '"+store.DeliveryPending+
		"' AND next_attempt_at <= ? AND claimed_until <= ? LIMIT 1", now.UnixMicro(), now.UnixMicro()); err != nil || !found {
		return nil, err
	}
	t := webhookDeliveries
	q := "UPDATE webhook_deliveries SET claimed_until = ?, claim_token = ?, updated_at = ? WHERE id IN (" +
		"SELECT id FROM webhook_deliveries " + dueDeliveries + " LIMIT ?" + skipLocked(s.d) + ") RETURNING " + t.cols
	// Through the committers like every other write: on SQLite the claim
	// then shares a commit instead of taking the one connection between
	// two, and its statement is prepared once.
	var out []*store.WebhookDelivery
	err := s.inTx(ctx, func(c conn) error {
		out = nil // a batch that failed as a whole runs fn again
		rows, err := c.q.QueryContext(ctx, c.d.rebind(q), until.UnixMicro(), token, now.UnixMicro(),
			now.UnixMicro(), now.UnixMicro(), true, limit)
		if err != nil {
			return c.wrap("claim webhook deliveries", err)
		}
		defer rows.Close()
		for rows.Next() {
			v, dests := t.dests()
			if err := rows.Scan(dests...); err != nil {
				return c.wrap("claim webhook deliveries", err)
			}
			out = append(out, v)
		}
		return c.wrap("claim webhook deliveries", rows.Err())
	})
	if err != nil {
		return nil, err
	}
	// RETURNING gives no order; due order is what callers expect.
	slices.SortFunc(out, func(a, b *store.WebhookDelivery) int {
		if c := a.NextAttemptAt.Compare(b.NextAttemptAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

func (s *Store) RecordWebhookAttempt(ctx context.Context, d *store.WebhookDelivery, a *store.WebhookAttempt) (*store.WebhookEndpoint, error) {
	var ep *store.WebhookEndpoint
	err := s.inTx(ctx, func(c conn) error {
		if _, err := insertRow(ctx, c, webhookAttempts, a, ""); err != nil {
			return err
		}
		ok := a.Status >= 200 && a.Status < 300 && a.Error == ""
		at := a.StartedAt.UnixMicro()
		// A success on an endpoint with no streak to clear writes nothing.
		// Rewriting the row on every delivery made concurrent attempts to
		// one endpoint queue for its row lock on PostgreSQL (and left a
		// dead tuple each), and cost SQLite's writer a page per attempt.
		if _, err := c.exec(ctx, "webhook failure streak",
			"UPDATE webhook_endpoints SET failure_count = CASE WHEN ? THEN 0 ELSE failure_count + 1 END, "+
				"failing_since = CASE WHEN ? THEN 0 WHEN failing_since = 0 THEN ? ELSE failing_since END "+
				"WHERE id = ? AND NOT (? AND failure_count = 0 AND failing_since = 0)",
			ok, ok, at, a.EndpointID, ok); err != nil {
			return err
		}
		var err error
		if ep, err = selectOne(ctx, c, webhookEndpoints, "WHERE id = ?", a.EndpointID); err != nil {
			return err
		}
		if d.State == store.DeliveryPending && !ep.Enabled {
			d.State = store.DeliveryDisabled
		}
		d.ClaimedUntil, d.UpdatedAt = time.Time{}, now()
		token := d.ClaimToken
		d.ClaimToken = ""
		// Only the holder of the lease writes the outcome: after a resend
		// dropped the lease, the resend's state stands.
		_, err = c.exec(ctx, "record webhook attempt",
			"UPDATE webhook_deliveries SET state = ?, attempts = ?, next_attempt_at = ?, claimed_until = 0, claim_token = '', "+
				"last_attempt_at = ?, last_status = ?, last_error = ?, updated_at = ? WHERE id = ? AND claim_token = ?",
			d.State, int64(d.Attempts), micros{&d.NextAttemptAt}, micros{&d.LastAttemptAt}, int64(d.LastStatus),
			d.LastError, d.UpdatedAt.UnixMicro(), d.ID, token)
		return err
	})
	if err != nil {
		return nil, err
	}
	return ep, nil
}

func (s *Store) ResendWebhookEvent(ctx context.Context, ev *store.Event, endpointID, newID string, at time.Time) (*store.WebhookDelivery, error) {
	orNow(&at)
	var out *store.WebhookDelivery
	err := s.inTx(ctx, func(c conn) error {
		d := &store.WebhookDelivery{ID: newID, EventID: ev.ID, EndpointID: endpointID, MerchantID: ev.MerchantID,
			Mode: ev.Mode, EventType: ev.Type, State: store.DeliveryPending, Manual: true, NextAttemptAt: at,
			CreatedAt: at, UpdatedAt: at}
		n, err := insertRow(ctx, c, webhookDeliveries, d, " ON CONFLICT (event_id, endpoint_id) DO NOTHING")
		if err != nil {
			return err
		}
		if n == 0 {
			// A pending delivery keeps its retry schedule and lease, only
			// brought forward; a finished one gets one manual attempt.
			if err := c.execOne(ctx, "resend webhook",
				"UPDATE webhook_deliveries SET "+
					"manual = CASE WHEN state = ? THEN manual ELSE ? END, "+
					"claimed_until = CASE WHEN state = ? THEN claimed_until ELSE 0 END, "+
					"claim_token = CASE WHEN state = ? THEN claim_token ELSE '' END, "+
					"state = ?, next_attempt_at = ?, updated_at = ? WHERE event_id = ? AND endpoint_id = ?",
				store.DeliveryPending, true, store.DeliveryPending, store.DeliveryPending,
				store.DeliveryPending, at.UnixMicro(), at.UnixMicro(), ev.ID, endpointID); err != nil {
				return err
			}
		}
		out, err = selectOne(ctx, c, webhookDeliveries, "WHERE event_id = ? AND endpoint_id = ?", ev.ID, endpointID)
		return err
	})
	return out, err
}

func (s *Store) ListWebhookDeliveries(ctx context.Context, f store.WebhookDeliveryFilter) ([]*store.WebhookDelivery, error) {
	if f.MerchantID == "" || f.EndpointID == "" {
		return nil, errors.New("sqlstore: ListWebhookDeliveries needs MerchantID and EndpointID")
	}
	where := "WHERE endpoint_id = ? AND merchant_id = ?"
	args := []any{f.EndpointID, f.MerchantID}
	if !f.BeforeTime.IsZero() {
		t := f.BeforeTime.UnixMicro()
		where += " AND created_at <= ? AND (created_at < ? OR id < ?)"
		args = append(args, t, t, f.BeforeID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultListLimit
	}
	return selectAll(ctx, s.r, webhookDeliveries, where+" ORDER BY created_at DESC, id DESC LIMIT ?",
		append(args, min(limit, MaxListLimit))...)
}

func (s *Store) ListWebhookAttempts(ctx context.Context, deliveryIDs []string) ([]*store.WebhookAttempt, error) {
	if len(deliveryIDs) == 0 {
		return nil, nil
	}
	args := make([]any, len(deliveryIDs))
	for i, id := range deliveryIDs {
		args[i] = id
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(args)), ", ")
	return selectAll(ctx, s.r, webhookAttempts, "WHERE delivery_id IN ("+marks+") ORDER BY delivery_id, seq", args...)
}

// inTx runs fn in a transaction on the write pool (IMMEDIATE on SQLite).
func (s *Store) inTx(ctx context.Context, fn func(conn) error) error {
	if s.group != nil {
		return s.InTx(ctx, func(t store.Tx) error { return fn(t.(*tx).c) })
	}
	sqlTx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.w.wrap("begin", err)
	}
	if err := fn(conn{sqlTx, s.d}); err != nil {
		_ = sqlTx.Rollback() // fn's error is the one that matters
		return err
	}
	return s.w.wrap("commit", sqlTx.Commit())
}

// exists reports whether a query on the read pool returns a row.
func (s *Store) exists(ctx context.Context, query string, args ...any) (bool, error) {
	var one int
	err := s.r.q.QueryRowContext(ctx, s.d.rebind(query), args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, s.r.wrap("exists", err)
}
