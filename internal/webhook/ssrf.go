package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"

	"github.com/kasapos/kasa/internal/store"
)

// SSRF guard (WH-5). A merchant chooses where Kasa sends requests, so the
// URL must not reach Kasa's own network: loopback, private, shared (CGNAT),
// link-local (cloud metadata at 169.254.169.254), unspecified, multicast or
// reserved addresses are refused. The address is checked twice: when the
// URL is saved (by resolving it, for a clear error) and on every delivery in
// the dialer's Control hook, on the very IP being connected to, so a DNS
// answer that changes after the first check (rebinding) cannot get through.
//
// Test mode allows http and loopback so that local receivers (tests, the
// demo) work; every other range stays refused in both modes, since test keys
// are easy to come by.

// ErrForbiddenAddress is returned for a destination the guard refuses.
var ErrForbiddenAddress = errors.New("webhook: destination address not allowed")

// Ranges netip's predicates do not cover.
var forbiddenPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // shared address space (CGNAT)
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // TEST-NET-1
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // TEST-NET-2
	netip.MustParsePrefix("203.0.113.0/24"),  // TEST-NET-3
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and broadcast
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("100::/64"),        // discard-only
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
}

// CheckIP refuses an address a webhook must not reach; allowLoopback is
// test mode's exception.
func CheckIP(ip netip.Addr, allowLoopback bool) error {
	ip = ip.Unmap() // ::ffff:10.0.0.1 is 10.0.0.1
	if !ip.IsValid() {
		return ErrForbiddenAddress
	}
	// Addresses that embed an IPv4 address are judged by it: NAT64
	// (64:ff9b::/96) and 6to4 (2002::/16) would otherwise tunnel to it.
	if ip.Is6() {
		b := ip.As16()
		if netip.MustParsePrefix("64:ff9b::/96").Contains(ip) {
			return CheckIP(netip.AddrFrom4([4]byte(b[12:16])), allowLoopback)
		}
		if netip.MustParsePrefix("2002::/16").Contains(ip) {
			return CheckIP(netip.AddrFrom4([4]byte(b[2:6])), allowLoopback)
		}
	}
	if ip.IsLoopback() {
		if allowLoopback {
			return nil
		}
		return fmt.Errorf("%w: %s is loopback", ErrForbiddenAddress, ip)
	}
	switch {
	case ip.IsUnspecified(), ip.IsPrivate(), ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast(),
		ip.IsInterfaceLocalMulticast(), ip.IsMulticast():
		return fmt.Errorf("%w: %s is not a public address", ErrForbiddenAddress, ip)
	}
	for _, p := range forbiddenPrefixes {
		if p.Contains(ip) {
			return fmt.Errorf("%w: %s is reserved", ErrForbiddenAddress, ip)
		}
	}
	return nil
}

// dialControl is the net.Dialer Control hook: address is the IP and port
// actually being dialled, after DNS.
func dialControl(allowLoopback bool) func(network, address string, _ syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("%w: %q", ErrForbiddenAddress, address)
		}
		return CheckIP(ap.Addr(), allowLoopback)
	}
}

// Resolver looks a host name up (net.DefaultResolver; a fake in tests).
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// URLError is a refused endpoint URL: Forbidden when it is well formed but
// points where webhooks may not go.
type URLError struct {
	Forbidden bool
	Msg       string
}

func (e *URLError) Error() string { return e.Msg }

// CheckURL validates an endpoint URL for mode: absolute http(s) without a
// fragment; https only in live mode; and every address its host resolves to
// allowed. A host that does not resolve is refused too: it might resolve
// later, but a merchant typing a URL wants to hear about a typo now.
func CheckURL(ctx context.Context, raw string, mode store.Mode, r Resolver) error {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return &URLError{Msg: "url must be an absolute http(s) URL"}
	}
	switch {
	case len(raw) > 2048:
		return &URLError{Msg: "url must be at most 2048 characters"}
	case u.Scheme != "https" && u.Scheme != "http":
		return &URLError{Msg: "url must be an http(s) URL"}
	case u.Scheme != "https" && mode == store.ModeLive:
		return &URLError{Msg: "live mode webhook URLs must use https"}
	case u.Fragment != "" || strings.ContainsAny(raw, " \t\r\n"):
		return &URLError{Msg: "url must not contain a fragment or spaces"}
	}
	allowLoopback := mode != store.ModeLive
	host := u.Hostname()
	if ip, err := netip.ParseAddr(host); err == nil {
		if err := CheckIP(ip, allowLoopback); err != nil {
			return &URLError{Forbidden: true, Msg: "url points to an address webhooks may not reach (" + ip.String() + ")"}
		}
		return nil
	}
	if r == nil {
		r = net.DefaultResolver
	}
	ips, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil || len(ips) == 0 {
		return &URLError{Msg: "url's host " + host + " does not resolve"}
	}
	for _, ip := range ips {
		if err := CheckIP(ip, allowLoopback); err != nil {
			return &URLError{Forbidden: true, Msg: "url's host resolves to an address webhooks may not reach (" + ip.Unmap().String() + ")"}
		}
	}
	return nil
}
