package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kasapos/kasa/internal/secret"
)

// A node started with --tls-self-signed answers HTTPS with a certificate for
// 127.0.0.1 and sends the secure headers (HSTS only over TLS).
func TestTLSSelfSigned(t *testing.T) {
	k, err := Open(context.Background(), Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(),
		MasterKeys: secret.NewKeyringSpec(1), TLSSelfSigned: true, ResolveEvery: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Start(); err != nil {
		t.Fatal(err)
	}
	defer k.Close(context.Background())
	if !strings.HasPrefix(k.URL, "https://127.0.0.1:") {
		t.Fatalf("URL %s", k.URL)
	}
	leaf := k.http.TLSConfig.Certificates[0].Leaf
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := c.Get(k.URL + "/healthz")
	if err != nil {
		t.Fatal(err) // verifies the chain and the 127.0.0.1 IP SAN
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.TLS == nil || resp.TLS.Version < tls.VersionTLS12 {
		t.Fatalf("status %d tls %v", resp.StatusCode, resp.TLS)
	}
	for h, want := range map[string]string{
		"Strict-Transport-Security": "max-age=63072000; includeSubDomains",
		"X-Content-Type-Options":    "nosniff",
		"Cache-Control":             "no-store",
	} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	if pub := leaf.PublicKeyAlgorithm; pub != x509.ECDSA {
		t.Errorf("key algorithm %v", pub)
	}
	// Plain HTTP to the TLS port is refused.
	if resp, err := http.Get("http://" + strings.TrimPrefix(k.URL, "https://") + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Error("plain HTTP answered 200 on the TLS port")
		}
	}
}
