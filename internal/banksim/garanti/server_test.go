package garantisim

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// The simulator's own hash code against the research notes' vectors.
func TestHashVectors(t *testing.T) {
	sd := securityData("123qweASD/", "30691298")
	if got := hashData("order222", "30691298", "", "10025", "949", sd); !strings.HasPrefix(got, "0CFE09F1") || !strings.HasSuffix(got, "ACCD25C") {
		t.Errorf("HashData %s", got)
	}
	if got := formHash("30691298", "order222", "10025", "949", "https://domain.com/success", "https://domain.com/fail_url", "sales", "", "12345678", sd); !strings.HasPrefix(got, "372D6CB2") || !strings.HasSuffix(got, "0CEFDE2") {
		t.Errorf("secure3dhash %s", got)
	}
	vals := map[string]string{"clientid": "30691298", "oid": "2023100354BB", "mdstatus": "1", "cavv": "xgRlQDz4AAAAAAAAAAAAAAAAAAA=", "eci": "02",
		"md":  "aW5kZXg6MDJ6LjAI5iAcKf/ilXjYIOnTh4t+deHrtwO8ze7tPTL1YCDcBe8KEpuq6HDLYbqQSluL7p3kGcpFzX9s9XcegNhHMsDszxqGd33+p+p5sULGrDF3J2GGfiJDwan4ku7+eiTyS8x2xS9pUy7PTgMGc6jw94aLfXLHskhvY7FYWrymzQ==",
		"rnd": "kW094tPzNEhqORzzCsLB"}
	if _, got := signCallback(func(k string) string { return vals[k] }, "12345678"); !strings.HasPrefix(got, "416B6253") || !strings.HasSuffix(got, "AF79B26E") {
		t.Errorf("callback hash %s", got)
	}
}

func post(t *testing.T, url, body string) string {
	t.Helper()
	resp, err := http.Post(url, "text/xml", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// A sale written by hand in the documented wire format, signed per §2.2.
func TestWireSale(t *testing.T) {
	s := New(Config{})
	if _, err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sale := func(user, pass, typ, amount string) string {
		sd := securityData(pass, "30691298")
		h := hashData("KWIRE1", "30691298", "4282209004348015", amount, "949", sd)
		return `<?xml version="1.0" encoding="UTF-8"?><GVPSRequest><Mode>TEST</Mode><Version>512</Version>` +
			`<Terminal><ProvUserID>` + user + `</ProvUserID><HashData>` + h + `</HashData><UserID>` + user + `</UserID><ID>30691298</ID><MerchantID>7000679</MerchantID></Terminal>` +
			`<Customer><IPAddress>1.2.3.4</IPAddress><EmailAddress></EmailAddress></Customer>` +
			`<Card><Number>4282209004348015</Number><ExpireDate>0830</ExpireDate><CVV2>123</CVV2></Card>` +
			`<Order><OrderID>KWIRE1</OrderID><GroupID></GroupID></Order>` +
			`<Transaction><Type>` + typ + `</Type><InstallmentCnt></InstallmentCnt><Amount>` + amount + `</Amount><CurrencyCode>949</CurrencyCode>` +
			`<CardholderPresentCode>0</CardholderPresentCode><MotoInd>N</MotoInd></Transaction></GVPSRequest>`
	}
	for name, body := range map[string]string{
		"PROVRFN for a sale": sale("PROVRFN", "123qweASD/", "sales", "101"),
		"wrong password":     sale("PROVAUT", "nope", "sales", "101"),
		"decimal amount":     sale("PROVAUT", "123qweASD/", "sales", "1.01"),
		"not XML":            "Type=sales",
	} {
		if rep := post(t, s.APIURL(), body); !strings.Contains(rep, "<Source>GVPS</Source>") || !strings.Contains(rep, "<Code>92</Code>") {
			t.Errorf("%s: %s", name, rep)
		}
	}
	rep := post(t, s.APIURL(), sale("PROVAUT", "123qweASD/", "sales", "101"))
	for _, frag := range []string{"<Source>HOST</Source>", "<Code>00</Code>", "<Message>Approved</Message>", "<CardNumberMasked>428220******8015</CardNumberMasked>"} {
		if !strings.Contains(rep, frag) {
			t.Errorf("missing %s in %s", frag, rep)
		}
	}
	if o, ok := s.Book().Get("30691298", "KWIRE1"); !ok || o.Captured != 101 {
		t.Errorf("book %+v", o)
	}
	if n := s.CloseBatch(); n != 1 {
		t.Errorf("settled %d", n)
	}
}

func TestGateUnknownTerminal(t *testing.T) {
	s := New(Config{})
	if _, err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	resp, err := http.PostForm(s.GateURL(), map[string][]string{"terminalid": {"1"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("status %d", resp.StatusCode)
	}
}
