package posnetsim

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/gateway"
)

// These tests speak the wire format directly, without Kasa's adapter.

func start(t *testing.T) *Server {
	t.Helper()
	s := New(Config{})
	if _, err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func call(t *testing.T, s *Server, xml string) string {
	t.Helper()
	resp, err := http.PostForm(s.APIURL(), url.Values{"xmldata": {xml}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.HasPrefix(string(body), `<?xml version="1.0" encoding="ISO-8859-9"?>`) {
		t.Fatalf("reply %d %s", resp.StatusCode, body)
	}
	return string(body)
}

const head = `<posnetRequest><mid>6706598320</mid><tid>67005551</tid>`

func sale(orderID, amount, pan string) string {
	return head + `<tranDateRequired>1</tranDateRequired><sale><orderID>` + orderID + `</orderID><installment>00</installment><amount>` +
		amount + `</amount><currencyCode>TL</currencyCode><ccno>` + pan + `</ccno><expDate>2805</expDate><cvc>454</cvc></sale></posnetRequest>`
}

func has(t *testing.T, reply string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(reply, p) {
			t.Errorf("reply lacks %s:\n%s", p, reply)
		}
	}
}

func TestMACVectors(t *testing.T) {
	m := YKBSandbox()
	if got := macOf(m, "TST_190620093100_024", "175", "TL", m.MID); got != "nyeFSQ4J9NZVeCcEGCDomM8e2YIvoeIa/IDh2D3qaL4=" {
		t.Errorf("request MAC %s", got)
	}
	if got := macOf(m, "9", "00000000000000000895", "100", "TL", m.MID); got != "7I9ojRm7yzvZZTFNOYWocGIGSTv2Vmq23STR6X6X+c0=" {
		t.Errorf("response MAC %s", got)
	}
}

func TestSaleAndAgreement(t *testing.T) {
	s := start(t)
	r := call(t, s, sale("K0000000000000000001", "123456", "4048095010857528"))
	has(t, r, "<approved>1</approved>", "<inst1>01</inst1>")
	has(t, call(t, s, sale("K0000000000000000001", "100", "4048095010857528")), "<approved>2</approved>", "<respCode>0127</respCode>")

	q := call(t, s, head+`<agreement><orderID>0000K0000000000000000001</orderID></agreement></posnetRequest>`)
	has(t, q, "<state>Sale</state>", "<amount>1.234,56</amount>", "<currencyCode>TL</currencyCode>", "<ccno>4048 09** **** 7528</ccno>", "<txnStatus>1</txnStatus>")
	// A non-3D order is not found under the 3D prefix, nor unpadded.
	has(t, call(t, s, head+`<agreement><orderID>TDSCK0000000000000000001</orderID></agreement></posnetRequest>`), "<respCode>0123</respCode>")
	has(t, call(t, s, head+`<agreement><orderID>K0000000000000000001</orderID></agreement></posnetRequest>`), "<respCode>0123</respCode>")
}

func TestRefusals(t *testing.T) {
	s := start(t)
	for name, tc := range map[string]struct{ xml, code string }{
		"wrong tid":     {strings.Replace(sale("K0000000000000000002", "100", "4048095010857528"), "67005551", "67005552", 1), "0148"},
		"not padded":    {sale("K2", "100", "4048095010857528"), "0101"},
		"decimal":       {sale("K0000000000000000002", "1.00", "4048095010857528"), "0102"},
		"luhn":          {sale("K0000000000000000002", "100", "4048095010857529"), "0104"},
		"two ops":       {head + `<sale></sale><auth></auth></posnetRequest>`, "0100"},
		"no op":         {head + `</posnetRequest>`, "0100"},
		"unknown key":   {head + `<capt><hostLogKey>1</hostLogKey><amount>1</amount><currencyCode>TL</currencyCode><installment>00</installment></capt></posnetRequest>`, "0123"},
		"bad reversal":  {head + `<reverse><transaction>point</transaction><orderID>0000K0000000000000000002</orderID></reverse></posnetRequest>`, "0111"},
		"resolve forge": {head + `<oosResolveMerchantData><bankData>AA</bankData><merchantData>BB</merchantData><sign>CC</sign><mac>x</mac></oosResolveMerchantData></posnetRequest>`, "0112"},
	} {
		t.Run(name, func(t *testing.T) {
			has(t, call(t, s, tc.xml), "<approved>0</approved>", "<respCode>"+tc.code+"</respCode>")
		})
	}
	// A decline carries the issuer's code as 00NN.
	has(t, call(t, s, sale("K0000000000000000003", "999951", "4048095010857528")), "<approved>0</approved>", "<respCode>0051</respCode>", "Yetersiz bakiye")
	if n := s.Book().ApprovedAuths("K0000000000000000003"); n != 0 {
		t.Errorf("approved %d", n)
	}

	resp, err := http.Post(s.APIURL(), "text/xml", strings.NewReader(sale("K0000000000000000004", "100", "4048095010857528")))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	has(t, string(body), "<respCode>0100</respCode>") // raw XML instead of the xmldata field
}

func TestReverseKindMustMatch(t *testing.T) {
	s := start(t)
	has(t, call(t, s, sale("K0000000000000000005", "100", "4048095010857528")), "<approved>1</approved>")
	has(t, call(t, s, head+`<reverse><transaction>auth</transaction><orderID>0000K0000000000000000005</orderID></reverse></posnetRequest>`), "<respCode>0110</respCode>")
	has(t, call(t, s, head+`<reverse><transaction>sale</transaction><orderID>0000K0000000000000000005</orderID></reverse></posnetRequest>`), "<approved>1</approved>")
	if o, _ := s.Book().Get("6706598320", "K0000000000000000005"); o.State != banksim.OrderVoided {
		t.Errorf("state %s", o.State)
	}
}

func TestRegistryAndFaultOps(t *testing.T) {
	sim, err := banksim.New("posnet", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	pos := sim.POS()
	if pos.Protocol != "posnet" || pos.Credentials["merchant_id"] != "6706598320" || pos.Credentials["enc_key"] != "10,10,10,10,10,10,10,10" ||
		!strings.HasSuffix(pos.Endpoints.API, PathAPI) || !strings.HasSuffix(pos.Endpoints.ThreeDGate, PathThreeDGate) || pos.TestCard.PAN != "4048095010857528" {
		t.Errorf("POS %+v", pos)
	}
	for _, tc := range []struct {
		op      gateway.Operation
		capture bool
		want    string
	}{
		{gateway.OpAuthorize, true, OpSale}, {gateway.OpAuthorize, false, OpAuth}, {gateway.OpCapture, false, OpCapt},
		{gateway.OpVoid, false, OpReverse}, {gateway.OpRefund, false, OpReturn}, {gateway.OpStatus, false, OpAgreement},
		{gateway.Op3D, true, OpOOSTranData}, {gateway.OpHistory, false, banksim.AnyOp},
	} {
		if got := sim.FaultOp(tc.op, tc.capture); got != tc.want {
			t.Errorf("FaultOp(%s) = %s, want %s", tc.op, got, tc.want)
		}
	}
}
