package dashboard

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/kasapos/kasa/internal/id"
	"github.com/kasapos/kasa/internal/store"
)

// Session and sign-in rules (PCI-7, API-4).
const (
	IdleTimeout     = 15 * time.Minute // PCI DSS 8.2.8
	AbsoluteTimeout = 12 * time.Hour
	MaxFailures     = 10 // PCI DSS 8.3.4
	LockoutDuration = 30 * time.Minute
	MinPassword     = 12
	maxPassword     = 256
	SetupTTL        = 24 * time.Hour
	InviteTTL       = 72 * time.Hour
)

// Cookie names. Over TLS the session cookie is "__Host-kasa_session"
// (Secure, Path=/, no Domain: the browser binds it to this exact origin).
// Browsers refuse __Host- and Secure cookies over plain http, so a local
// http node (kasa demo) uses the development fallback "kasa_session",
// HttpOnly and SameSite=Lax but not Secure. Production must serve TLS
// (--tls-cert/--tls-key, or a TLS-terminating proxy in front).
const (
	SessionCookie    = "__Host-kasa_session"
	DevSessionCookie = "kasa_session"
	preCookie        = "kasa_login_csrf"
)

// Argon2id parameters (RFC 9106 / OWASP: m=19 MiB, t=2, p=1). Tests may
// lower them; hashes carry their own parameters.
var (
	ArgonTime    uint32 = 2
	ArgonMemory  uint32 = 19 * 1024
	ArgonThreads uint8  = 1
)

// HashPassword returns a PHC-style argon2id string.
func HashPassword(pw string) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	key := argon2.IDKey([]byte(pw), salt, ArgonTime, ArgonMemory, ArgonThreads, 32)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, ArgonMemory, ArgonTime, ArgonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// CheckPassword verifies pw against a HashPassword string in constant time.
func CheckPassword(encoded, pw string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var v int
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || m > 1<<22 || t == 0 || t > 16 || p == 0 {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return constantEq(string(got), string(want))
}

// CheckPasswordPolicy refuses passwords shorter than MinPassword characters.
func CheckPasswordPolicy(pw string) error {
	n := len([]rune(pw))
	switch {
	case n < MinPassword:
		return fmt.Errorf("the password must have at least %d characters", MinPassword)
	case len(pw) > maxPassword:
		return fmt.Errorf("the password must have at most %d bytes", maxPassword)
	}
	return nil
}

// dummyHash is checked for unknown e-mails so that a sign-in takes as long
// whether or not the account exists.
var dummyHash = HashPassword("not a password of anyone")

func randomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}

// NormalizeEmail lower-cases and checks an address.
func NormalizeEmail(e string) (string, error) {
	e = strings.ToLower(strings.TrimSpace(e))
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || len(e) > 254 {
		return "", errors.New("not a valid e-mail address")
	}
	return e, nil
}

// reqCtx is the signed-in request.
type reqCtx struct {
	User         *store.DashboardUser
	Session      *store.DashboardSession
	MerchantName string
	CSRF         string
}

func cookieName(r *http.Request) string {
	if r.TLS != nil {
		return SessionCookie
	}
	return DevSessionCookie
}

func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, value string, maxAge int) {
	c := &http.Cookie{Name: cookieName(r), Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: maxAge}
	if r.TLS != nil {
		c.Secure = true
	} else {
		c.Path = "/dashboard"
	}
	http.SetCookie(w, c)
}

// csrfToken is bound to the session: an HMAC of its cookie value under a
// keyring-derived key, so it needs no storage and cannot serve another session.
func (s *Server) csrfToken(raw string) string {
	return base64.RawURLEncoding.EncodeToString(s.Svc.Keys.MAC("csrf", []byte("dashboard:"+raw)))
}

func (s *Server) validCSRF(rc *reqCtx, got string) bool { return got != "" && constantEq(rc.CSRF, got) }

// session loads the request's session, enforcing the idle and absolute
// timeouts (an expired session is deleted) and refreshing its idle clock.
func (s *Server) session(w http.ResponseWriter, r *http.Request) *reqCtx {
	c, err := r.Cookie(cookieName(r))
	if err != nil || c.Value == "" || len(c.Value) > 100 {
		return nil
	}
	ctx := r.Context()
	ds, err := s.Store.GetDashboardSession(ctx, hashToken(c.Value))
	if err != nil {
		return nil
	}
	now := s.now()
	if now.Sub(ds.LastSeenAt) > IdleTimeout || now.Sub(ds.CreatedAt) > AbsoluteTimeout {
		s.Store.DeleteDashboardSession(ctx, ds.IDHash)
		s.setSessionCookie(w, r, "", -1)
		return nil
	}
	u, err := s.Store.GetDashboardUser(ctx, ds.MerchantID, ds.UserID)
	if err != nil || u.Disabled {
		return nil
	}
	ds.LastSeenAt = now
	if err := s.Store.TouchDashboardSession(ctx, ds); err != nil {
		s.Log.Warn("dashboard session touch", "err", err)
	}
	rc := &reqCtx{User: u, Session: ds, CSRF: s.csrfToken(c.Value)}
	if m, err := s.Store.GetMerchant(ctx, u.MerchantID); err == nil {
		rc.MerchantName = m.Name
	}
	return rc
}

func (s *Server) optionalSession(w http.ResponseWriter, r *http.Request) *reqCtx {
	if _, err := r.Cookie(cookieName(r)); err != nil {
		return nil
	}
	return s.session(w, r)
}

// startSession destroys the request's old session, if any, and issues a
// new random id (256 bits): the id always changes at sign-in.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, u *store.DashboardUser) error {
	ctx := r.Context()
	if c, err := r.Cookie(cookieName(r)); err == nil && c.Value != "" {
		s.Store.DeleteDashboardSession(ctx, hashToken(c.Value))
	}
	raw := randomToken(32)
	now := s.now()
	if err := s.Store.CreateDashboardSession(ctx, &store.DashboardSession{IDHash: hashToken(raw), UserID: u.ID,
		MerchantID: u.MerchantID, Mode: store.ModeTest, CreatedAt: now, LastSeenAt: now}); err != nil {
		return err
	}
	s.setSessionCookie(w, r, raw, 0)
	return nil
}

// Pre-session CSRF (sign-in and setup forms): a double-submit token in a
// short-lived cookie, on top of http.CrossOriginProtection.
func (s *Server) preToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(preCookie); err == nil && len(c.Value) == 22 {
		return c.Value
	}
	t := randomToken(16)
	http.SetCookie(w, &http.Cookie{Name: preCookie, Value: t, Path: "/dashboard", MaxAge: 3600, HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	return t
}

func validPre(r *http.Request) bool {
	c, err := r.Cookie(preCookie)
	return err == nil && c.Value != "" && constantEq(c.Value, r.PostFormValue("csrf"))
}

type loginData struct {
	CSRF, Email, Next, Err string
}

func (d *loginData) ErrorText() string { return d.Err }

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	if rc != nil {
		http.Redirect(w, r, "/dashboard/payments", http.StatusSeeOther)
		return
	}
	s.render(w, r, nil, http.StatusOK, "login", "login_title", &loginData{CSRF: s.preToken(w, r), Next: r.URL.Query().Get("next")})
}

// safeNext keeps a post-login redirect inside the dashboard.
func safeNext(n string) string {
	if strings.HasPrefix(n, "/dashboard/") && !strings.HasPrefix(n, "//") && !strings.ContainsAny(n, "\\\r\n") {
		return n
	}
	return "/dashboard/payments"
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// login checks e-mail and password with lock-out after MaxFailures
// consecutive failures for LockoutDuration (fake clock in tests).
func (s *Server) login(w http.ResponseWriter, r *http.Request, _ *reqCtx) {
	ctx := r.Context()
	lang := s.lang(w, r)
	d := &loginData{CSRF: s.preToken(w, r), Email: r.PostFormValue("email"), Next: r.PostFormValue("next")}
	if !validPre(r) {
		s.message(w, r, nil, http.StatusForbidden, "csrf_title", "csrf_text")
		return
	}
	email, _ := NormalizeEmail(d.Email)
	pw := r.PostFormValue("password")
	u, err := s.Store.DashboardUserByEmail(ctx, email)
	now := s.now()
	refuse := func(reason string) {
		d.Err = texts[lang]["login_failed"]
		if u != nil {
			s.audit(ctx, r, u.MerchantID, "", u.ID, "dashboard.login", "dashboard_user", u.ID, "failure", `{"reason":"`+reason+`"}`)
		}
		s.render(w, r, nil, http.StatusUnauthorized, "login", "login_title", d)
	}
	switch {
	case err != nil:
		CheckPassword(dummyHash, pw)
		u = nil
		refuse("unknown")
		return
	case u.Disabled || u.PasswordHash == "":
		CheckPassword(dummyHash, pw)
		refuse("disabled")
		return
	case now.Before(u.LockedUntil):
		CheckPassword(dummyHash, pw)
		refuse("locked")
		return
	}
	if !CheckPassword(u.PasswordHash, pw) {
		u.FailedLogins++
		reason := "password"
		if u.FailedLogins >= MaxFailures {
			u.FailedLogins, u.LockedUntil, reason = 0, now.Add(LockoutDuration), "password; locked"
		}
		u.UpdatedAt = now
		if err := s.Store.UpdateDashboardUser(ctx, u); err != nil {
			s.fail(w, r, nil, err)
			return
		}
		refuse(reason)
		return
	}
	u.FailedLogins, u.LockedUntil, u.UpdatedAt = 0, time.Time{}, now
	if err := s.Store.UpdateDashboardUser(ctx, u); err != nil {
		s.fail(w, r, nil, err)
		return
	}
	if err := s.startSession(w, r, u); err != nil {
		s.fail(w, r, nil, err)
		return
	}
	s.audit(ctx, r, u.MerchantID, "", u.ID, "dashboard.login", "dashboard_user", u.ID, "success", "")
	http.Redirect(w, r, safeNext(d.Next), http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	s.Store.DeleteDashboardSession(r.Context(), rc.Session.IDHash)
	s.setSessionCookie(w, r, "", -1)
	http.Redirect(w, r, "/dashboard/login", http.StatusSeeOther)
}

func (s *Server) switchMode(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	switch m := store.Mode(r.PostFormValue("mode")); m {
	case store.ModeTest, store.ModeLive:
		rc.Session.Mode = m
		if err := s.Store.TouchDashboardSession(r.Context(), rc.Session); err != nil {
			s.fail(w, r, rc, err)
			return
		}
	}
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

// One-time tokens: first owner, invitations, password (re)set.

// CreateToken stores a one-time token and returns it in clear (only its
// hash is kept): the path /dashboard/setup/<token> uses it.
func CreateToken(ctx context.Context, st store.Store, now time.Time, t *store.DashboardToken, ttl time.Duration) (string, error) {
	raw := randomToken(32)
	t.Hash, t.CreatedAt, t.ExpiresAt = hashToken(raw), now, now.Add(ttl)
	if err := st.CreateDashboardToken(ctx, t); err != nil {
		return "", err
	}
	return raw, nil
}

// SetupLink is a one-time link for the first owner of a merchant.
type SetupLink struct {
	MerchantID, Name, URL string
}

// SetupLinks makes a first-owner link for every merchant without users;
// `kasa serve` and `kasa demo` print them.
func SetupLinks(ctx context.Context, st store.Store, baseURL string) ([]SetupLink, error) {
	ms, err := st.MerchantsWithoutUsers(ctx)
	if err != nil {
		return nil, err
	}
	var out []SetupLink
	for _, m := range ms {
		raw, err := CreateToken(ctx, st, time.Now().UTC(), &store.DashboardToken{Kind: store.TokenSetup, MerchantID: m.ID, Role: store.RoleOwner}, SetupTTL)
		if err != nil {
			return nil, err
		}
		out = append(out, SetupLink{MerchantID: m.ID, Name: m.Name, URL: strings.TrimRight(baseURL, "/") + "/dashboard/setup/" + raw})
	}
	return out, nil
}

// CreateUser adds a user from the shell. With a password the user can sign
// in at once; without, the returned one-time link (path) sets it.
func CreateUser(ctx context.Context, st store.Store, merchantID, email, role, password string) (*store.DashboardUser, string, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return nil, "", err
	}
	if !slices.Contains(Roles, role) {
		return nil, "", fmt.Errorf("role must be one of %s", strings.Join(Roles, ", "))
	}
	if _, err := st.GetMerchant(ctx, merchantID); err != nil {
		return nil, "", fmt.Errorf("merchant %s: %w", merchantID, err)
	}
	now := time.Now().UTC()
	u := &store.DashboardUser{ID: id.New("usr"), MerchantID: merchantID, Email: email, Role: role, CreatedAt: now, UpdatedAt: now}
	if password != "" {
		if err := CheckPasswordPolicy(password); err != nil {
			return nil, "", err
		}
		u.PasswordHash = HashPassword(password)
	}
	if err := st.CreateDashboardUser(ctx, u); err != nil {
		return nil, "", err
	}
	if password != "" {
		return u, "", nil
	}
	raw, err := CreateToken(ctx, st, now, &store.DashboardToken{Kind: store.TokenReset, MerchantID: merchantID, UserID: u.ID, Email: email, Role: role}, SetupTTL)
	if err != nil {
		return nil, "", err
	}
	return u, "/dashboard/setup/" + raw, nil
}

type setupData struct {
	CSRF, Email, Err, Role string
	FixedEmail             bool
	Kind                   string
}

func (d *setupData) ErrorText() string { return d.Err }

func (s *Server) setupPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	t, err := s.Store.PeekDashboardToken(r.Context(), hashToken(r.PathValue("token")), s.now())
	if err != nil {
		s.message(w, r, nil, http.StatusNotFound, "token_invalid_title", "token_invalid_text")
		return
	}
	s.render(w, r, nil, http.StatusOK, "setup", "setup_title", &setupData{CSRF: s.preToken(w, r), Email: t.Email,
		FixedEmail: t.Email != "", Role: t.Role, Kind: t.Kind})
}

// setup consumes a one-time token: creates the first owner or an invited
// user, or sets a user's password; then signs the user in.
func (s *Server) setup(w http.ResponseWriter, r *http.Request, _ *reqCtx) {
	ctx := r.Context()
	lang := s.lang(w, r)
	raw := r.PathValue("token")
	if !validPre(r) {
		s.message(w, r, nil, http.StatusForbidden, "csrf_title", "csrf_text")
		return
	}
	peek, err := s.Store.PeekDashboardToken(ctx, hashToken(raw), s.now())
	if err != nil {
		s.message(w, r, nil, http.StatusNotFound, "token_invalid_title", "token_invalid_text")
		return
	}
	d := &setupData{CSRF: s.preToken(w, r), Email: peek.Email, FixedEmail: peek.Email != "", Role: peek.Role, Kind: peek.Kind}
	email := peek.Email
	if email == "" {
		d.Email = r.PostFormValue("email")
		if email, err = NormalizeEmail(d.Email); err != nil {
			d.Err = texts[lang]["email_invalid"]
		}
	}
	pw := r.PostFormValue("password")
	if d.Err == "" {
		switch {
		case CheckPasswordPolicy(pw) != nil:
			d.Err = fmt.Sprintf(texts[lang]["password_short"], MinPassword)
		case pw != r.PostFormValue("password2"):
			d.Err = texts[lang]["password_mismatch"]
		}
	}
	if d.Err == "" && peek.Kind != store.TokenReset {
		if _, err := s.Store.DashboardUserByEmail(ctx, email); err == nil {
			d.Err = texts[lang]["email_taken"]
		}
	}
	if d.Err == "" && peek.Kind == store.TokenSetup {
		if us, err := s.Store.ListDashboardUsers(ctx, peek.MerchantID); err != nil || len(us) > 0 {
			s.message(w, r, nil, http.StatusNotFound, "token_invalid_title", "token_invalid_text")
			return
		}
	}
	if d.Err != "" {
		s.render(w, r, nil, http.StatusUnprocessableEntity, "setup", "setup_title", d)
		return
	}
	t, err := s.Store.UseDashboardToken(ctx, hashToken(raw), s.now())
	if err != nil {
		s.message(w, r, nil, http.StatusNotFound, "token_invalid_title", "token_invalid_text")
		return
	}
	now := s.now()
	var u *store.DashboardUser
	if t.Kind == store.TokenReset {
		if u, err = s.Store.GetDashboardUser(ctx, t.MerchantID, t.UserID); err == nil {
			u.PasswordHash, u.FailedLogins, u.LockedUntil, u.UpdatedAt = HashPassword(pw), 0, time.Time{}, now
			err = s.Store.UpdateDashboardUser(ctx, u)
		}
		if err == nil {
			err = s.Store.DeleteDashboardSessionsOfUser(ctx, u.ID)
		}
	} else {
		u = &store.DashboardUser{ID: id.New("usr"), MerchantID: t.MerchantID, Email: email, Role: t.Role,
			PasswordHash: HashPassword(pw), CreatedAt: now, UpdatedAt: now}
		err = s.Store.CreateDashboardUser(ctx, u)
	}
	if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	s.audit(ctx, r, u.MerchantID, "", u.ID, "dashboard.user."+t.Kind, "dashboard_user", u.ID, "success", `{"role":"`+u.Role+`"}`)
	if err := s.startSession(w, r, u); err != nil {
		s.fail(w, r, nil, err)
		return
	}
	http.Redirect(w, r, "/dashboard/payments", http.StatusSeeOther)
}

// Users page (owner): list and invite by one-time link.

type usersData struct {
	Users     []*store.DashboardUser
	Roles     []string
	InviteURL string
	Err       string
}

func (d *usersData) ErrorText() string { return d.Err }

func (s *Server) users(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	s.renderUsers(w, r, rc, http.StatusOK, &usersData{})
}

func (s *Server) renderUsers(w http.ResponseWriter, r *http.Request, rc *reqCtx, status int, d *usersData) {
	us, err := s.Store.ListDashboardUsers(r.Context(), rc.User.MerchantID)
	if err != nil {
		s.fail(w, r, rc, err)
		return
	}
	d.Users, d.Roles = us, Roles
	s.render(w, r, rc, status, "users", "nav_users", d)
}

func (s *Server) invite(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	lang := s.lang(w, r)
	email, err := NormalizeEmail(r.PostFormValue("email"))
	role := r.PostFormValue("role")
	if err != nil || !slices.Contains(Roles, role) {
		s.renderUsers(w, r, rc, http.StatusUnprocessableEntity, &usersData{Err: texts[lang]["email_invalid"]})
		return
	}
	raw, err := CreateToken(r.Context(), s.Store, s.now(), &store.DashboardToken{Kind: store.TokenInvite,
		MerchantID: rc.User.MerchantID, Email: email, Role: role, CreatedBy: rc.User.ID}, InviteTTL)
	if err != nil {
		s.fail(w, r, rc, err)
		return
	}
	s.audit(r.Context(), r, rc.User.MerchantID, rc.Session.Mode, rc.User.ID, "dashboard.user.invite", "dashboard_user", email, "success", `{"role":"`+role+`"}`)
	s.renderUsers(w, r, rc, http.StatusOK, &usersData{InviteURL: s.baseURL(r) + "/dashboard/setup/" + raw})
}

// baseURL is Kasa's public URL (the request's origin when none is set).
func (s *Server) baseURL(r *http.Request) string {
	if s.Svc.PublicURL != "" {
		return strings.TrimRight(s.Svc.PublicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
