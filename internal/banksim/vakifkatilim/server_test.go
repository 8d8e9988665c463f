package vakifkatilimsim_test

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kasapos/kasa/internal/banksim"
	vksim "github.com/kasapos/kasa/internal/banksim/vakifkatilim"
	"github.com/kasapos/kasa/internal/gateway"
)

// The simulator is tested here with raw protocol messages (the public
// library's request vectors, re-typed); Kasa's adapter is tested against it
// in internal/gateway/vakifkatilim.

func start(t *testing.T) *vksim.Server {
	t.Helper()
	s := vksim.New(vksim.Config{})
	if _, err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

type reply struct {
	ResponseCode    string `xml:"ResponseCode"`
	ResponseMessage string `xml:"ResponseMessage"`
	OrderID         string `xml:"OrderId"`
	ProvisionNumber string `xml:"ProvisionNumber"`
	Orders          []struct {
		MerchantOrderID string `xml:"MerchantOrderId"`
		OrderStatus     string `xml:"OrderStatus"`
		LastOrderStatus string `xml:"LastOrderStatus"`
		FirstAmount     string `xml:"FirstAmount"`
		FEC             string `xml:"FEC"`
	} `xml:"VPosOrderData>OrderContract"`
}

func call(t *testing.T, s *vksim.Server, op, body string) reply {
	t.Helper()
	resp, err := http.Post(s.URL()+vksim.PathHome+"/"+op, "application/xml", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var r reply
	if err := xml.Unmarshal(b, &r); err != nil {
		t.Fatalf("%s: %v\n%s", op, err, b)
	}
	return r
}

// The library's non-3D sale vector: merchant 1, APIUSER, password kdsnsksl.
const sale = `<VPosMessageContract><MerchantId>1</MerchantId><CustomerId>11111</CustomerId><UserName>APIUSER</UserName>` +
	`<SubMerchantId>0</SubMerchantId><APIVersion>1.0.0</APIVersion><HashPassword>h58bUB83xQz2/21SUeOemUgkF5U=</HashPassword>` +
	`<MerchantOrderId>123</MerchantOrderId><InstallmentCount>0</InstallmentCount><Amount>1000</Amount>` +
	`<FECCurrencyCode>0949</FECCurrencyCode><CurrencyCode>0949</CurrencyCode><TransactionSecurity>5</TransactionSecurity>` +
	`<CardNumber>4155650100416111</CardNumber><CardExpireDateYear>30</CardExpireDateYear><CardExpireDateMonth>01</CardExpireDateMonth>` +
	`<CardCVV2>123</CardCVV2><CardHolderName>John Doe</CardHolderName><HashData>AYOjSzXn6dgwiV3U0vXzNTWlO8g=</HashData></VPosMessageContract>`

func TestLibraryVectors(t *testing.T) {
	s := start(t)
	// Status of an order the bank does not know (the library's status vector).
	st := call(t, s, vksim.OpStatus, `<VPosMessageContract><MerchantId>1</MerchantId><CustomerId>11111</CustomerId><UserName>APIUSER</UserName>`+
		`<SubMerchantId>0</SubMerchantId><MerchantOrderId>order-123</MerchantOrderId><HashData>4oNmzFPMeC/tOK8i/XCPNy4W+FU=</HashData></VPosMessageContract>`)
	if st.ResponseCode != "NonResult" {
		t.Fatalf("status: %+v", st)
	}
	r := call(t, s, vksim.OpSale, sale)
	if r.ResponseCode != "00" || r.ProvisionNumber == "" || r.OrderID == "" {
		t.Fatalf("sale: %+v", r)
	}
	if o, _ := s.Book().Get("1", "123"); o.Captured != 1000 || o.State != banksim.OrderCaptured {
		t.Fatalf("book: %+v", o)
	}
	// The same order id again is a duplicate.
	if r := call(t, s, vksim.OpSale, sale); r.ResponseCode != "MerchantOrderIdAlreadyExists" {
		t.Fatalf("duplicate: %+v", r)
	}
	// Cancel with the bank's OrderId; the hash covers the amount sent.
	cancel := `<VPosMessageContract><MerchantId>1</MerchantId><CustomerId>11111</CustomerId><UserName>APIUSER</UserName>` +
		`<HashPassword>h58bUB83xQz2/21SUeOemUgkF5U=</HashPassword><MerchantOrderId>123</MerchantOrderId><OrderId>` + r.OrderID +
		`</OrderId><PaymentType>1</PaymentType><Amount>1000</Amount><HashData>AYOjSzXn6dgwiV3U0vXzNTWlO8g=</HashData></VPosMessageContract>`
	if c := call(t, s, vksim.OpSaleReversal, cancel); c.ResponseCode != "00" {
		t.Fatalf("cancel: %+v", c)
	}
	st = call(t, s, vksim.OpStatus, strings.Replace(strings.Replace(`<VPosMessageContract><MerchantId>1</MerchantId><CustomerId>11111</CustomerId>`+
		`<UserName>APIUSER</UserName><MerchantOrderId>order-123</MerchantOrderId><HashData>4oNmzFPMeC/tOK8i/XCPNy4W+FU=</HashData></VPosMessageContract>`,
		"order-123", "123", 1), "4oNmzFPMeC/tOK8i/XCPNy4W+FU=", "K0LvOf07C/ayD53wWiykcUCZPc8=", 1))
	if st.ResponseCode != "00" || len(st.Orders) != 1 || st.Orders[0].OrderStatus != "1" || st.Orders[0].LastOrderStatus != "6" ||
		st.Orders[0].FirstAmount != "10.00" || st.Orders[0].FEC != "0949" {
		t.Fatalf("status after cancel: %+v", st)
	}
}

func TestRefusals(t *testing.T) {
	s := start(t)
	for name, c := range map[string]struct{ body, code string }{
		"bad hash":       {strings.Replace(sale, "AYOj", "AAAA", 1), "HashDataError"},
		"edited amount":  {strings.Replace(sale, "<Amount>1000", "<Amount>100", 1), "HashDataError"},
		"bad password":   {strings.Replace(sale, "h58bUB83", "AAAAAAAA", 1), "MerchantNotDefined"},
		"unknown user":   {strings.Replace(sale, "APIUSER", "OTHER", 1), "MerchantNotDefined"},
		"3D security":    {strings.Replace(sale, "<TransactionSecurity>5", "<TransactionSecurity>3", 1), "InvalidTransactionSecurity"},
		"not a message":  {"<Other/>", "InvalidXml"},
		"currency clash": {strings.Replace(sale, "<CurrencyCode>0949", "<CurrencyCode>0840", 1), "InvalidCurrencyCode"},
	} {
		if r := call(t, s, vksim.OpSale, c.body); r.ResponseCode != c.code {
			t.Errorf("%s: %+v", name, r)
		}
	}
	if n := len(s.Book().All()); n != 0 {
		t.Errorf("%d orders booked", n)
	}
	// A hosted form that does not verify gets no page (and no post back).
	resp, err := http.PostForm(s.URL()+vksim.PathHostPage, url.Values{"MerchantId": {"1"}, "UserName": {"APIUSER"},
		"HashPassword": {"x"}, "MerchantOrderId": {"1"}, "Amount": {"100"}, "OkUrl": {"http://a.example"}, "FailUrl": {"http://a.example"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("hosted form: HTTP %d", resp.StatusCode)
	}
}

func TestRegistered(t *testing.T) {
	sim, err := banksim.New("vakifkatilim", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	p := sim.POS()
	if p.Protocol != "vakifkatilim" || !p.NoHalfSecure || !strings.HasSuffix(p.Endpoints.API, "/VirtualPOS.Gateway/Home") ||
		!strings.HasSuffix(p.Endpoints.ThreeDGate, "/Home/ThreeDModelPayGate") || len(p.Credentials) != 4 {
		t.Errorf("POS: %+v", p)
	}
	for op, want := range map[gateway.Operation]string{gateway.OpAuthorize: "Non3DPayGate", gateway.OpCapture: "PreAuthorizatenClose",
		gateway.OpVoid: "SaleReversal", gateway.OpRefund: "PartialDrawBack", gateway.OpStatus: "SelectOrderByMerchantOrderId",
		gateway.OpHistory: "SelectOrder", gateway.Op3D: "ThreeDModelProvisionGate"} {
		if got := sim.FaultOp(op, true); got != want {
			t.Errorf("FaultOp(%s) = %s", op, got)
		}
	}
	if sim.FaultOp(gateway.OpAuthorize, false) != "PreAuthorizaten" {
		t.Error("pre-auth fault op")
	}
}
