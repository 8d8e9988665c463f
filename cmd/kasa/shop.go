package main

import (
	"context"
	"errors"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/kasapos/kasa/client"
	"github.com/kasapos/kasa/internal/id"
)

// The demo shop is what a merchant's site does with Kasa's hosted checkout,
// in the fewest lines: its Buy button posts to the shop's own server, which
// opens a checkout session with its secret key and sends the buyer to Kasa;
// its thank-you page (the session's return_url) asks Kasa's API what
// happened instead of trusting the query string.

const (
	shopProduct = "Türk kahvesi seti / Turkish coffee set"
	shopPrice   = 34990 // 349,90 TL
)

type shop struct {
	kasa *client.Client
	url  string
	log  *slog.Logger
}

// startShop serves the demo shop on addr and returns its URL and a closer.
func startShop(addr string, kasa *client.Client, log *slog.Logger) (string, func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, err
	}
	s := &shop{kasa: kasa, url: "http://" + ln.Addr().String(), log: log}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.product)
	mux.Handle("POST /buy", http.NewCrossOriginProtection().Handler(http.HandlerFunc(s.buy)))
	mux.HandleFunc("GET /thanks", s.thanks)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("demo shop", "err", err)
		}
	}()
	return s.url + "/", func() { srv.Close() }, nil
}

var shopPage = template.Must(template.New("shop").Parse(`<!doctype html>
<html lang="tr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Demo Shop</title><style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;color:#222}
button{font-size:1.1rem;padding:.7rem 1.4rem;background:#0b6e5f;color:#fff;border:0;border-radius:8px}.box{border:1px solid #ddd;border-radius:10px;padding:1.2rem}</style></head>
<body><h1>Demo Shop</h1>{{if .Product}}<div class="box"><h2 id="product">{{.Product}}</h2><p>349,90 ₺ — 2, 3 veya 6 taksit / 2, 3 or 6 installments</p>
<form method="post" action="/buy"><button type="submit" id="buy">Satın al / Buy</button></form></div>
{{else}}<div class="box"><h2 id="result">{{.Title}}</h2><p>{{.Text}}</p>{{if .PaymentID}}<p>Ödeme / Payment: <code id="payment-id">{{.PaymentID}}</code>
— durum / status: <strong id="status">{{.Status}}</strong></p>{{end}}<p><a href="/">Mağazaya dön / Back to the shop</a></p></div>{{end}}
</body></html>`))

func (s *shop) render(w http.ResponseWriter, data map[string]string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	shopPage.Execute(w, data)
}

func (s *shop) product(w http.ResponseWriter, _ *http.Request) {
	s.render(w, map[string]string{"Product": shopProduct})
}

func (s *shop) buy(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	cs, err := s.kasa.CreateCheckoutSession(ctx, &client.CheckoutSessionRequest{
		Amount: shopPrice, Currency: "TRY", OrderID: "DEMO-" + id.Random(8), Description: shopProduct,
		ReturnURL: s.url + "/thanks", Installments: []int{2, 3, 6},
	}, client.NewIdempotencyKey())
	if err != nil {
		s.log.Error("demo shop: create checkout session", "err", err)
		http.Error(w, "could not start the payment: "+err.Error(), http.StatusBadGateway)
		return
	}
	http.Redirect(w, r, cs.URL, http.StatusSeeOther)
}

// thanks reads the outcome from Kasa: the query only says which session.
func (s *shop) thanks(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	cs, err := s.kasa.GetCheckoutSession(ctx, r.URL.Query().Get("checkout_session_id"))
	if err != nil {
		http.Error(w, "unknown checkout session", http.StatusNotFound)
		return
	}
	data := map[string]string{"Title": "Ödeme tamamlanmadı / Payment not completed",
		"Text": "Ödemeniz alınmadı. / We did not receive your payment."}
	if cs.PaymentID != "" {
		p, err := s.kasa.GetPayment(ctx, cs.PaymentID)
		if err != nil {
			http.Error(w, "could not read the payment", http.StatusBadGateway)
			return
		}
		data["PaymentID"], data["Status"] = p.ID, p.Status
		if cs.Status == client.CheckoutComplete {
			data["Title"] = "Teşekkürler! / Thank you!"
			data["Text"] = "Siparişiniz alındı (" + p.Card.Brand + " •••• " + p.Card.Last4 + "). / Your order is confirmed."
		}
	}
	s.render(w, data)
}
