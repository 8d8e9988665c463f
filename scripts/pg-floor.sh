#!/usr/bin/env bash
# pg-floor.sh: what PostgreSQL alone can do of Kasa's sale writes (issue #8).
#
# Runs pgbench with the exact statements a sale sends (the intent's and the
# outcome's data-modifying CTEs from internal/store/sqlstore/steps.go, with
# the row sizes `kasa bench` produces), B sales per commit as group commit
# batches them, on a fresh database migrated by `kasa migrate`. No Kasa, no
# simulator, no HTTP: the result is an upper bound for sales/s through the
# whole stack on the same machine.
#
#   scripts/pg-floor.sh postgres://user@host:port/db?sslmode=disable [B] [clients] [seconds]
#
# B defaults to 4 (kasa serve --group-commit 4 batches up to that many
# concurrent sales per committer), clients to 8, seconds to 10. The database
# must be empty: the script migrates it and adds one merchant. pgbench prints
# "tps": that many scripts of B sales each, so sales/s = tps × B.
set -euo pipefail
url=${1:?usage: pg-floor.sh DATABASE_URL [B] [clients] [seconds]}
B=${2:-4}
clients=${3:-8}
secs=${4:-10}
kasa=${KASA:-go run ./cmd/kasa}
pgbin=${KASA_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}

$kasa migrate --database-url "$url" >/dev/null 2>&1
"$pgbin/psql" -q "$url" -c "INSERT INTO merchants (id, name, created_at) VALUES ('mer_floor', 'floor', 0) ON CONFLICT DO NOTHING"

script=$(mktemp)
trap 'rm -f "$script"' EXIT
M=mer_floor
pid() { echo "'pay_' || :client_id || '_' || :r$1"; }
{
	for ((i = 0; i < B; i++)); do echo "\\set r$i random(1, 2000000000)"; done
	echo "BEGIN;"
	for ((i = 0; i < B; i++)); do
		p=$(pid $i)
		echo "WITH claim AS (INSERT INTO idempotency_keys (merchant_id, idem_key, fingerprint, state, response_status, response_body, resource_id, created_at, updated_at) VALUES ('$M', 'k' || :client_id || '_' || :r$i, repeat('f', 43), 'in_progress', 0, ''::bytea, $p, 1795445659482599, 1795445659482599) ON CONFLICT (merchant_id, idem_key) DO NOTHING RETURNING 1), pay AS (INSERT INTO payments (id, merchant_id, mode, pos_id, order_id, bank_order_id, status, amount, currency, installments, capture, authorized_amount, captured_amount, refunded_amount, card_bin, card_last4, card_brand, card_bank_code, card_bank_name, card_type, card_program, card_commercial, installment_fee, card_holder, description, customer_email, customer_ip, bank_code, bank_message, decline_reason, auth_code, host_ref, trans_id, three_d_model, md_status, return_url, routing_reason, checkout_session_id, created_at, updated_at) SELECT $p, '$M', 'test', 'pos_floor', 'SO-' || :r$i, 'B' || :client_id || '_' || :r$i, 'processing', 12550, 'TRY', 1, true, 0, 0, 0, '43550843', '4358', 'visa', '0046', 'Akbank', 'credit', 'Axess', false, 0, 'Ayse Yilmaz', 'bench', 'ayse@example.com', '203.0.113.7', '', '', '', '', '', '', '', '', '', 'forced: pos_id given in the request', '', 1795445659482599, 1795445659482599 WHERE EXISTS (SELECT 1 FROM claim) RETURNING 1) INSERT INTO transactions (id, payment_id, merchant_id, kind, status, amount, currency, bank_code, bank_error_code, bank_message, decline_reason, auth_code, host_ref, trans_id, error, latency_ms, created_at, completed_at) SELECT 'trx_' || :client_id || '_' || :r$i, $p, '$M', 'sale', 'pending', 12550, 'TRY', '', '', '', '', '', '', '', '', 0, 1795445659482599, 0 WHERE EXISTS (SELECT 1 FROM pay);"
	done
	echo "COMMIT;"
	echo "BEGIN;"
	for ((i = 0; i < B; i++)); do
		p=$(pid $i)
		echo "WITH p AS (UPDATE payments SET pos_id = 'pos_floor', status = 'succeeded', amount = 12550, currency = 'TRY', installments = 1, capture = true, authorized_amount = 12550, captured_amount = 12550, refunded_amount = 0, card_bin = '43550843', card_brand = 'visa', card_bank_code = '0046', card_bank_name = 'Akbank', card_type = 'credit', card_program = 'Axess', card_commercial = false, installment_fee = 0, card_holder = 'Ayse Yilmaz', description = 'bench', customer_email = 'ayse@example.com', customer_ip = '203.0.113.7', bank_code = '00', bank_message = '', decline_reason = '', auth_code = 'P18708', host_ref = '632700000001', trans_id = '26327fw9X5AIaw', three_d_model = '', md_status = '', return_url = '', routing_reason = 'forced: pos_id given in the request', updated_at = 1795445659493144 WHERE merchant_id = '$M' AND id = $p AND status = 'processing' AND updated_at = 1795445659482599 RETURNING 1), t AS (UPDATE transactions SET status = 'approved', amount = 12550, currency = 'TRY', bank_code = '00', bank_error_code = '', bank_message = '', decline_reason = '', auth_code = 'P18708', host_ref = '632700000001', trans_id = '26327fw9X5AIaw', error = '', latency_ms = 1, completed_at = 1795445659493144 WHERE merchant_id = '$M' AND id = 'trx_' || :client_id || '_' || :r$i AND EXISTS (SELECT 1 FROM p) RETURNING 1), e AS (INSERT INTO events (id, merchant_id, mode, type, payment_id, payload, created_at) SELECT 'evt_' || :client_id || '_' || :r$i, '$M', 'test', 'payment.succeeded', $p, convert_to(repeat('e', 764), 'UTF8'), 1795445659493144 WHERE EXISTS (SELECT 1 FROM p) RETURNING 1), i AS (UPDATE idempotency_keys SET state = 'done', response_status = 201, response_body = convert_to(repeat('r', 1191), 'UTF8'), updated_at = 1795445659493144 WHERE merchant_id = '$M' AND idem_key = 'k' || :client_id || '_' || :r$i AND state = 'in_progress' AND EXISTS (SELECT 1 FROM p) RETURNING 1) SELECT (SELECT count(*) FROM p), (SELECT count(*) FROM t), (SELECT count(*) FROM i);"
	done
	echo "COMMIT;"
} >"$script"
chmod 644 "$script"
echo "pgbench: $B sales per commit, $clients clients, ${secs}s"
"$pgbin/pgbench" -n -M prepared -c "$clients" -j 2 -T "$secs" -f "$script" "$url" |
	awk -v b="$B" '/^(latency average|number of failed)/ { print } /^tps/ { print; printf "sales/s = %.0f\n", $3 * b }'
