package gateway

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// IDEM-4: failures are classified so that only provably unsent calls are retried.
func TestIDEM4_TransportClassification(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/ok":
			w.Write([]byte("<ok/>"))
		case "/500":
			w.WriteHeader(500)
		case "/404":
			w.WriteHeader(404)
		case "/hang":
			select {
			case <-release:
			case <-r.Context().Done():
			}
		case "/reset":
			c, _, _ := w.(http.Hijacker).Hijack()
			c.(*net.TCPConn).SetLinger(0)
			c.Close()
		}
	}))
	defer srv.Close()
	defer close(release)

	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there now

	cases := []struct {
		url  string
		want Outcome // "" means success
	}{
		{srv.URL + "/ok", ""},
		{srv.URL + "/500", Unknown},
		{srv.URL + "/404", NotSent},
		{srv.URL + "/hang", Unknown},
		{srv.URL + "/reset", Unknown},
		{dead + "/x", NotSent},
	}
	client := NewHTTPClient()
	for _, c := range cases {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		body, terr := Post(ctx, client, c.url, "text/xml", []byte("<x/>"), nil)
		cancel()
		switch {
		case c.want == "" && (terr != nil || string(body) != "<ok/>"):
			t.Errorf("%s: got %v %q, want success", c.url, terr, body)
		case c.want != "" && (terr == nil || terr.Outcome != c.want):
			t.Errorf("%s: got %v, want %s", c.url, terr, c.want)
		}
	}
}

func TestClientRefusesRedirects(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("redirect followed: a charge could be sent twice")
	}))
	defer target.Close()
	srv := httptest.NewServer(http.RedirectHandler(target.URL, http.StatusTemporaryRedirect))
	defer srv.Close()
	_, terr := Post(context.Background(), NewHTTPClient(), srv.URL, "text/xml", nil, nil)
	if terr == nil || terr.Outcome != Unknown {
		t.Fatalf("redirect: got %v, want an Unknown error", terr)
	}
}
