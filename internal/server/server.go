// Package server wires Kasa together: storage, the keyring, the payment
// service, the API and the background resolver. The kasa command and the
// end-to-end tests both start Kasa through it.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/kasapos/kasa/internal/api"
	"github.com/kasapos/kasa/internal/dashboard"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/keyrotate"
	"github.com/kasapos/kasa/internal/metrics"
	"github.com/kasapos/kasa/internal/payment"
	"github.com/kasapos/kasa/internal/reconcile"
	"github.com/kasapos/kasa/internal/secret"
	"github.com/kasapos/kasa/internal/store"
	"github.com/kasapos/kasa/internal/store/postgres"
	"github.com/kasapos/kasa/internal/store/sqlite"
	"github.com/kasapos/kasa/internal/web"
	"github.com/kasapos/kasa/internal/webhook"

	// Bank protocols register themselves.
	_ "github.com/kasapos/kasa/internal/gateway/all"
)

// Config is everything a Kasa node needs.
type Config struct {
	Addr        string // listen address, e.g. 127.0.0.1:8080
	DataDir     string // SQLite file and dev key file live here
	DatabaseURL string // postgres://… selects PostgreSQL; empty means SQLite in DataDir
	// ReadDatabaseURL, with PostgreSQL, is a read replica that serves the
	// dashboard's payment lists, CSV exports and analytics.
	ReadDatabaseURL string
	// GroupCommit is the number of PostgreSQL group-commit committers
	// (sqlstore's committers); 0 commits each transaction on its own.
	// SQLite always group-commits on its one writer.
	GroupCommit int
	MasterKeys  string // keyring spec; empty reads/creates DataDir/master.key (dev only)
	TLSCert     string
	TLSKey      string
	// TLSSelfSigned serves HTTPS with an ephemeral self-signed certificate
	// for localhost/127.0.0.1 when no TLSCert is given (development only).
	TLSSelfSigned bool
	// PublicURL is how browsers and banks reach this node (3D redirects and
	// callbacks); empty means the listen URL.
	PublicURL   string
	BankTimeout time.Duration
	// ResolveEvery is how often the resolver looks for payments left
	// processing/unknown; ResolveAfter is how old they must be.
	ResolveEvery time.Duration
	ResolveAfter time.Duration
	// IdempotencyStale is how old an in-progress idempotency claim must be
	// before a retry may take it over (its request died with a node); it must
	// exceed the longest request. Zero keeps the API's default (2 minutes).
	IdempotencyStale time.Duration
	// IdempotencyRetention is how long idempotency keys are kept (IDEM-1:
	// at least 24 hours; default 48).
	IdempotencyRetention time.Duration
	// WebhookEvery is how often the webhook dispatcher looks for due
	// retries and for events other nodes committed (default 1 s; this
	// node's own events wake it); WebhookWorkers bounds its concurrent
	// attempts (default 8).
	WebhookEvery   time.Duration
	WebhookWorkers int
	Log            *slog.Logger
	// ReconcileAt ("HH:MM", Istanbul) runs the end-of-day reconciliation
	// of the previous day for every POS daily; empty: off.
	ReconcileAt string
	// MetricsToken, if set, is required as "Authorization: Bearer <token>"
	// on /metrics; empty serves /metrics openly (a private network).
	MetricsToken string
}

// Kasa is a running node.
type Kasa struct {
	Config Config
	Store  store.Store
	// Replica, if set, serves the dashboard's heavy reads (store.Reporting).
	Replica store.Store
	Keys    *secret.Keyring
	Service *payment.Service
	API     *api.Server
	Web     *web.Server
	// Webhooks delivers the outbox to merchants' endpoints.
	Webhooks *webhook.Dispatcher
	URL      string
	// Metrics is served at /metrics (observe.go).
	Metrics *metrics.Metrics
	// Dashboard is the merchant dashboard under /dashboard/ (issue #7).
	Dashboard *dashboard.Server

	ln     net.Listener
	http   *http.Server
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// OpenStore opens the configured backend and applies migrations.
func OpenStore(ctx context.Context, cfg Config) (store.Store, error) {
	if strings.HasPrefix(cfg.DatabaseURL, "postgres://") || strings.HasPrefix(cfg.DatabaseURL, "postgresql://") {
		return postgres.OpenWith(ctx, cfg.DatabaseURL, postgres.Options{Committers: cfg.GroupCommit})
	}
	if cfg.DatabaseURL != "" {
		return nil, fmt.Errorf("database URL must start with postgres:// (or be empty for SQLite)")
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, err
	}
	return sqlite.Open(filepath.Join(cfg.DataDir, "kasa.db"))
}

// LoadKeyring reads the keyring from cfg or the data dir's dev key file,
// creating that file (0600) on first use.
func LoadKeyring(cfg Config) (*secret.Keyring, error) {
	if cfg.MasterKeys != "" {
		return secret.ParseKeyring(cfg.MasterKeys)
	}
	path := filepath.Join(cfg.DataDir, "master.key")
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, err
		}
		spec := secret.NewKeyringSpec(1)
		if err := os.WriteFile(path, []byte(spec+"\n"), 0o600); err != nil {
			return nil, err
		}
		return secret.ParseKeyring(spec)
	} else if err != nil {
		return nil, err
	}
	return secret.ParseKeyring(string(b))
}

// Open builds a node without listening yet.
func Open(ctx context.Context, cfg Config) (*Kasa, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.ResolveEvery == 0 {
		cfg.ResolveEvery = 15 * time.Second
	}
	if cfg.ResolveAfter == 0 {
		cfg.ResolveAfter = 2 * gateway.DefaultTimeout
		if cfg.BankTimeout > 0 {
			cfg.ResolveAfter = 2 * cfg.BankTimeout
		}
	}
	if cfg.ReconcileAt != "" {
		if _, _, err := reconcile.ParseClock(cfg.ReconcileAt); err != nil {
			return nil, err
		}
	}
	if cfg.IdempotencyRetention < 24*time.Hour {
		cfg.IdempotencyRetention = 48 * time.Hour
	}
	kr, err := LoadKeyring(cfg)
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	st, err := OpenStore(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	// The MAC root is pinned in the database, and a keyring missing a KEK
	// still in use is refused (issue #5, key rotation).
	if err := keyrotate.Check(ctx, st, kr); err != nil {
		st.Close()
		return nil, fmt.Errorf("keyring: %w", err)
	}
	// Card data left in the 3D vault by a crash is destroyed at start-up
	// (PCI-1). SQLite means a single node, so every entry is a leftover; on
	// PostgreSQL other nodes may be mid-flow, so only expired ones go.
	purgeBefore := time.Now()
	if cfg.DatabaseURL == "" {
		purgeBefore = purgeBefore.Add(payment.VaultTTL + time.Hour)
	}
	if _, err := st.PurgeVault(ctx, purgeBefore); err != nil {
		st.Close()
		return nil, fmt.Errorf("vault purge: %w", err)
	}
	var replica store.Store
	if cfg.ReadDatabaseURL != "" {
		if cfg.DatabaseURL == "" {
			st.Close()
			return nil, fmt.Errorf("a read replica (--database-read-url) needs PostgreSQL (--database-url)")
		}
		if replica, err = postgres.OpenReplica(ctx, cfg.ReadDatabaseURL); err != nil {
			st.Close()
			return nil, fmt.Errorf("read replica: %w", err)
		}
	}
	svc := &payment.Service{Store: st, Keys: kr, HTTPClient: gateway.DefaultClient(), Log: cfg.Log,
		BankTimeout: cfg.BankTimeout, PublicURL: cfg.PublicURL}
	if err := svc.ReloadBINs(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("BIN table: %w", err)
	}
	a := api.New(svc, cfg.Log)
	if cfg.IdempotencyStale > 0 {
		a.IdempotencyStale = cfg.IdempotencyStale
	}
	k := &Kasa{Config: cfg, Store: st, Replica: replica, Keys: kr, Service: svc, API: a, Web: web.New(svc, cfg.Log),
		Webhooks: &webhook.Dispatcher{Store: st, Keys: kr, Log: cfg.Log, Interval: cfg.WebhookEvery, Workers: cfg.WebhookWorkers}}
	if n, ok := st.(store.EventNotifier); ok {
		n.OnEvents(k.Webhooks.Wake) // this node's events go out within WakeGap; others' at the poll
	}
	k.instrument()
	return k, nil
}

// Start listens and serves, and starts the resolver.
func (k *Kasa) Start() error {
	ln, err := net.Listen("tcp", k.Config.Addr)
	if err != nil {
		return err
	}
	k.ln = ln
	scheme := "http"
	if k.Config.TLSCert != "" || k.Config.TLSSelfSigned {
		scheme = "https"
	}
	k.URL = scheme + "://" + ln.Addr().String()
	if k.Service.PublicURL == "" {
		k.Service.PublicURL = k.URL
	}
	root := http.NewServeMux()
	for _, prefix := range web.Prefixes {
		root.Handle(prefix, k.Metrics.Instrument("web "+prefix, checkoutLimit(k.Web))) // checkoutLimit: issue #5, per-IP limit on the hosted card POST
	}
	root.Handle("/", k.API)
	if k.Dashboard == nil {
		k.Dashboard = dashboard.New(k.Service, &webhook.Manager{Store: k.Store, Keys: k.Keys, Now: k.Service.Now}, k.Config.Log)
		if k.Replica != nil {
			k.Dashboard.Store = store.Reporting(k.Store, k.Replica)
		}
	}
	root.Handle(dashboard.Prefix, k.Dashboard) // issue #7
	k.opsRoutes(root)
	k.http = &http.Server{
		Handler:           root,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      2 * time.Minute, // longer than a slow bank call
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(k.Config.Log.Handler(), slog.LevelWarn),
	}
	if k.Config.TLSSelfSigned && k.Config.TLSCert == "" {
		if k.http.TLSConfig, err = selfSignedTLS(); err != nil {
			ln.Close()
			return fmt.Errorf("self-signed certificate: %w", err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	k.cancel = cancel
	k.wg.Add(2)
	go func() {
		defer k.wg.Done()
		var err error
		if k.Config.TLSCert != "" || k.http.TLSConfig != nil {
			err = k.http.ServeTLS(ln, k.Config.TLSCert, k.Config.TLSKey)
		} else {
			err = k.http.Serve(ln)
		}
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			k.Config.Log.Error("http server", "err", err)
		}
	}()
	go func() {
		defer k.wg.Done()
		k.resolveLoop(ctx)
	}()
	k.wg.Go(func() { k.Webhooks.Run(ctx) })
	if k.Config.ReconcileAt != "" {
		k.wg.Go(func() {
			if err := reconcile.New(k.Service).Schedule(ctx, k.Config.ReconcileAt); err != nil {
				k.Config.Log.Error("reconciliation schedule", "err", err)
			}
		})
	}
	return nil
}

// resolveLoop settles payments a crash or a timeout left open, and reaps
// expired idempotency keys (never payments). It runs once at start (recovery
// after a crash) and then periodically.
func (k *Kasa) resolveLoop(ctx context.Context) {
	t := time.NewTicker(k.Config.ResolveEvery)
	defer t.Stop()
	for {
		n, err := k.Service.ResolvePending(ctx, k.Config.ResolveAfter, 100)
		k.Metrics.ObserveResolver(n, err)
		if err != nil && ctx.Err() == nil {
			k.Config.Log.Warn("resolver", "err", err)
		} else if n > 0 {
			k.Config.Log.Info("resolver settled payments", "count", n)
		}
		if _, err := k.Store.DeleteIdempotencyBefore(ctx, time.Now().Add(-k.Config.IdempotencyRetention)); err != nil && ctx.Err() == nil {
			k.Config.Log.Warn("idempotency reaper", "err", err)
		}
		if _, err := k.Store.PurgeVault(ctx, time.Now()); err != nil && ctx.Err() == nil {
			k.Config.Log.Warn("vault purge", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Close stops accepting requests, lets in-flight ones (and their bank calls)
// finish, and closes the store.
func (k *Kasa) Close(ctx context.Context) error {
	var err error
	if k.http != nil {
		err = k.http.Shutdown(ctx)
	}
	if k.cancel != nil {
		k.cancel()
	}
	k.wg.Wait()
	if k.Replica != nil {
		err = errors.Join(err, k.Replica.Close())
	}
	return errors.Join(err, k.Store.Close())
}
