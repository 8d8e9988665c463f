package payflex

import (
	"net/url"
	"strings"
	"testing"

	"github.com/kasapos/kasa/internal/card"
	"github.com/kasapos/kasa/internal/money"
)

func TestFormatAmount(t *testing.T) {
	for _, c := range []struct {
		minor          int64
		cur            money.Currency
		want, callback string
	}{
		{101, money.TRY, "1.01", "101"},
		{1, money.TRY, "0.01", "1"},
		{10000, money.TRY, "100.00", "10000"},
		{12550, money.USD, "125.50", "12550"},
		{99999999, money.EUR, "999999.99", "99999999"},
		{1010, money.GBP, "10.10", "1010"},
	} {
		a := money.New(c.minor, c.cur)
		if got := FormatAmount(a); got != c.want {
			t.Errorf("FormatAmount(%d %s) = %q, want %q", c.minor, c.cur.Code, got, c.want)
		}
		if got := FormatCallbackAmount(a); got != c.callback {
			t.Errorf("FormatCallbackAmount(%d %s) = %q, want %q", c.minor, c.cur.Code, got, c.callback)
		}
	}
}

func TestCurrencyCode(t *testing.T) {
	for cur, want := range map[money.Currency]string{money.TRY: "949", money.USD: "840", money.EUR: "978", money.GBP: "826", money.JPY: "", money.RUB: ""} {
		if got := CurrencyCode(cur); got != want {
			t.Errorf("CurrencyCode(%s) = %q, want %q", cur.Code, got, want)
		}
	}
}

func TestFormatInstallmentsAndExpiry(t *testing.T) {
	for n, want := range map[int]string{0: "", 1: "", 2: "2", 9: "9", 12: "12"} {
		if got := FormatInstallments(n); got != want {
			t.Errorf("FormatInstallments(%d) = %q, want %q", n, got, want)
		}
	}
	e, _ := card.NewExpiry(12, 29)
	if got := FormatExpiry(e); got != "202912" {
		t.Errorf("FormatExpiry = %q, want 202912", got)
	}
	if got := FormatEnrollmentExpiry(e); got != "2912" {
		t.Errorf("FormatEnrollmentExpiry = %q, want 2912", got)
	}
}

func TestBrandName(t *testing.T) {
	for pan, want := range map[string]string{
		"4938410157705591": "100", "5555444433332222": "200", "9792030394440796": "300", "374245455400126": "400", "6011000990139424": "",
	} {
		if got := BrandName(card.BrandOf(pan)); got != want {
			t.Errorf("BrandName(%s) = %q, want %q", pan, got, want)
		}
	}
}

func TestOrderIDRules(t *testing.T) {
	for id, ok := range map[string]bool{
		"202303095646": true, "order-id-123": true, "A_b-9": true, strings.Repeat("x", 24): true,
		"": false, strings.Repeat("x", 25): false, "bad id": false, "sipariş1": false, "a/b": false,
	} {
		if validOrderID(id) != ok {
			t.Errorf("validOrderID(%q) = %v, want %v", id, !ok, ok)
		}
	}
}

func TestSearchURL(t *testing.T) {
	for api, want := range map[string]string{
		"https://onlineodemetest.vakifbank.com.tr:4443/VposService/v3/Vposreq.aspx": "https://onlineodemetest.vakifbank.com.tr:4443/UIService/Search.aspx",
		"https://sanalpos.ziraatbank.com.tr/v4/v3/Vposreq.aspx":                     "https://sanalpos.ziraatbank.com.tr/v4/UIWebService/Search.aspx",
		"http://127.0.0.1:8080/VposService/v3/Vposreq.aspx":                         "http://127.0.0.1:8080/UIService/Search.aspx",
	} {
		if got, err := searchURL(api); err != nil || got != want {
			t.Errorf("searchURL(%s) = %q, %v; want %q", api, got, err, want)
		}
	}
	if _, err := searchURL("https://example.com/api"); err == nil {
		t.Error("searchURL accepted an endpoint that is not Vposreq.aspx")
	}
}

func TestPresets(t *testing.T) {
	for _, p := range Presets() {
		if _, err := searchURL(p.Endpoints.API); err != nil {
			t.Errorf("%s: %v", p.Name, err)
		}
	}
}

// The request travels as prmstr=<VposRequest>, without an XML declaration,
// optional fields left out.
func TestEncodeForm(t *testing.T) {
	r := &vposRequest{MerchantID: "000000000111111", Password: "3XTgER89as", TerminalNo: "VP000095",
		TransactionType: TxSale, OrderID: "o1", CurrencyAmount: "1.01", CurrencyCode: "949", TransactionDeviceSource: "0"}
	body, err := encodeForm(r)
	if err != nil {
		t.Fatal(err)
	}
	v, err := url.ParseQuery(string(body))
	if err != nil {
		t.Fatal(err)
	}
	want := "<VposRequest><MerchantId>000000000111111</MerchantId><Password>3XTgER89as</Password><TerminalNo>VP000095</TerminalNo>" +
		"<TransactionType>Sale</TransactionType><OrderId>o1</OrderId><CurrencyAmount>1.01</CurrencyAmount>" +
		"<CurrencyCode>949</CurrencyCode><TransactionDeviceSource>0</TransactionDeviceSource></VposRequest>"
	if got := v.Get("prmstr"); got != want || len(v) != 1 {
		t.Errorf("prmstr = %s\nwant    %s", got, want)
	}
}
