// Package sqlstore is the one SQL implementation of store.Store, shared by the
// SQLite and PostgreSQL backends. Queries are written once with "?"
// placeholders; a Dialect supplies what differs.
//
// Storage conventions: times are BIGINT unix microseconds (UTC), 0 meaning the
// zero time; string slices are comma-joined TEXT; byte slices are NOT NULL
// blobs, nil stored as empty.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kasapos/kasa/internal/store"
)

// Store implements store.Store over database/sql.
type Store struct {
	d        *Dialect
	db, read *sql.DB
	w, r     conn        // w: writes on db; r: reads outside transactions on read
	group    *committers // group commit (group.go); nil: one commit per InTx
	onEvents atomic.Pointer[func()]
	steps    atomic.Int32 // InsertIntent and RecordOutcome calls under way (steps.go)
}

// OnEvents sets the function called after each commit that inserted outbox
// events (store.EventNotifier).
func (s *Store) OnEvents(fn func()) { s.onEvents.Store(&fn) }

// committed is called after a transaction commits.
func (s *Store) committed(t *tx) {
	if t.events {
		if fn := s.onEvents.Load(); fn != nil && *fn != nil {
			(*fn)()
		}
	}
}

var _ store.Store = (*Store)(nil)
var _ store.EventNotifier = (*Store)(nil)

// Open migrates the schema and returns a Store. Writes and transactions use
// db; reads outside transactions use read, which may be db itself (SQLite
// gives it a separate pool so readers never queue behind the single writer).
// The Store owns both pools: they are closed by Close, or by Open on error.
func Open(ctx context.Context, d Dialect, db, read *sql.DB) (*Store, error) {
	if read == nil {
		read = db
	}
	s := &Store{d: &d, db: db, read: read}
	s.w, s.r = newConns(s.d, db, read) // stmtcache.go
	if err := s.migrate(ctx); err != nil {
		return nil, errors.Join(err, s.Close())
	}
	if d.Committers > 0 {
		s.startCommitters(d.Committers)
	}
	if read != db {
		if err := read.PingContext(ctx); err != nil {
			return nil, errors.Join(fmt.Errorf("sqlstore: ping read pool: %w", err), s.Close())
		}
	}
	return s, nil
}

// OpenReplica returns a Store for reads from a read replica: no migrations
// (the primary applies them) and no writes (the replica refuses them).
func OpenReplica(ctx context.Context, d Dialect, db *sql.DB) (*Store, error) {
	s := &Store{d: &d, db: db, read: db}
	s.w, s.r = newConns(s.d, db, db)
	if err := db.PingContext(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("sqlstore: ping replica: %w", err), db.Close())
	}
	return s, nil
}

// Close closes the pools.
func (s *Store) Close() error {
	if s.group != nil {
		s.group.stop()
	}
	err := s.db.Close()
	if s.read != s.db {
		err = errors.Join(err, s.read.Close())
	}
	return err
}

// InTx runs fn in one transaction on the write pool: IMMEDIATE on SQLite
// (set by its DSN), READ COMMITTED plus LockPayment's row lock on PostgreSQL.
// fn's error or panic rolls back. fn must do its writes through the Tx: a
// Store write inside fn would wait for the write lock fn itself holds.
//
// With group commit (Dialect.Committers) fn shares its database transaction
// with concurrent calls and runs again if its batch fails as a whole
// (group.go); with or without it, fn runs again if the database aborts its
// transaction as a deadlock victim (Dialect.Transient). So fn must keep to
// the Tx and set, never accumulate, the caller's variables.
func (s *Store) InTx(ctx context.Context, fn func(store.Tx) error) error {
	if s.group != nil {
		return s.group.run(ctx, fn)
	}
	err, panicked := s.runTxRetrying(ctx, fn)
	if panicked != nil {
		panic(panicked)
	}
	return err
}

// write runs a single write outside any caller transaction: through the
// committers when group commit is on (it then shares their commit), else
// directly on the write pool.
func (s *Store) write(ctx context.Context, fn func(conn) error) error {
	if s.group == nil {
		return fn(s.w)
	}
	return s.InTx(ctx, func(t store.Tx) error { return fn(t.(*tx).c) })
}

// tx implements store.Tx.
type tx struct {
	c      conn
	events bool // an outbox event was inserted: see Store.committed
}

const paymentKey = "WHERE merchant_id = ? AND id = ?"

func (t *tx) InsertPayment(ctx context.Context, p *store.Payment) error {
	orNow(&p.CreatedAt, &p.UpdatedAt)
	_, err := insertRow(ctx, t.c, payments, p, "")
	return err
}

func (t *tx) LockPayment(ctx context.Context, merchantID, id string) (*store.Payment, error) {
	return selectOne(ctx, t.c, payments, paymentKey+t.c.d.LockSuffix, merchantID, id)
}

// UpdatePayment writes every column but the identity (id, merchant, mode,
// created_at) and what is fixed when a payment is made (order and bank
// order ids, card last four, checkout session); UpdatedAt is written as
// given, now if zero.
func (t *tx) UpdatePayment(ctx context.Context, p *store.Payment) error {
	orNow(&p.UpdatedAt)
	return updateRow(ctx, t.c, payments, p, "merchant_id = ? AND id = ?", p.MerchantID, p.ID)
}

func (t *tx) InsertTransaction(ctx context.Context, tr *store.Transaction) error {
	orNow(&tr.CreatedAt)
	_, err := insertRow(ctx, t.c, transactions, tr, "")
	return err
}

func (t *tx) UpdateTransaction(ctx context.Context, tr *store.Transaction) error {
	return updateRow(ctx, t.c, transactions, tr, "merchant_id = ? AND id = ?", tr.MerchantID, tr.ID)
}

func (t *tx) ListTransactions(ctx context.Context, paymentID string) ([]*store.Transaction, error) {
	return listTransactions(ctx, t.c, paymentID)
}

func (t *tx) InsertEvent(ctx context.Context, e *store.Event) error {
	orNow(&e.CreatedAt)
	_, err := insertRow(ctx, t.c, events, e, "")
	t.events = t.events || err == nil
	return err
}

func listTransactions(ctx context.Context, c conn, paymentID string) ([]*store.Transaction, error) {
	return selectAll(ctx, c, transactions, "WHERE payment_id = ? ORDER BY created_at, seq", paymentID)
}

// Merchants and API keys.

func (s *Store) CreateMerchant(ctx context.Context, m *store.Merchant) error {
	orNow(&m.CreatedAt)
	_, err := insertRow(ctx, s.w, merchants, m, "")
	return err
}

func (s *Store) GetMerchant(ctx context.Context, id string) (*store.Merchant, error) {
	return selectOne(ctx, s.r, merchants, "WHERE id = ?", id)
}

func (s *Store) UpdateMerchant(ctx context.Context, m *store.Merchant) error {
	return updateRow(ctx, s.w, merchants, m, "id = ?", m.ID)
}

func (s *Store) CreateAPIKey(ctx context.Context, k *store.APIKey) error {
	orNow(&k.CreatedAt)
	_, err := insertRow(ctx, s.w, apiKeys, k, "")
	return err
}

func (s *Store) APIKeyByHash(ctx context.Context, hash []byte) (*store.APIKey, error) {
	return selectOne(ctx, s.r, apiKeys, "WHERE hash = ? AND revoked_at = 0", hash)
}

func (s *Store) ListAPIKeys(ctx context.Context, merchantID string) ([]*store.APIKey, error) {
	return selectAll(ctx, s.r, apiKeys, "WHERE merchant_id = ? ORDER BY created_at, id", merchantID)
}

// RevokeAPIKey is idempotent: revoking a revoked key keeps the first time.
func (s *Store) RevokeAPIKey(ctx context.Context, merchantID, id string, at time.Time) error {
	orNow(&at)
	return s.w.execOne(ctx, "revoke api key",
		"UPDATE api_keys SET revoked_at = CASE WHEN revoked_at = 0 THEN ? ELSE revoked_at END "+
			"WHERE merchant_id = ? AND id = ?", at.UnixMicro(), merchantID, id)
}

// POS.

func (s *Store) CreatePOS(ctx context.Context, p *store.POS) error {
	orNow(&p.CreatedAt, &p.UpdatedAt)
	_, err := insertRow(ctx, s.w, posTable, p, "")
	return err
}

// UpdatePOS writes every column but id, merchant, mode and created_at;
// UpdatedAt is written as given, now if zero.
func (s *Store) UpdatePOS(ctx context.Context, p *store.POS) error {
	orNow(&p.UpdatedAt)
	return updateRow(ctx, s.w, posTable, p, "merchant_id = ? AND id = ?", p.MerchantID, p.ID)
}

func (s *Store) GetPOS(ctx context.Context, merchantID, id string) (*store.POS, error) {
	return selectOne(ctx, s.r, posTable, "WHERE merchant_id = ? AND id = ?", merchantID, id)
}

func (s *Store) ListPOS(ctx context.Context, merchantID string) ([]*store.POS, error) {
	return selectAll(ctx, s.r, posTable, "WHERE merchant_id = ? ORDER BY created_at, id", merchantID)
}

func (s *Store) AllPOS(ctx context.Context) ([]*store.POS, error) {
	return selectAll(ctx, s.r, posTable, "ORDER BY merchant_id, created_at, id")
}

// Payments.

func (s *Store) GetPayment(ctx context.Context, merchantID, id string) (*store.Payment, error) {
	return selectOne(ctx, s.r, payments, paymentKey, merchantID, id)
}

func (s *Store) PaymentByID(ctx context.Context, id string) (*store.Payment, error) {
	return selectOne(ctx, s.r, payments, "WHERE id = ?", id)
}

func (s *Store) POSByID(ctx context.Context, id string) (*store.POS, error) {
	return selectOne(ctx, s.r, posTable, "WHERE id = ?", id)
}

// PaymentByBankOrder uses the unique index on bank_order_id; an empty id
// matches nothing.
func (s *Store) PaymentByBankOrder(ctx context.Context, posID, bankOrderID string) (*store.Payment, error) {
	if bankOrderID == "" {
		return nil, store.ErrNotFound
	}
	return selectOne(ctx, s.r, payments, "WHERE bank_order_id = ? AND pos_id = ?", bankOrderID, posID)
}

// Page sizes of ListPayments.
const (
	DefaultListLimit = 100
	MaxListLimit     = 1000
)

// ListPayments pages newest first by the keyset (created_at, id). MerchantID
// and Mode are required so that tenants and test/live data never mix. The
// cursor applies when BeforeTime is set; Limit defaults to DefaultListLimit
// and is capped at MaxListLimit.
func (s *Store) ListPayments(ctx context.Context, f store.PaymentFilter) ([]*store.Payment, error) {
	rest, args, err := listPaymentsQuery(f)
	if err != nil {
		return nil, err
	}
	return selectAll(ctx, s.r, payments, rest, args...)
}

// ExplainListPayments is the plan the database picks for f's list query,
// one line per step. Tests hold every filter to an index with it (the list
// must stay fast at 10M payments). PostgreSQL plans by table statistics, and
// on a small table a sequential scan is cheapest, so it is priced out for
// this query: the plan shows which index PostgreSQL would use.
func (s *Store) ExplainListPayments(ctx context.Context, f store.PaymentFilter) (string, error) {
	rest, args, err := listPaymentsQuery(f)
	if err != nil {
		return "", err
	}
	return s.explain(ctx, nil, "SELECT "+payments.cols+" FROM payments "+rest, args...)
}

// explain is query's plan, one line per step, with sequential scans and
// the planner settings named in priceOut turned off on PostgreSQL (see
// ExplainListPayments).
func (s *Store) explain(ctx context.Context, priceOut []string, query string, args ...any) (string, error) {
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return "", s.r.wrap("explain", err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only; nothing to keep
	// SQLite's form first; PostgreSQL takes plain EXPLAIN.
	explain := "EXPLAIN QUERY PLAN "
	if s.d.NumberedPlaceholders {
		explain = "EXPLAIN "
		for _, set := range append([]string{"enable_seqscan"}, priceOut...) {
			if _, err := tx.ExecContext(ctx, "SET LOCAL "+set+" = off"); err != nil {
				return "", s.r.wrap("explain", err)
			}
		}
	}
	rows, err := tx.QueryContext(ctx, s.d.rebind(explain+query), args...)
	if err != nil {
		return "", s.r.wrap("explain", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", err
	}
	var plan strings.Builder
	for rows.Next() {
		// The step's text is the last column in both dialects.
		vals := make([]any, len(cols))
		for i := range vals {
			vals[i] = new(any)
		}
		if err := rows.Scan(vals...); err != nil {
			return "", err
		}
		fmt.Fprintf(&plan, "%s\n", *vals[len(vals)-1].(*any))
	}
	return plan.String(), rows.Err()
}

func listPaymentsQuery(f store.PaymentFilter) (string, []any, error) {
	if f.MerchantID == "" || f.Mode == "" {
		return "", nil, errors.New("sqlstore: ListPayments needs MerchantID and Mode")
	}
	where := []string{"merchant_id = ?", "mode = ?"}
	args := []any{f.MerchantID, string(f.Mode)}
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	for _, eq := range []struct{ col, val string }{
		{"status", f.Status}, {"order_id", f.OrderID}, {"card_last4", f.Last4}, {"pos_id", f.POSID},
		{"checkout_session_id", f.CheckoutSessionID},
	} {
		if eq.val != "" {
			add(eq.col+" = ?", eq.val)
		}
	}
	if f.CheckoutSessionID != "" {
		// The partial index's predicate, spelled out: a planner uses a
		// partial index only when the query implies it.
		add("checkout_session_id <> ''")
	}
	if f.PaymentLinkID != "" {
		add("payment_link_id = ? AND payment_link_id <> ''", f.PaymentLinkID) // the partial index's predicate, as above
	}
	if f.MinAmount > 0 {
		add("amount >= ?", f.MinAmount)
	}
	if f.MaxAmount > 0 {
		add("amount <= ?", f.MaxAmount)
	}
	if f.Bank != "" {
		add("pos_id IN (SELECT id FROM pos WHERE merchant_id = ? AND bank = ?)", f.MerchantID, f.Bank)
	}
	if !f.From.IsZero() {
		add("created_at >= ?", f.From.UnixMicro())
	}
	if !f.To.IsZero() {
		add("created_at < ?", f.To.UnixMicro())
	}
	if !f.BeforeTime.IsZero() {
		// (created_at, id) < (t, id) spelled so that both planners use the
		// index range on created_at.
		t := f.BeforeTime.UnixMicro()
		add("created_at <= ? AND (created_at < ? OR id < ?)", t, t, f.BeforeID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultListLimit
	}
	limit = min(limit, MaxListLimit)
	return "WHERE " + strings.Join(where, " AND ") + " ORDER BY created_at DESC, id DESC LIMIT ?", append(args, limit), nil
}

func (s *Store) ListTransactions(ctx context.Context, paymentID string) ([]*store.Transaction, error) {
	return listTransactions(ctx, s.r, paymentID)
}

// PaymentsToResolve spans all merchants and modes. Two kinds of work:
// payments whose authorisation is open, found merchant by merchant in
// payments_list_status (no index of its own: that would be two more pages
// written per sale); and payments with another bank call still open (a
// capture/void/refund whose reply was lost, a 3D step), found in the partial
// index transactions_unresolved, whose condition the literals here repeat.
// A sale's or pre-authorisation's own open call is not in that index: its
// payment is open then, and found by the first half.
func (s *Store) PaymentsToResolve(ctx context.Context, olderThan time.Time, limit int) ([]*store.Payment, error) {
	if limit <= 0 {
		limit = DefaultListLimit
	}
	return selectAll(ctx, s.r, payments, toResolveQuery(s.d), olderThan.UnixMicro(), olderThan.UnixMicro(), limit)
}

// toResolveQuery is PaymentsToResolve's query after "SELECT ... FROM
// payments ". Open payments are looked up merchant by merchant, one exact
// (merchant, mode, status) range of payments_list_status each: with IN
// lists instead, PostgreSQL bound only the merchant and read its whole
// history. SQLite walks a CROSS JOIN in the order written; PostgreSQL runs
// the LATERAL subquery once per merchant and range (OFFSET 0 keeps it from
// being flattened into a join it would plan otherwise).
func toResolveQuery(d *Dialect) string {
	var ranges []string
	for _, mode := range []store.Mode{store.ModeTest, store.ModeLive} {
		for _, status := range []string{store.StatusProcessing, store.StatusUnknown} {
			ranges = append(ranges, "('"+string(mode)+"', '"+status+"')")
		}
	}
	merchantRanges := "merchants m CROSS JOIN (VALUES " + strings.Join(ranges, ", ") + ") k"
	open := "p.merchant_id = m.id AND p.mode = k.column1 AND p.status = k.column2 AND p.updated_at < ?"
	perMerchant := "SELECT p.id FROM " + merchantRanges + " CROSS JOIN payments p WHERE " + open
	if d.NumberedPlaceholders {
		perMerchant = "SELECT o.id FROM " + merchantRanges + " CROSS JOIN LATERAL (SELECT p.id FROM payments p WHERE " + open + " OFFSET 0) o"
	}
	return "WHERE id IN (" + perMerchant +
		" UNION ALL SELECT payment_id FROM transactions WHERE status IN ('" + store.TxPending + "', '" + store.TxUnknown + "') " +
		"AND kind IN ('" + store.KindCapture + "', '" + store.KindVoid + "', '" + store.KindRefund + "', '" + store.KindThreeD + "') " +
		"AND created_at < ?) ORDER BY updated_at, id LIMIT ?"
}

// ExplainPaymentsToResolve is the plan of the resolver's query (see
// ExplainListPayments): a test holds it to indexes.
func (s *Store) ExplainPaymentsToResolve(ctx context.Context) (string, error) {
	now := time.Now().UnixMicro()
	return s.explain(ctx, nil, "SELECT "+payments.cols+" FROM payments "+toResolveQuery(s.d), now, now, DefaultListLimit)
}

// BIN table.

// ReplaceBINs swaps the whole table in one transaction, so readers see the
// old table or the new one, never a mix.
func (s *Store) ReplaceBINs(ctx context.Context, rows []store.BINRow) error {
	return s.InTx(ctx, func(t store.Tx) error {
		c := t.(*tx).c
		if _, err := c.exec(ctx, "replace bins", "DELETE FROM bins"); err != nil {
			return err
		}
		for i := range rows {
			if _, err := insertRow(ctx, c, bins, &rows[i], ""); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Store) ListBINs(ctx context.Context) ([]store.BINRow, error) {
	rows, err := selectAll(ctx, s.r, bins, "ORDER BY prefix")
	if err != nil {
		return nil, err
	}
	out := make([]store.BINRow, len(rows))
	for i, r := range rows {
		out[i] = *r
	}
	return out, nil
}

// Card vault.

// PutVault replaces any earlier entry of the payment.
func (s *Store) PutVault(ctx context.Context, e *store.VaultEntry) error {
	if _, err := s.w.exec(ctx, "put vault", "DELETE FROM card_vault WHERE payment_id = ?", e.PaymentID); err != nil {
		return err
	}
	_, err := insertRow(ctx, s.w, vault, e, "")
	return err
}

func (s *Store) GetVault(ctx context.Context, paymentID string, now time.Time) (*store.VaultEntry, error) {
	return selectOne(ctx, s.r, vault, "WHERE payment_id = ? AND expires_at > ?", paymentID, now.UnixMicro())
}

func (s *Store) PurgeVault(ctx context.Context, before time.Time) (int64, error) {
	return s.w.exec(ctx, "purge vault", "DELETE FROM card_vault WHERE expires_at < ?", before.UnixMicro())
}

func (t *tx) DeleteVault(ctx context.Context, paymentID string) error {
	_, err := t.c.exec(ctx, "delete vault", "DELETE FROM card_vault WHERE payment_id = ?", paymentID)
	return err
}

func (s *Store) ListEvents(ctx context.Context, paymentID string) ([]*store.Event, error) {
	return selectAll(ctx, s.r, events, "WHERE payment_id = ? ORDER BY created_at, seq", paymentID)
}

// Idempotency keys.

const idemKey = "WHERE merchant_id = ? AND idem_key = ?"

// ClaimIdempotency inserts rec as in progress in one statement; ON CONFLICT
// DO NOTHING makes concurrent claims of one key yield exactly one winner.
func (s *Store) ClaimIdempotency(ctx context.Context, rec *store.Idempotency) (*store.Idempotency, bool, error) {
	// A claim deleted between our insert and our read is claimable again, so
	// retry; three rounds make a livelock practically impossible.
	for range 3 {
		var ok bool
		err := s.write(ctx, func(c conn) (err error) {
			ok, err = claimIdempotency(ctx, c, rec)
			return err
		})
		if err != nil || ok {
			return nil, ok, err
		}
		existing, err := selectOne(ctx, s.r, idempotency, idemKey, rec.MerchantID, rec.Key)
		if !errors.Is(err, store.ErrNotFound) {
			return existing, false, err
		}
	}
	return nil, false, fmt.Errorf("sqlstore: claim idempotency key: %w: claimed and released repeatedly", store.ErrConflict)
}

// CompleteIdempotency stores the response of an in-progress key (and its
// ResourceID when set). A key that is missing or already done is ErrNotFound:
// a stored response is never overwritten.
func (s *Store) CompleteIdempotency(ctx context.Context, rec *store.Idempotency) error {
	return s.write(ctx, func(c conn) error { return completeIdempotency(ctx, c, rec) })
}

func (t *tx) CompleteIdempotency(ctx context.Context, rec *store.Idempotency) error {
	return completeIdempotency(ctx, t.c, rec)
}

func claimIdempotency(ctx context.Context, c conn, rec *store.Idempotency) (bool, error) {
	rec.State = store.IdemInProgress
	orNow(&rec.CreatedAt, &rec.UpdatedAt)
	n, err := insertRow(ctx, c, idempotency, rec, " ON CONFLICT (merchant_id, idem_key) DO NOTHING")
	return n == 1, err
}

func completeIdempotency(ctx context.Context, c conn, rec *store.Idempotency) error {
	orNow(&rec.UpdatedAt)
	err := c.execOne(ctx, "complete idempotency key",
		"UPDATE idempotency_keys SET state = ?, response_status = ?, response_body = ?, "+
			"resource_id = CASE WHEN ? = '' THEN resource_id ELSE ? END, updated_at = ? "+
			idemKey+" AND state = ?",
		store.IdemDone, int64(rec.ResponseStatus), nonNil(rec.ResponseBody), rec.ResourceID, rec.ResourceID,
		rec.UpdatedAt.UnixMicro(), rec.MerchantID, rec.Key, store.IdemInProgress)
	if err == nil {
		rec.State = store.IdemDone
	}
	return err
}

func (s *Store) SetIdempotencyResource(ctx context.Context, merchantID, key, resourceID string) error {
	return setIdempotencyResource(ctx, s.w, merchantID, key, resourceID)
}

func (t *tx) SetIdempotencyResource(ctx context.Context, merchantID, key, resourceID string) error {
	return setIdempotencyResource(ctx, t.c, merchantID, key, resourceID)
}

func setIdempotencyResource(ctx context.Context, c conn, merchantID, key, resourceID string) error {
	return c.execOne(ctx, "set idempotency resource",
		"UPDATE idempotency_keys SET resource_id = ?, updated_at = ? "+idemKey,
		resourceID, now().UnixMicro(), merchantID, key)
}

// DeleteIdempotency releases an in-progress claim. A done key is never
// deleted here (its stored response must keep replaying); deleting a missing
// or done key is a no-op.
func (s *Store) DeleteIdempotency(ctx context.Context, merchantID, key string) error {
	_, err := s.w.exec(ctx, "delete idempotency key",
		"DELETE FROM idempotency_keys "+idemKey+" AND state = ?", merchantID, key, store.IdemInProgress)
	return err
}

func (s *Store) ReleaseStaleIdempotency(ctx context.Context, stale *store.Idempotency) (bool, error) {
	n, err := s.w.exec(ctx, "release stale idempotency key",
		"DELETE FROM idempotency_keys "+idemKey+" AND state = ? AND updated_at = ?",
		stale.MerchantID, stale.Key, store.IdemInProgress, stale.UpdatedAt.UnixMicro())
	return n == 1, err
}

// reapBatch bounds one reaper transaction, so that it never holds the
// writer for long.
const reapBatch = 1000

// DeleteIdempotencyBefore deletes in batches. Where the dialect has an
// insertion-ordered rowid (SQLite), which it walks instead of an index on
// created_at, it takes the table a window of reapBatch rows at a time from
// the oldest, and stops at a window without an old key: keys are inserted
// as they are created, so the old ones come first. (A key inserted after a
// much younger one, by a clock stepped back, is reaped once that one is.)
func (s *Store) DeleteIdempotencyBefore(ctx context.Context, t time.Time) (int64, error) {
	if s.d.RowidOrder {
		return s.reapByRowid(ctx, t)
	}
	var total int64
	for {
		n, err := s.w.exec(ctx, "reap idempotency keys",
			"DELETE FROM idempotency_keys WHERE ctid = ANY(ARRAY(SELECT ctid FROM idempotency_keys WHERE created_at < ? LIMIT ?))",
			t.UnixMicro(), reapBatch)
		total += n
		if err != nil || n < reapBatch || ctx.Err() != nil {
			return total, err
		}
	}
}

func (s *Store) reapByRowid(ctx context.Context, t time.Time) (int64, error) {
	var total, after int64
	for ctx.Err() == nil {
		var last, rows, old sql.NullInt64
		err := s.r.q.QueryRowContext(ctx, "SELECT max(rowid), count(*), sum(created_at < ?) FROM "+
			"(SELECT rowid, created_at FROM idempotency_keys WHERE rowid > ? ORDER BY rowid LIMIT ?)",
			t.UnixMicro(), after, reapBatch).Scan(&last, &rows, &old)
		if err != nil {
			return total, s.r.wrap("reap idempotency keys", err)
		}
		if old.Int64 > 0 {
			n, err := s.w.exec(ctx, "reap idempotency keys",
				"DELETE FROM idempotency_keys WHERE rowid > ? AND rowid <= ? AND created_at < ?", after, last.Int64, t.UnixMicro())
			total += n
			if err != nil {
				return total, err
			}
		}
		if old.Int64 == 0 || rows.Int64 < reapBatch {
			break
		}
		after = last.Int64
	}
	return total, ctx.Err()
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
