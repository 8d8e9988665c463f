#!/usr/bin/env bash
# The project's test command (`make test`).
#
# Runs `go test -race -count=1` over ./... (or over the packages given), with
# the store suite on SQLite always and on PostgreSQL when possible:
#   - KASA_TEST_POSTGRES_DSN already set: that server is used as is;
#   - else, if PostgreSQL server binaries are installed (newest of
#     /usr/lib/postgresql/*/bin, or $KASA_PG_BIN), a throwaway cluster is
#     started on 127.0.0.1 and removed on exit;
#   - else the PostgreSQL suite is skipped, and this says so.
#
# Then, on a full run (no arguments), the browser tests: scripts/e2e.sh
# (skipped with a message without Chromium; KASA_SKIP_E2E=1 turns them off).
#
# Usage: scripts/test.sh [go test args...]
#   Arguments go to `go test`. If one of them is a package pattern (starts
#   with ./ or ../) it replaces the default ./...
#   GOTEST_FLAGS replaces the default "-race" (GOTEST_FLAGS= turns it off).
set -euo pipefail

cd "$(dirname "$0")/.."

log() { printf 'test.sh: %s\n' "$*" >&2; }

pg_tmp=""
pg_bin=""
as_pg=()

cleanup() {
	if [[ -n "$pg_tmp" ]]; then
		if [[ -f "$pg_tmp/data/postmaster.pid" ]]; then
			${as_pg[@]+"${as_pg[@]}"} "$pg_bin/pg_ctl" -D "$pg_tmp/data" -m immediate -w stop >/dev/null 2>&1 || true
		fi
		rm -rf "$pg_tmp"
	fi
}
trap cleanup EXIT

find_pg_bin() {
	if [[ -n "${KASA_PG_BIN:-}" ]]; then
		[[ -x "$KASA_PG_BIN/initdb" ]] && echo "$KASA_PG_BIN"
		return 0
	fi
	local d
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
		if [[ -x "$d/initdb" && -x "$d/pg_ctl" ]]; then
			echo "$d"
			return 0
		fi
	done
}

# port_in_use succeeds when something accepts connections on the port.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_postgres() {
	pg_tmp="$(mktemp -d "${TMPDIR:-/tmp}/kasa-pg.XXXXXX")"
	if [[ "$(id -u)" -eq 0 ]]; then
		# PostgreSQL refuses to run as root.
		if ! id -u postgres >/dev/null 2>&1; then
			useradd --system --user-group --no-create-home --shell /usr/sbin/nologin postgres
		fi
		chown postgres: "$pg_tmp"
		as_pg=(runuser -u postgres --)
	fi
	if ! ${as_pg[@]+"${as_pg[@]}"} "$pg_bin/initdb" -D "$pg_tmp/data" -U postgres -A trust \
		-E UTF8 --no-locale >"$pg_tmp/initdb.log" 2>&1; then
		cat "$pg_tmp/initdb.log" >&2
		log "initdb failed"
		return 1
	fi
	local attempt port
	for attempt in 1 2 3 4 5; do
		port=$((20000 + RANDOM % 40000))
		port_in_use "$port" && continue
		# Loopback only, socket inside the temp dir; durability is not
		# needed for a cluster that lives as long as this script.
		if ${as_pg[@]+"${as_pg[@]}"} "$pg_bin/pg_ctl" -D "$pg_tmp/data" -l "$pg_tmp/postgres.log" -w -t 60 \
			-o "-c listen_addresses=127.0.0.1 -p $port -k $pg_tmp -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
			start >/dev/null; then
			export KASA_TEST_POSTGRES_DSN="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
			return 0
		fi
		log "PostgreSQL did not start on port $port (attempt $attempt)"
	done
	cat "$pg_tmp/postgres.log" >&2 || true
	return 1
}

if [[ -n "${KASA_TEST_POSTGRES_DSN:-}" ]]; then
	log "backends: sqlite, postgres (KASA_TEST_POSTGRES_DSN from the environment)"
else
	pg_bin="$(find_pg_bin)"
	if [[ -z "$pg_bin" ]]; then
		log "PostgreSQL binaries not found: PostgreSQL suite will be skipped"
		log "backends: sqlite"
	else
		start_postgres
		log "backends: sqlite, postgres ($("$pg_bin/postgres" --version) on ${KASA_TEST_POSTGRES_DSN#*@})"
	fi
fi

read -r -a flags <<<"${GOTEST_FLAGS--race}"
pkgs=(./...)
for a in "$@"; do
	case "$a" in ./* | ../*) pkgs=() ;; esac
done

# Not exec: the EXIT trap must stop the cluster after the tests.
go test ${flags[@]+"${flags[@]}"} -count=1 ${pkgs[@]+"${pkgs[@]}"} "$@"

# Browser tests after the Go tests, on a full run only (not when packages or
# flags were given); KASA_SKIP_E2E=1 turns them off.
if [[ $# -eq 0 && "${KASA_SKIP_E2E:-}" != 1 ]]; then
	scripts/e2e.sh
elif [[ "${KASA_SKIP_E2E:-}" == 1 ]]; then
	log "browser tests skipped (KASA_SKIP_E2E=1)"
fi
