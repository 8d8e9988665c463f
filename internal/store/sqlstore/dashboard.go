package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kasapos/kasa/internal/store"
)

// The merchant dashboard (issue #7).

var dashboardUsers = newTable("dashboard_users", func(u *store.DashboardUser) []field {
	return []field{
		{"id", &u.ID, true},
		{"merchant_id", &u.MerchantID, true},
		{"email", &u.Email, true},
		{"role", &u.Role, false},
		{"password_hash", &u.PasswordHash, false},
		{"failed_logins", &u.FailedLogins, false},
		{"locked_until", micros{&u.LockedUntil}, false},
		{"disabled", &u.Disabled, false},
		{"created_at", micros{&u.CreatedAt}, true},
		{"updated_at", micros{&u.UpdatedAt}, false},
	}
})

var dashboardSessions = newTable("dashboard_sessions", func(s *store.DashboardSession) []field {
	return []field{
		{"id_hash", &s.IDHash, true},
		{"user_id", &s.UserID, true},
		{"merchant_id", &s.MerchantID, true},
		{"mode", &s.Mode, false},
		{"created_at", micros{&s.CreatedAt}, true},
		{"last_seen_at", micros{&s.LastSeenAt}, false},
	}
})

var dashboardTokens = newTable("dashboard_tokens", func(t *store.DashboardToken) []field {
	return []field{
		{"hash", &t.Hash, true},
		{"kind", &t.Kind, true},
		{"merchant_id", &t.MerchantID, true},
		{"email", &t.Email, true},
		{"role", &t.Role, true},
		{"user_id", &t.UserID, true},
		{"created_by", &t.CreatedBy, true},
		{"expires_at", micros{&t.ExpiresAt}, true},
		{"used_at", micros{&t.UsedAt}, false},
		{"created_at", micros{&t.CreatedAt}, true},
	}
})

func (s *Store) CreateDashboardUser(ctx context.Context, u *store.DashboardUser) error {
	orNow(&u.CreatedAt, &u.UpdatedAt)
	_, err := insertRow(ctx, s.w, dashboardUsers, u, "")
	return err
}

// Dashboard reads use the write pool: a sign-in or a lock-out must see
// what the previous request just wrote.

func (s *Store) GetDashboardUser(ctx context.Context, merchantID, id string) (*store.DashboardUser, error) {
	return selectOne(ctx, s.w, dashboardUsers, "WHERE merchant_id = ? AND id = ?", merchantID, id)
}

func (s *Store) DashboardUserByEmail(ctx context.Context, email string) (*store.DashboardUser, error) {
	return selectOne(ctx, s.w, dashboardUsers, "WHERE email = ?", email)
}

func (s *Store) ListDashboardUsers(ctx context.Context, merchantID string) ([]*store.DashboardUser, error) {
	return selectAll(ctx, s.w, dashboardUsers, "WHERE merchant_id = ? ORDER BY created_at, id", merchantID)
}

func (s *Store) UpdateDashboardUser(ctx context.Context, u *store.DashboardUser) error {
	orNow(&u.UpdatedAt)
	return updateRow(ctx, s.w, dashboardUsers, u, "merchant_id = ? AND id = ?", u.MerchantID, u.ID)
}

func (s *Store) MerchantsWithoutUsers(ctx context.Context) ([]*store.Merchant, error) {
	return selectAll(ctx, s.w, merchants,
		"WHERE NOT EXISTS (SELECT 1 FROM dashboard_users u WHERE u.merchant_id = merchants.id) ORDER BY created_at, id")
}

func (s *Store) CreateDashboardSession(ctx context.Context, ds *store.DashboardSession) error {
	orNow(&ds.CreatedAt, &ds.LastSeenAt)
	_, err := insertRow(ctx, s.w, dashboardSessions, ds, "")
	return err
}

func (s *Store) GetDashboardSession(ctx context.Context, idHash string) (*store.DashboardSession, error) {
	return selectOne(ctx, s.w, dashboardSessions, "WHERE id_hash = ?", idHash)
}

func (s *Store) TouchDashboardSession(ctx context.Context, ds *store.DashboardSession) error {
	orNow(&ds.LastSeenAt)
	return updateRow(ctx, s.w, dashboardSessions, ds, "id_hash = ?", ds.IDHash)
}

func (s *Store) DeleteDashboardSession(ctx context.Context, idHash string) error {
	_, err := s.w.exec(ctx, "delete dashboard session", "DELETE FROM dashboard_sessions WHERE id_hash = ?", idHash)
	return err
}

func (s *Store) DeleteDashboardSessionsOfUser(ctx context.Context, userID string) error {
	_, err := s.w.exec(ctx, "delete dashboard sessions of user", "DELETE FROM dashboard_sessions WHERE user_id = ?", userID)
	return err
}

func (s *Store) CreateDashboardToken(ctx context.Context, t *store.DashboardToken) error {
	orNow(&t.CreatedAt)
	_, err := insertRow(ctx, s.w, dashboardTokens, t, "")
	return err
}

func (s *Store) UseDashboardToken(ctx context.Context, hash string, now time.Time) (*store.DashboardToken, error) {
	at := now.UTC().Truncate(time.Microsecond)
	if err := s.w.execOne(ctx, "use dashboard token",
		"UPDATE dashboard_tokens SET used_at = ? WHERE hash = ? AND used_at = 0 AND expires_at > ?",
		at.UnixMicro(), hash, at.UnixMicro()); err != nil {
		return nil, err
	}
	return selectOne(ctx, s.w, dashboardTokens, "WHERE hash = ?", hash)
}

func (s *Store) PeekDashboardToken(ctx context.Context, hash string, now time.Time) (*store.DashboardToken, error) {
	return selectOne(ctx, s.w, dashboardTokens, "WHERE hash = ? AND used_at = 0 AND expires_at > ?", hash, now.UnixMicro())
}

// istanbulOffsetMicros shifts created_at to Istanbul time (UTC+3, no DST
// since 2016) before the integer division into days.
const istanbulOffsetMicros = 3 * 3600 * 1_000_000

const dayMicros = 86400 * 1_000_000

// approvedStatuses are the statuses of payments the bank approved.
var approvedStatuses = "'" + strings.Join([]string{store.StatusAuthorized, store.StatusSucceeded,
	store.StatusPartiallyRefunded, store.StatusRefunded, store.StatusCanceled}, "', '") + "'"

// PaymentStats runs one GROUP BY over a merchant's payments of one mode.
// The grouping expression is chosen from a fixed list, never spliced from input.
func (s *Store) PaymentStats(ctx context.Context, f store.StatsFilter, group string) ([]store.StatsRow, error) {
	if f.MerchantID == "" || f.Mode == "" {
		return nil, fmt.Errorf("sqlstore: PaymentStats needs MerchantID and Mode")
	}
	var key string
	where := "merchant_id = ? AND mode = ?"
	args := []any{f.MerchantID, string(f.Mode)}
	switch group {
	case store.GroupDay:
		key = fmt.Sprintf("CAST((created_at + %d) / %d AS TEXT)", istanbulOffsetMicros, dayMicros)
	case store.GroupPOS:
		key = "pos_id"
	case store.GroupDeclineReason:
		key = "decline_reason"
		where += " AND status = '" + store.StatusDeclined + "'"
	case store.GroupInstallments:
		key = "CAST(installments AS TEXT)"
		where += " AND status IN (" + approvedStatuses + ")"
	case store.GroupStatus:
		key = "status"
	case store.GroupPOSInstallments:
		key = "pos_id || ':' || CAST(installments AS TEXT)"
		where += " AND status IN (" + approvedStatuses + ")"
	default:
		return nil, fmt.Errorf("sqlstore: PaymentStats: unknown group %q", group)
	}
	if !f.From.IsZero() {
		where += " AND created_at >= ?"
		args = append(args, f.From.UnixMicro())
	}
	if !f.To.IsZero() {
		where += " AND created_at < ?"
		args = append(args, f.To.UnixMicro())
	}
	q := "SELECT " + key + ", currency, COUNT(*), " +
		"CAST(SUM(CASE WHEN status IN (" + approvedStatuses + ") THEN 1 ELSE 0 END) AS BIGINT), " +
		"CAST(SUM(CASE WHEN status = '" + store.StatusDeclined + "' THEN 1 ELSE 0 END) AS BIGINT), " +
		"CAST(COALESCE(SUM(captured_amount), 0) AS BIGINT), CAST(COALESCE(SUM(refunded_amount), 0) AS BIGINT) " +
		"FROM payments WHERE " + where + " GROUP BY 1, 2 ORDER BY 1, 2"
	op := "payment stats by " + group
	rows, err := s.r.q.QueryContext(ctx, s.d.rebind(q), args...)
	if err != nil {
		return nil, s.r.wrap(op, err)
	}
	defer rows.Close()
	var out []store.StatsRow
	for rows.Next() {
		var r store.StatsRow
		if err := rows.Scan(&r.Key, &r.Currency, &r.Count, &r.Approved, &r.Declined, &r.Volume, &r.Refunded); err != nil {
			return nil, s.r.wrap(op, err)
		}
		if group == store.GroupDay {
			var day int64
			fmt.Sscan(r.Key, &day)
			r.Key = time.Unix(day*86400, 0).UTC().Format("2006-01-02")
		}
		out = append(out, r)
	}
	return out, s.r.wrap(op, rows.Err())
}
