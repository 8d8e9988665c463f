-- Performance (issue #8). Keep in step with the other backend's migrations.
-- Rebuilding these indexes on a large payments table takes minutes and
-- blocks writes meanwhile: run `kasa migrate` in a maintenance window.
--
-- The list indexes were declared newest first (created_at DESC, id DESC),
-- so every new payment went to the front of its merchant's range, a spot
-- that SQLite's b-tree rebalances often: ~2.2 pages written per index per
-- sale. Ascending, new entries append at the range's end (~1.4 pages), and
-- newest-first lists scan the same index backwards.
DROP INDEX payments_list;
DROP INDEX payments_list_order;
DROP INDEX payments_list_last4;
DROP INDEX payments_list_status;
CREATE INDEX payments_list ON payments (merchant_id, mode, created_at, id);
CREATE INDEX payments_list_order ON payments (merchant_id, mode, order_id, created_at, id);
CREATE INDEX payments_list_last4 ON payments (merchant_id, mode, card_last4, created_at, id);
CREATE INDEX payments_list_status ON payments (merchant_id, mode, status, created_at, id);
-- A checkout session's (and through it a payment link's) payments: with the
-- merchant and mode first, the planners pick this index over payments_list,
-- which would walk the merchant's whole history to find a session's few
-- attempts (ExplainListPayments' test showed it).
DROP INDEX payments_checkout_session;
CREATE INDEX payments_checkout_session ON payments (merchant_id, mode, checkout_session_id, created_at, id)
    WHERE checkout_session_id <> '';
