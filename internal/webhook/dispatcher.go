package webhook

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/kasapos/kasa/internal/id"
	"github.com/kasapos/kasa/internal/secret"
	"github.com/kasapos/kasa/internal/store"
)

// Dispatcher delivers the outbox (WH-1, WH-3). Run (and each RunOnce) fans
// new events out into deliveries, then claims due deliveries under a lease
// and sends them. Any number of dispatchers (nodes) may share a database: a claim is
// exclusive until its lease lapses, so an attempt is never made twice at the
// same time, and a node that dies mid-attempt only delays it by the lease.
type Dispatcher struct {
	Store store.Store
	Keys  *secret.Keyring
	Log   *slog.Logger
	// Now is the clock for schedules and leases (tests move it).
	Now func() time.Time

	Interval time.Duration // Run's polling period; default 1 s
	Timeout  time.Duration // one attempt, connect to last byte; default 15 s
	Retry    RetryPolicy
	// DisableAfter disables an endpoint whose every attempt has failed for
	// this long (default 72 h, the retry window). DisableAfterFailures, if
	// positive, also disables after that many consecutive failed attempts;
	// it is off by default because a burst of events during a short outage
	// would reach any small count long before the outage is over.
	DisableAfter         time.Duration
	DisableAfterFailures int
	Batch                int // deliveries claimed per round (RunOnce) or queued at most (Run); default 32
	Workers              int // concurrent attempts; default 8
	// WakeGap is the least time between two of Run's refills that Wake
	// asked for (default 20 ms): events committed within it are fanned out
	// and claimed together, so a busy node refills up to 50 times a second
	// in small batches instead of one burst per Interval, which on 2 CPUs
	// was what the sales beside it waited for (docs/performance.md, step 25).
	WakeGap time.Duration

	once             sync.Once
	wake             chan struct{}
	live, test       *http.Client
	timeout, leaseOf time.Duration
}

func (d *Dispatcher) init() {
	d.once.Do(func() {
		d.timeout = d.Timeout
		if d.timeout <= 0 {
			d.timeout = 15 * time.Second
		}
		// The lease outlives the attempt's timeout with room for the
		// bookkeeping around it, so a live claim never lapses mid-attempt.
		d.leaseOf = d.timeout + time.Minute
		d.live, d.test = newClient(d.timeout, false), newClient(d.timeout, true)
		d.wake = make(chan struct{}, 1)
	})
}

// Wake tells Run that new events were committed (store.EventNotifier), so
// they are delivered within WakeGap rather than at the next poll. It never
// blocks; wakes before Run's next refill count as one.
func (d *Dispatcher) Wake() {
	d.init()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// newClient is the delivery HTTP client: the SSRF guard on every dial, no
// proxy (a proxy would be dialled instead of the checked address), no
// redirects (a 3xx is a failed attempt), and a bound on the whole exchange.
func newClient(timeout time.Duration, allowLoopback bool) *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second, Control: dialControl(allowLoopback)}
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           dialer.DialContext,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: timeout,
			MaxIdleConns:          64,
			MaxIdleConnsPerHost:   4,
			IdleConnTimeout:       90 * time.Second,
			ForceAttemptHTTP2:     true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func (d *Dispatcher) now() time.Time {
	if d.Now != nil {
		return d.Now().UTC()
	}
	return time.Now().UTC()
}

func (d *Dispatcher) log() *slog.Logger {
	if d.Log != nil {
		return d.Log
	}
	return slog.Default()
}

// Run fans out and delivers until ctx ends. Claimed deliveries wait in a
// queue that a pool of Workers takes from one at a time, and the queue is
// refilled every Interval, at once when it runs low after a full claim (a
// backlog drains without waiting), and within WakeGap of a Wake. So an
// endpoint that hangs until the timeout holds one worker while the others
// go on; rounds that each waited for their slowest attempt (RunOnce) held
// up every merchant's deliveries claimed beside it.
func (d *Dispatcher) Run(ctx context.Context) {
	d.init()
	every := d.Interval
	if every <= 0 {
		every = time.Second
	}
	batch := d.batch()
	jobs := make(chan job, batch)
	low := make(chan struct{}, 1)
	var wg sync.WaitGroup
	for range d.workers() {
		wg.Go(func() {
			for j := range jobs {
				switch {
				case ctx.Err() != nil:
					// Shutting down: the lease lapses.
				case !d.now().Add(d.timeout).Before(j.dl.ClaimedUntil):
					// The lease would end before the attempt could:
					// another node may claim it then, and two attempts
					// must never overlap. Left to lapse.
				case time.Since(j.r.at) > roundFresh:
					// Queued behind slow attempts: read its endpoint and
					// event again, so a deletion, a disabling or a new
					// secret since the claim is seen.
					d.attempt(ctx, j.dl, d.read(ctx, []*store.WebhookDelivery{j.dl}))
				default:
					d.attempt(ctx, j.dl, j.r)
				}
				if len(jobs) <= batch/4 {
					select {
					case low <- struct{}{}:
					default:
					}
				}
			}
		})
	}
	// After ctx ends, the workers run down the queue without attempts.
	defer func() { close(jobs); wg.Wait() }()
	gap := d.WakeGap
	if gap <= 0 {
		gap = 20 * time.Millisecond
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		last := time.Now()
		full, err := d.refill(ctx, jobs)
		if err != nil && ctx.Err() == nil {
			d.log().Warn("webhook dispatcher", "err", err)
		}
		var more <-chan struct{}
		if full && err == nil {
			more = low
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-more:
		case <-d.wake:
			if wait := gap - time.Since(last); wait > 0 {
				select {
				case <-ctx.Done():
					return
				case <-time.After(wait):
				}
			}
		}
	}
}

// job is one claimed delivery with its round's reads.
type job struct {
	dl *store.WebhookDelivery
	r  *round
}

// refill fans out new events and claims as many due deliveries as jobs has
// room for; full reports that it got all it asked for, so more may be due.
// Only Run's loop sends on jobs, so the room it sees cannot shrink.
func (d *Dispatcher) refill(ctx context.Context, jobs chan job) (full bool, err error) {
	if err := d.fanOut(ctx); err != nil {
		return false, err
	}
	room := cap(jobs) - len(jobs)
	if room == 0 {
		return true, nil
	}
	claimed, err := d.claim(ctx, room)
	if err != nil {
		return false, err
	}
	r := d.read(ctx, claimed)
	for _, dl := range claimed {
		jobs <- job{dl, r}
	}
	return len(claimed) == room, nil
}

func (d *Dispatcher) batch() int {
	if d.Batch > 0 {
		return d.Batch
	}
	return 32
}

func (d *Dispatcher) workers() int {
	if d.Workers > 0 {
		return d.Workers
	}
	return 8
}

// fanOut turns every pending event into deliveries.
func (d *Dispatcher) fanOut(ctx context.Context) error {
	for {
		n, err := d.Store.FanOutEvents(ctx, 200, func() string { return id.New("whd") })
		if err != nil {
			return fmt.Errorf("fan out: %w", err)
		}
		if n < 200 {
			return nil
		}
	}
}

// claim leases up to n due deliveries to this dispatcher.
func (d *Dispatcher) claim(ctx context.Context, n int) ([]*store.WebhookDelivery, error) {
	now := d.now()
	var tok [16]byte
	_, _ = rand.Read(tok[:]) // crypto/rand does not fail
	claimed, err := d.Store.ClaimWebhookDeliveries(ctx, now, now.Add(d.leaseOf), hex.EncodeToString(tok[:]), n)
	if err != nil {
		return nil, fmt.Errorf("claim: %w", err)
	}
	return claimed, nil
}

// RunOnce fans out pending events and makes one round of due attempts,
// returning when all of them are done (tests, and a caller that wants a
// round): the number of attempts made, successful or not.
func (d *Dispatcher) RunOnce(ctx context.Context) (delivered int, err error) {
	d.init()
	if err := d.fanOut(ctx); err != nil {
		return 0, err
	}
	claimed, err := d.claim(ctx, d.batch())
	if err != nil {
		return 0, err
	}
	workers := d.workers()
	r := d.read(ctx, claimed)
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	for _, dl := range claimed {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			d.attempt(ctx, dl, r)
		})
	}
	wg.Wait()
	return len(claimed), nil
}

// round is what a round's attempts share, read before they start: each
// endpoint once, not once an attempt (a round's deliveries mostly share
// one), and the events in one query per merchant. Each read on SQLite's
// read pool after a commit re-reads its pages: at 500 sales/s with a
// webhook, the endpoint read alone cost ~57 us of CPU an attempt.
type round struct {
	at  time.Time // when read
	eps map[string]endpointRead
	evs map[string]*store.Event // missing: the attempt reads its own
}

// roundFresh is how long Run lets a queued delivery use its round's reads.
const roundFresh = time.Second

// endpointRead is an endpoint as read for a round, or the error.
type endpointRead struct {
	ep  *store.WebhookEndpoint
	err error
}

func (d *Dispatcher) read(ctx context.Context, claimed []*store.WebhookDelivery) *round {
	r := &round{at: time.Now(), eps: map[string]endpointRead{}, evs: map[string]*store.Event{}}
	ids := map[string][]string{} // event ids by merchant
	for _, dl := range claimed {
		if _, ok := r.eps[dl.EndpointID]; !ok {
			ep, err := d.Store.GetWebhookEndpoint(ctx, dl.MerchantID, dl.EndpointID)
			r.eps[dl.EndpointID] = endpointRead{ep, err}
		}
		ids[dl.MerchantID] = append(ids[dl.MerchantID], dl.EventID)
	}
	for merchant, list := range ids {
		evs, err := d.Store.GetEvents(ctx, merchant, list)
		if err != nil {
			d.log().Warn("webhook events", "err", err) // each attempt tries its own
			continue
		}
		for _, ev := range evs {
			r.evs[ev.ID] = ev
		}
	}
	return r
}

// outcome is one attempt's result.
type outcome struct {
	status     int
	err        string
	retryAfter time.Duration
	gone       bool // 410: the receiver says the endpoint is gone
}

func (o outcome) ok() bool { return o.err == "" && o.status >= 200 && o.status < 300 }

// attempt makes one claimed delivery's attempt and records it. Errors are
// logged, never returned: one broken endpoint must not stall the others.
func (d *Dispatcher) attempt(ctx context.Context, dl *store.WebhookDelivery, r *round) {
	log := d.log().With("delivery_id", dl.ID, "endpoint_id", dl.EndpointID, "event_id", dl.EventID)
	ep, err := r.eps[dl.EndpointID].ep, r.eps[dl.EndpointID].err
	if errors.Is(err, store.ErrNotFound) {
		return // deleted meanwhile; its deliveries went with it
	} else if err != nil {
		log.Warn("webhook endpoint", "err", err)
		return // the lease lapses and the attempt is made later
	}
	started := d.now()
	// Failures on Kasa's side (database, keyring) are not the endpoint's:
	// no attempt is recorded, and the lapsed lease retries it later.
	ev, ok := r.evs[dl.EventID]
	if !ok {
		ev, err = d.Store.GetEvent(ctx, dl.MerchantID, dl.EventID)
	}
	if err != nil {
		log.Warn("webhook event", "err", err)
		return
	}
	body, err := Body(ev)
	if err != nil {
		log.Error("webhook body", "err", err)
		return
	}
	secrets, err := d.secrets(ep, started)
	if err != nil {
		log.Error("webhook signing secret cannot be opened", "err", err)
		return
	}
	t0 := time.Now()
	o := d.send(ctx, ep, ev.ID, body, secrets, started)
	latency := time.Since(t0).Milliseconds()
	if !o.ok() && ctx.Err() != nil {
		return // cut off by our own shutdown, not the endpoint's failure; the lease lapses
	}

	dl.Attempts++
	dl.LastAttemptAt, dl.LastStatus, dl.LastError = started, o.status, o.err
	dl.NextAttemptAt = time.Time{}
	switch {
	case o.ok():
		dl.State = store.DeliverySucceeded
	case o.gone:
		// WH-3: a 410 disables the endpoint. Disabling first makes
		// RecordWebhookAttempt file this delivery as disabled.
		if err := d.Store.SetWebhookEndpointEnabled(ctx, ep.MerchantID, ep.ID, false,
			"the endpoint answered 410 Gone", started); err != nil && !errors.Is(err, store.ErrNotFound) {
			log.Warn("webhook disable", "err", err)
		}
		dl.State = store.DeliveryPending
	case dl.Manual:
		dl.State = store.DeliveryFailed // a manual resend is one attempt
	default:
		if next, ok := d.Retry.Next(dl.Attempts, dl.CreatedAt, started, o.retryAfter); ok {
			dl.State, dl.NextAttemptAt = store.DeliveryPending, next
		} else {
			dl.State = store.DeliveryFailed
		}
	}
	a := &store.WebhookAttempt{ID: id.New("wha"), DeliveryID: dl.ID, EndpointID: ep.ID, Attempt: dl.Attempts,
		Manual: dl.Manual, StartedAt: started, Status: o.status, LatencyMS: latency, Error: o.err,
		NextAttemptAt: dl.NextAttemptAt}
	// Recorded even if ctx was cancelled meanwhile (shutdown): the attempt
	// was made, and the log and schedule must say so.
	rec := context.WithoutCancel(ctx)
	after, err := d.Store.RecordWebhookAttempt(rec, dl, a)
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvariant) {
		return // the endpoint was deleted during the attempt
	} else if err != nil {
		log.Warn("webhook record attempt", "err", err)
		return
	}
	log.Info("webhook attempt", "type", dl.EventType, "attempt", dl.Attempts, "status", o.status,
		"latency_ms", latency, "error", o.err, "state", dl.State)
	if reason := d.disableReason(after, started); reason != "" {
		if err := d.Store.SetWebhookEndpointEnabled(rec, ep.MerchantID, ep.ID, false, reason, started); err != nil &&
			!errors.Is(err, store.ErrNotFound) {
			log.Warn("webhook disable", "err", err)
			return
		}
		log.Warn("webhook endpoint disabled", "reason", reason)
	}
}

// disableReason says why an endpoint's failure streak disables it, or "".
func (d *Dispatcher) disableReason(ep *store.WebhookEndpoint, now time.Time) string {
	if !ep.Enabled || ep.FailureCount == 0 {
		return ""
	}
	if d.DisableAfterFailures > 0 && ep.FailureCount >= d.DisableAfterFailures {
		return fmt.Sprintf("%d consecutive failed deliveries", ep.FailureCount)
	}
	after := d.DisableAfter
	if after <= 0 {
		after = DefaultRetryFor
	}
	if !ep.FailingSince.IsZero() && now.Sub(ep.FailingSince) >= after {
		return fmt.Sprintf("every delivery failed since %s (%d attempts)", ep.FailingSince.Format(time.RFC3339), ep.FailureCount)
	}
	return ""
}

// send makes the HTTP request. Its error strings go to the merchant's
// delivery log, so they name what failed without the URL (which may hold a
// token) and never the secret.
func (d *Dispatcher) send(ctx context.Context, ep *store.WebhookEndpoint, msgID string, body []byte, secrets [][]byte, now time.Time) outcome {
	live := ep.Mode == store.ModeLive
	if u, err := url.Parse(ep.URL); err != nil || (live && u.Scheme != "https") {
		return outcome{err: "endpoint URL not allowed"}
	}
	ts := now.Unix()
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(body))
	if err != nil {
		return outcome{err: "endpoint URL not usable"}
	}
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "Kasa-Webhooks/1")
	h.Set(HeaderID, msgID) // the event id, the same on every attempt: the receiver's dedup key
	h.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	h.Set(HeaderSignature, SignatureHeader(secrets, msgID, ts, body))
	client := d.test
	if live {
		client = d.live
	}
	resp, err := client.Do(req)
	if err != nil {
		return outcome{err: describe(err, d.timeout)}
	}
	defer resp.Body.Close()
	// Read a little so the connection can be reused; the body is not kept.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	o := outcome{status: resp.StatusCode, retryAfter: retryAfter(resp.Header, now)}
	switch {
	case o.status >= 200 && o.status < 300:
	case o.status == http.StatusGone:
		o.gone, o.err = true, "HTTP 410 Gone"
	case o.status >= 300 && o.status < 400:
		o.err = fmt.Sprintf("HTTP %d: redirects are not followed", o.status)
	default:
		o.err = fmt.Sprintf("HTTP %d", o.status)
	}
	return o
}

// secrets opens the endpoint's signing secrets: the current one, and the
// previous one while its rotation overlap lasts.
func (d *Dispatcher) secrets(ep *store.WebhookEndpoint, now time.Time) ([][]byte, error) {
	cur, err := d.Keys.Open(ep.Secret, SecretAAD(ep.ID))
	if err != nil {
		return nil, err
	}
	out := [][]byte{cur}
	if len(ep.PrevSecret) > 0 && now.Before(ep.PrevSecretUntil) {
		prev, err := d.Keys.Open(ep.PrevSecret, PrevSecretAAD(ep.ID))
		if err != nil {
			return nil, err
		}
		out = append(out, prev)
	}
	return out, nil
}

// describe turns a transport error into a short log line without the URL.
func describe(err error, timeout time.Duration) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var ne net.Error
	switch {
	case errors.Is(err, ErrForbiddenAddress):
		return "refused: " + err.Error()
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout after " + timeout.String()
	}
	s := err.Error()
	if len(s) > 300 {
		s = s[:300]
	}
	return s
}
