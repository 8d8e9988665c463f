package est3

import (
	"bytes"
	"encoding/xml"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/money"
)

const approvedXML = `<?xml version="1.0" encoding="ISO-8859-9"?>
<CC5Response><OrderId>O1</OrderId><Response>Approved</Response><AuthCode>P1</AuthCode><HostRefNum>1</HostRefNum><ProcReturnCode>00</ProcReturnCode><TransId>T</TransId><ErrMsg></ErrMsg><Extra></Extra></CC5Response>`

// captureServer records request bodies and answers approvedXML.
type captureServer struct {
	mu     sync.Mutex
	bodies [][]byte
	ctypes []string
	g      *Gateway
}

func newCapture(t *testing.T) *captureServer {
	t.Helper()
	c := &captureServer{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		c.mu.Lock()
		c.bodies = append(c.bodies, b)
		c.ctypes = append(c.ctypes, r.Header.Get("Content-Type"))
		c.mu.Unlock()
		io.WriteString(w, approvedXML)
	}))
	t.Cleanup(srv.Close)
	g, err := New(gateway.Config{
		Credentials: map[string]string{CredClientID: "700655000200", CredAPIUser: "ISBANKAPI", CredAPIPassword: "ISBANK07"},
		Endpoints:   gateway.Endpoints{API: srv.URL + "/fim/api"},
		HTTPClient:  srv.Client(),
	})
	if err != nil {
		t.Fatal(err)
	}
	c.g = g
	return c
}

func (c *captureServer) last() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bodies[len(c.bodies)-1]
}

// elements flattens a request into "Path/To/Elem" → text; presence matters.
func elements(t *testing.T, body []byte) map[string]string {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.CharsetReader = charsetReader
	out := map[string]string{}
	var path []string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("request is not XML: %v\n%s", err, body)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			path = append(path, x.Name.Local)
			out[strings.Join(path[1:], "/")] += ""
		case xml.CharData:
			if len(path) > 1 {
				out[strings.Join(path[1:], "/")] += string(x)
			}
		case xml.EndElement:
			path = path[:len(path)-1]
		}
	}
}

func cardFor(t *testing.T, holder string) card.Card {
	t.Helper()
	p, _ := card.ParsePAN("4355084355084358")
	exp, _ := card.NewExpiry(12, 2030)
	cvv, _ := card.ParseCVV("000")
	return card.Card{PAN: p, Expiry: exp, CVV: cvv, Holder: holder}
}

func TestFormatAmount(t *testing.T) {
	tests := []struct {
		minor int64
		want  string
	}{
		{1, "0.01"},
		{10, "0.10"},
		{100, "1.00"},
		{101, "1.01"},
		{10025, "100.25"},
		{12550, "125.50"},
		{10000, "100.00"},
		{99999999, "999999.99"},
		{123456789012, "1234567890.12"},
		{math.MaxInt64, "92233720368547758.07"},
	}
	for _, c := range []money.Currency{money.TRY, money.USD, money.EUR, money.GBP} {
		for _, tt := range tests {
			if got := FormatAmount(money.New(tt.minor, c)); got != tt.want {
				t.Errorf("FormatAmount(%d %s) = %q, want %q", tt.minor, c.Code, got, tt.want)
			}
		}
	}
}

// Every amount field the adapter emits, on the wire.
func TestAmountFieldsOnTheWire(t *testing.T) {
	c := newCapture(t)
	ctx := t.Context()
	for _, tt := range []struct {
		minor int64
		want  string
	}{{1, "0.01"}, {100, "1.00"}, {10025, "100.25"}, {12550, "125.50"}, {123456789012, "1234567890.12"}} {
		o := gateway.Order{OrderID: "O1", Amount: money.New(tt.minor, money.TRY)}
		ops := map[string]func(){
			"Auth":     func() { c.g.Authorize(ctx, &gateway.AuthorizeRequest{Order: o, Capture: true, Card: cardFor(t, "")}) },
			"PreAuth":  func() { c.g.Authorize(ctx, &gateway.AuthorizeRequest{Order: o, Card: cardFor(t, "")}) },
			"PostAuth": func() { c.g.Capture(ctx, &gateway.CaptureRequest{Order: o}) },
			"Credit":   func() { c.g.Refund(ctx, &gateway.RefundRequest{Order: o}) },
		}
		for typ, send := range ops {
			send()
			el := elements(t, c.last())
			if el["Type"] != typ || el["Total"] != tt.want {
				t.Errorf("%s %d: Type %q Total %q, want %q", typ, tt.minor, el["Type"], el["Total"], tt.want)
			}
		}
	}
}

func TestInstallmentField(t *testing.T) {
	for n, want := range map[int]string{0: "", 1: "", 2: "2", 3: "3", 6: "6", 9: "9", 12: "12"} {
		if got := FormatInstallments(n); got != want {
			t.Errorf("FormatInstallments(%d) = %q, want %q", n, got, want)
		}
	}
	c := newCapture(t)
	for n := 0; n <= 12; n++ {
		o := gateway.Order{OrderID: "O1", Amount: money.New(1000, money.TRY)}
		c.g.Authorize(t.Context(), &gateway.AuthorizeRequest{Order: o, Capture: true, Installments: n, Card: cardFor(t, "")})
		el := elements(t, c.last())
		got, present := el["Taksit"]
		if !present || got != FormatInstallments(n) {
			t.Errorf("%d installments: Taksit %q (present %v)", n, got, present)
		}
	}
	// Only Auth/PreAuth carry Taksit.
	o := gateway.Order{OrderID: "O1", Amount: money.New(1000, money.TRY)}
	c.g.Capture(t.Context(), &gateway.CaptureRequest{Order: o, Installments: 3})
	if _, ok := elements(t, c.last())["Taksit"]; ok {
		t.Error("PostAuth carries Taksit")
	}
}

func TestRequestShapes(t *testing.T) {
	c := newCapture(t)
	ctx := t.Context()
	o := gateway.Order{OrderID: "ORDER-1", Amount: money.New(12550, money.USD), ClientIP: "203.0.113.9"}

	c.g.Authorize(ctx, &gateway.AuthorizeRequest{Order: o, Capture: true, Card: cardFor(t, "Ada"), Email: "a@b.c"})
	el := elements(t, c.last())
	for k, v := range map[string]string{
		"Name": "ISBANKAPI", "Password": "ISBANK07", "ClientId": "700655000200", "Type": "Auth",
		"IPAddress": "203.0.113.9", "Email": "a@b.c", "OrderId": "ORDER-1", "Total": "125.50",
		"Currency": "840", "Taksit": "", "Number": "4355084355084358", "Expires": "12/30",
		"Cvv2Val": "000", "Mode": "P", "BillTo/Name": "Ada",
	} {
		if got, ok := el[k]; !ok || got != v {
			t.Errorf("Auth %s = %q (present %v), want %q", k, got, ok, v)
		}
	}
	c.mu.Lock()
	ct := c.ctypes[len(c.ctypes)-1]
	c.mu.Unlock()
	if ct != "text/xml; charset=ISO-8859-9" {
		t.Errorf("content type %q", ct)
	}

	c.g.Refund(ctx, &gateway.RefundRequest{Order: o, Full: true})
	el = elements(t, c.last())
	if _, ok := el["Total"]; ok || el["Type"] != "Credit" || el["Currency"] != "840" {
		t.Errorf("full refund: %v", el)
	}

	c.g.Void(ctx, &gateway.VoidRequest{Order: o})
	el = elements(t, c.last())
	for _, k := range []string{"Total", "Currency", "Number", "Cvv2Val", "Taksit"} {
		if _, ok := el[k]; ok {
			t.Errorf("Void carries %s", k)
		}
	}

	c.mu.Lock()
	n := len(c.bodies)
	c.mu.Unlock()
	c.g.Status(ctx, "ORDER-1")
	c.mu.Lock()
	first := c.bodies[n] // the canned reply lacks CHARGE_TYPE_CD, so history follows
	c.mu.Unlock()
	el = elements(t, first)
	if _, ok := el["Type"]; ok || el["Extra/ORDERSTATUS"] != "QUERY" || el["OrderId"] != "ORDER-1" {
		t.Errorf("status: %v", el)
	}
	c.g.OrderHistory(ctx, "ORDER-1")
	if el = elements(t, c.last()); el["Extra/ORDERHISTORY"] != "QUERY" {
		t.Errorf("history: %v", el)
	}
}

func TestRequestEncodingISO88599(t *testing.T) {
	c := newCapture(t)
	holder := "Şeyma Ğül İnci ığş & <x> €"
	o := gateway.Order{OrderID: "O1", Amount: money.New(100, money.TRY)}
	c.g.Authorize(t.Context(), &gateway.AuthorizeRequest{Order: o, Capture: true, Card: cardFor(t, holder)})
	body := c.last()
	if !bytes.HasPrefix(body, []byte(`<?xml version="1.0" encoding="ISO-8859-9"?>`)) {
		t.Errorf("declaration: %.60s", body)
	}
	for _, b := range []byte{0xDE, 0xD0, 0xDD, 0xFD, 0xF0, 0xFE, 0xFC} { // Ş Ğ İ ı ğ ş ü
		if !bytes.Contains(body, []byte{b}) {
			t.Errorf("byte %#x missing", b)
		}
	}
	if !bytes.Contains(body, []byte("&#8364;")) || !bytes.Contains(body, []byte("&amp; &lt;x&gt;")) {
		t.Errorf("escaping: %s", body)
	}
	if el := elements(t, body); el["BillTo/Name"] != holder {
		t.Errorf("decoded holder %q", el["BillTo/Name"])
	}
}

func TestLatin5Tables(t *testing.T) {
	in := "AÇÖÜçöü ĞİŞğış Ð"
	enc := encodeLatin5([]byte(in))
	if got := string(decodeLatin5(enc)); got != "AÇÖÜçöü ĞİŞğış &#208;" {
		t.Errorf("round trip %q", got)
	}
}

// marshalled is what xml.Marshal makes of r, the reference encode must match.
func marshalled(t *testing.T, r *cc5Request) []byte {
	body, err := xml.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte(xmlHeader), encodeLatin5(body)...)
}

func checkEncode(t *testing.T, r *cc5Request) {
	got, err := r.encode()
	if err != nil {
		t.Fatal(err)
	}
	if want := marshalled(t, r); !bytes.Equal(got, want) {
		t.Fatalf("encode:\n got %s\nwant %s", got, want)
	}
}

// TestEncodeMatchesMarshal: the hand-written encoder writes what the struct
// tags say, for every shape of request the adapter sends.
func TestEncodeMatchesMarshal(t *testing.T) {
	empty, three := "", "3"
	for _, r := range []*cc5Request{
		{Name: "api", Password: "p<&>\"'ş", ClientID: "100100000", Type: typeAuth, IPAddress: "203.0.113.7", Email: "a@b.c",
			OrderID: "K1", Total: "125.50", Currency: "949", Taksit: &empty, Number: "4355084355084358", Expires: "12/30", Cvv2Val: "000",
			Mode: "P", BillTo: &billTo{Name: "Ayşe Yılmaz"}},
		{Name: "api", Password: "x", ClientID: "1", Type: typePreAuth, OrderID: "K2", Total: "1.00", Currency: "949", Taksit: &three,
			Number: "md:abc", PayerTxnID: "xid", PayerSecurityLevel: "05", PayerAuthenticationCode: "cavv=", Mode: "T"},
		{Name: "api", Password: "x", ClientID: "1", Type: typeCredit, OrderID: "K3"},
		{Name: "api", Password: "x", ClientID: "1", OrderID: "K4", Extra: &extra{OrderStatus: "QUERY"}},
		{Name: "", Password: "", ClientID: "", OrderID: "", BillTo: &billTo{}, Extra: &extra{OrderHistory: "QUERY"}},
		{Name: "tab\tnew\nline\rcr", Password: "\x00\x1f\ufffe", ClientID: "]]>", OrderID: "€"},
	} {
		checkEncode(t, r)
	}
}

func FuzzEncode(f *testing.F) {
	f.Add("api", "p&<", "Ayşe", "\n\t", true)
	f.Fuzz(func(t *testing.T, name, password, holder, email string, taksit bool) {
		r := &cc5Request{Name: name, Password: password, ClientID: "1", Type: typeAuth, Email: email, OrderID: "K",
			Total: "1.00", Currency: "949", BillTo: &billTo{Name: holder}}
		if taksit {
			r.Taksit = &holder
		}
		checkEncode(t, r)
	})
}
