package payflexsim

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kasapos/kasa/internal/banksim"
)

// Wire-level tests: raw requests as the bank documents them.

func start(t *testing.T) *Server {
	t.Helper()
	s := New(Config{})
	if _, err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func post(t *testing.T, target string, form url.Values) (int, string) {
	t.Helper()
	resp, err := http.PostForm(target, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func vpos(t *testing.T, s *Server, doc string) vposResponse {
	t.Helper()
	code, body := post(t, s.APIURL(), url.Values{"prmstr": {doc}})
	var r vposResponse
	if err := xml.Unmarshal([]byte(body), &r); err != nil || code != http.StatusOK {
		t.Fatalf("%d %s: %v", code, body, err)
	}
	return r
}

const creds = `<MerchantId>000000000111111</MerchantId><Password>3XTgER89as</Password><TerminalNo>VP000095</TerminalNo>`

func sale(order, amount, extra string) string {
	return `<VposRequest>` + creds + `<TransactionType>Sale</TransactionType><OrderId>` + order + `</OrderId>` +
		`<CurrencyAmount>` + amount + `</CurrencyAmount><CurrencyCode>949</CurrencyCode><Pan>4938410157705591</Pan>` +
		`<Expiry>202912</Expiry><Cvv>453</Cvv><ClientIp>203.0.113.7</ClientIp><TransactionDeviceSource>0</TransactionDeviceSource>` +
		extra + `</VposRequest>`
}

func TestSaleAndRefusals(t *testing.T) {
	s := start(t)
	r := vpos(t, s, sale("ord1", "1.01", ""))
	if r.ResultCode != "0000" || r.TransactionID == "" || r.CurrencyAmount != "1.01" || r.OrderID != "ord1" || r.ThreeDSecureType != "1" {
		t.Fatalf("sale %+v", r)
	}
	if o, _ := s.Book().Get("000000000111111", "ord1"); o.Captured != 101 {
		t.Errorf("book %+v", o)
	}
	for name, c := range map[string]struct{ doc, code string }{
		"duplicate":        {sale("ord1", "1.01", ""), "1041"},
		"comma amount":     {sale("ord2", "1,01", ""), "1011"},
		"one decimal":      {sale("ord2", "1.1", ""), "1011"},
		"installments USD": {strings.Replace(sale("ord2", "1.00", "<NumberOfInstallments>3</NumberOfInstallments>"), "949", "840", 1), "1019"},
		"wrong terminal":   {strings.Replace(sale("ord2", "1.00", ""), "VP000095", "VP000001", 1), "9039"},
		"unknown type":     {strings.Replace(sale("ord2", "1.00", ""), "<TransactionType>Sale", "<TransactionType>Void", 1), "9000"},
		"not xml":          {"Sale", "9000"},
		"made-up evidence": {sale("ord3", "1.00", "<ECI>05</ECI><CAVV>AAAB</CAVV><MpiTransactionId>x</MpiTransactionId>"), "1020"},
		"decline by card":  {strings.Replace(sale("ord4", "1.00", ""), "4938410157705591", "4000000000000051", 1), "0051"},
	} {
		if r := vpos(t, s, c.doc); r.ResultCode != c.code || r.TransactionID != "" {
			t.Errorf("%s: %s %s", name, r.ResultCode, r.ResultDetail)
		}
	}
	if n := s.Book().AuthAttempts("ord3"); n != 0 {
		t.Errorf("refused evidence reached the issuer (%d attempts)", n)
	}
}

func TestReferencedOperations(t *testing.T) {
	s := start(t)
	id := vpos(t, s, sale("ord1", "10.00", "")).TransactionID
	ref := func(typ, amount string) vposResponse {
		doc := `<VposRequest>` + creds + `<TransactionType>` + typ + `</TransactionType><ReferenceTransactionId>` + id +
			`</ReferenceTransactionId>`
		if amount != "" {
			doc += `<CurrencyAmount>` + amount + `</CurrencyAmount>`
		}
		return vpos(t, s, doc+`</VposRequest>`)
	}
	if r := ref("Capture", "1.00"); r.ResultCode != "1050" {
		t.Errorf("capture of a sale: %s", r.ResultCode)
	}
	if r := ref("Refund", "10.01"); r.ResultCode != "1060" {
		t.Errorf("refund above captured: %s", r.ResultCode)
	}
	if r := ref("Refund", "4.00"); r.ResultCode != "0000" || r.ReferenceTransactionID != id {
		t.Errorf("partial refund: %+v", r)
	}
	if r := ref("Cancel", ""); r.ResultCode != "1084" {
		t.Errorf("cancel after refund: %s", r.ResultCode)
	}
	if r := ref("Refund", "6.00"); r.ResultCode != "0000" {
		t.Errorf("rest refunded: %s", r.ResultCode)
	}
	if r := ref("Refund", "0.01"); r.ResultCode != "1059" {
		t.Errorf("refund after full refund: %s", r.ResultCode)
	}
	id = "nosuch"
	if r := ref("Cancel", ""); r.ResultCode != "1016" {
		t.Errorf("unknown reference: %s", r.ResultCode)
	}

	// Cancel only before the batch closes.
	id = vpos(t, s, sale("ord2", "3.00", "")).TransactionID
	s.CloseBatch()
	if r := ref("Cancel", ""); r.ResultCode != "1084" {
		t.Errorf("cancel after batch: %s", r.ResultCode)
	}
	id = vpos(t, s, sale("ord3", "3.00", "")).TransactionID
	if r := ref("Cancel", ""); r.ResultCode != "0000" {
		t.Errorf("cancel: %s", r.ResultCode)
	}
	if r := ref("Cancel", ""); r.ResultCode != "1083" {
		t.Errorf("cancel twice: %s", r.ResultCode)
	}
}

func TestSearch(t *testing.T) {
	s := start(t)
	vpos(t, s, sale("ord1", "90.50", ""))
	search := func(password, order string) searchResponse {
		doc := `<SearchRequest><MerchantCriteria><HostMerchantId>000000000111111</HostMerchantId><MerchantPassword>` + password +
			`</MerchantPassword></MerchantCriteria><TransactionCriteria><TransactionId></TransactionId><OrderId>` + order +
			`</OrderId><AuthCode></AuthCode></TransactionCriteria></SearchRequest>`
		_, body := post(t, s.URL()+PathSearch, url.Values{"prmstr": {doc}})
		var r searchResponse
		if err := xml.Unmarshal([]byte(body), &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	r := search("3XTgER89as", "ord1")
	if r.ResponseInfo.Status != "Success" || r.TotalItemCount != 1 || r.Results[0].CurrencyAmount != "90.50" ||
		r.Results[0].AmountCode != "949" || r.Results[0].TransactionType != "Sale" {
		t.Fatalf("search %+v", r)
	}
	if r := search("3XTgER89as", "nosuch"); r.ResponseInfo.Status != "Success" || r.TotalItemCount != 0 {
		t.Errorf("unknown order %+v", r)
	}
	if r := search("wrong", "ord1"); r.ResponseInfo.Status != "Error" || r.ResponseInfo.ResponseCode != "9065" || len(r.Results) != 0 {
		t.Errorf("wrong password %+v", r)
	}
}

func enrollForm() url.Values {
	return url.Values{
		"MerchantId": {"000000000111111"}, "MerchantPassword": {"3XTgER89as"}, "MerchantType": {"0"},
		"PurchaseAmount": {"1.01"}, "VerifyEnrollmentRequestId": {"ce06048a3e9c0cd1d437803fb38b5ad0"},
		"Currency": {"949"}, "SuccessUrl": {"https://m.example/ok"}, "FailureUrl": {"https://m.example/fail"},
		"Pan": {"4938410157705591"}, "ExpiryDate": {"2912"}, "BrandName": {"100"}, "IsRecurring": {"false"},
	}
}

func enroll(t *testing.T, s *Server, f url.Values) enrollmentResponse {
	t.Helper()
	_, body := post(t, s.EnrollmentURL(), f)
	var r enrollmentResponse
	if err := xml.Unmarshal([]byte(body), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestEnrollment(t *testing.T) {
	s := start(t)
	r := enroll(t, s, enrollForm())
	v := r.Message.VERes
	if v.Status != "Y" || v.PaReq == "" || v.MD == "" || v.ACSURL != s.URL()+PathACS || v.TermURL != s.URL()+PathTerm {
		t.Fatalf("VERes %+v", r)
	}
	for name, change := range map[string][2]string{
		"reused id":      {"VerifyEnrollmentRequestId", "ce06048a3e9c0cd1d437803fb38b5ad0"},
		"wrong password": {"MerchantPassword", "x"},
		"brand mismatch": {"BrandName", "200"},
		"expiry YYYYMM":  {"ExpiryDate", "202912"},
		"kuruş amount":   {"PurchaseAmount", "101"},
		"no fail url":    {"FailureUrl", ""},
	} {
		f := enrollForm()
		if name != "reused id" {
			f.Set("VerifyEnrollmentRequestId", name[:4]+"1")
		}
		f.Set(change[0], change[1])
		if r := enroll(t, s, f); r.Message.VERes.Status != "E" || r.MessageErrorCode == "" || r.Message.VERes.PaReq != "" {
			t.Errorf("%s: %+v", name, r)
		}
	}
}

// The browser steps refuse what the MPI did not issue, and a PaRes is
// taken once.
func TestACSAndTermRefuseStrangers(t *testing.T) {
	s := start(t)
	v := enroll(t, s, enrollForm()).Message.VERes
	if code, _ := post(t, v.ACSURL, url.Values{"PaReq": {"forged"}, "TermUrl": {v.TermURL}, "MD": {v.MD}}); code != http.StatusBadRequest {
		t.Errorf("forged PaReq: %d", code)
	}
	if code, _ := post(t, v.ACSURL, url.Values{"PaReq": {v.PaReq}, "TermUrl": {"https://evil.example/"}, "MD": {v.MD}}); code != http.StatusBadRequest {
		t.Errorf("foreign TermUrl: %d", code)
	}
	code, page := post(t, v.ACSURL, url.Values{"PaReq": {v.PaReq}, "TermUrl": {v.TermURL}, "MD": {v.MD}})
	if code != http.StatusOK || !strings.Contains(page, "/_acs/") {
		t.Fatalf("challenge: %d %s", code, page)
	}
	action := page[strings.Index(page, "/_acs/"):]
	action = action[:strings.Index(action, `"`)]
	_, page = post(t, s.URL()+action, url.Values{"code": {banksim.ACSCode}, "action": {"submit"}})
	i := strings.Index(page, `name="PaRes" value="`) + len(`name="PaRes" value="`)
	paRes := page[i : i+strings.Index(page[i:], `"`)]
	if code, _ := post(t, v.TermURL, url.Values{"PaRes": {paRes}, "MD": {"other"}}); code != http.StatusBadRequest {
		t.Errorf("PaRes with another MD: %d", code)
	}
	if code, _ := post(t, v.TermURL, url.Values{"PaRes": {paRes}, "MD": {v.MD}}); code != http.StatusBadRequest {
		t.Errorf("PaRes reused after a refused post: %d", code)
	}
	// The enrollment was answered: its ACS page cannot be shown again.
	if code, _ := post(t, v.ACSURL, url.Values{"PaReq": {v.PaReq}, "TermUrl": {v.TermURL}, "MD": {v.MD}}); code != http.StatusBadRequest {
		t.Errorf("second challenge: %d", code)
	}
}

func TestFaultOps(t *testing.T) {
	s := New(Config{})
	for _, c := range []struct {
		op      string
		capture bool
		want    string
	}{
		{"authorize", true, OpSale}, {"authorize", false, OpAuth}, {"3d", true, OpSale}, {"capture", false, OpCapture},
		{"void", false, OpCancel}, {"refund", false, OpRefund}, {"status", false, OpSearch}, {"history", false, banksim.AnyOp},
	} {
		if got := s.FaultOp(gatewayOp(c.op), c.capture); got != c.want {
			t.Errorf("FaultOp(%s, %v) = %s, want %s", c.op, c.capture, got, c.want)
		}
	}
}
