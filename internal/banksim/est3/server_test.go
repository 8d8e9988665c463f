package est3sim

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/gateway/latin5"
)

// These tests speak raw CC5Request XML, as the bank's documentation
// describes it, without Kasa's adapter.

var fixedNow = time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC) // 12:30 in Turkey

func start(t *testing.T, cfg Config) *Server {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return fixedNow }
	}
	s := New(cfg)
	if _, err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

type resp struct {
	OrderID        string `xml:"OrderId"`
	GroupID        string `xml:"GroupId"`
	Response       string `xml:"Response"`
	AuthCode       string `xml:"AuthCode"`
	HostRefNum     string `xml:"HostRefNum"`
	ProcReturnCode string `xml:"ProcReturnCode"`
	TransID        string `xml:"TransId"`
	ErrMsg         string `xml:"ErrMsg"`
	Extra          struct {
		Fields []field `xml:",any"`
	} `xml:"Extra"`
	raw []byte
}

func (r *resp) extra(k string) string {
	for _, f := range r.Extra.Fields {
		if f.XMLName.Local == k {
			return f.Value
		}
	}
	return ""
}

// send posts an ISO-8859-9 CC5Request built from fields (in order).
func send(t *testing.T, s *Server, fields ...string) *resp {
	t.Helper()
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="ISO-8859-9"?><CC5Request>`)
	for i := 0; i+1 < len(fields); i += 2 {
		b.WriteString("<" + fields[i] + ">" + fields[i+1] + "</" + fields[i] + ">")
	}
	b.WriteString("</CC5Request>")
	return post(t, s, "text/xml", latin5.Encode([]byte(b.String())))
}

func post(t *testing.T, s *Server, ctype string, body []byte) *resp {
	t.Helper()
	hr, err := http.Post(s.APIURL(), ctype, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer hr.Body.Close()
	raw, _ := io.ReadAll(hr.Body)
	if hr.StatusCode != 200 {
		t.Fatalf("http %d: %s", hr.StatusCode, raw)
	}
	dec := xml.NewDecoder(bytes.NewReader(raw))
	dec.CharsetReader = latin5.CharsetReader
	var r resp
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("reply is not XML: %v\n%s", err, raw)
	}
	r.raw = raw
	return &r
}

var creds = []string{"Name", "ISBANKAPI", "Password", "ISBANK07", "ClientId", "700655000200"}

func auth(typ, order, total, cur, taksit, pan, exp string, more ...string) []string {
	f := append([]string{}, creds...)
	f = append(f, "Type", typ, "IPAddress", "203.0.113.1", "OrderId", order, "Total", total, "Currency", cur,
		"Taksit", taksit, "Number", pan, "Expires", exp, "Cvv2Val", "000", "Mode", "P")
	return append(f, more...)
}

func op(typ, order string, more ...string) []string {
	f := append([]string{}, creds...)
	f = append(f, "Type", typ, "OrderId", order)
	return append(f, more...)
}

func query(name, order string) []string {
	f := append([]string{}, creds...)
	return append(f, "OrderId", order, "Extra", "<"+name+">QUERY</"+name+">")
}

const pan = "4355084355084358"

func wantCode(t *testing.T, r *resp, code, errCode string) {
	t.Helper()
	if r.ProcReturnCode != code || r.extra("ERRORCODE") != errCode {
		t.Errorf("got %s/%s %q, want %s/%s", r.ProcReturnCode, r.extra("ERRORCODE"), r.ErrMsg, code, errCode)
	}
}

func TestApprovedReplyShape(t *testing.T) {
	s := start(t, Config{})
	r := send(t, s, auth("Auth", "ORD-1", "125.50", "949", "", pan, "12/30")...)
	wantCode(t, r, "00", "")
	if r.Response != "Approved" || r.OrderID != "ORD-1" || r.GroupID != "ORD-1" || len(r.AuthCode) != 6 ||
		len(r.HostRefNum) != 12 || r.TransID == "" || r.extra("TRXDATE") != "20261123 12:30:00" ||
		r.extra("CARDBRAND") != "VISA" || r.extra("NUMCODE") != "00" || r.extra("TERMINALID") != "00655020" {
		t.Errorf("reply %+v\n%s", r, r.raw)
	}
	if !bytes.HasPrefix(r.raw, []byte(`<?xml version="1.0" encoding="ISO-8859-9"?>`)) {
		t.Errorf("declaration: %.50s", r.raw)
	}
	o, _ := s.Book().Get("700655000200", "ORD-1")
	if o.Captured != 12550 || o.State != banksim.OrderCaptured || o.Card != "435508******4358" || o.ClientIP != "203.0.113.1" {
		t.Errorf("book %+v", o)
	}
}

func TestAmountForms(t *testing.T) {
	s := start(t, Config{})
	for total, minor := range map[string]int64{"100": 10000, "100.5": 10050, "100.25": 10025, "0.01": 1, "1234567890.12": 123456789012} {
		id := "AMT" + strings.ReplaceAll(total, ".", "x")
		wantCode(t, send(t, s, auth("Auth", id, total, "949", "", pan, "12/30")...), "00", "")
		if o, _ := s.Book().Get("700655000200", id); o.Captured != minor {
			t.Errorf("%s → %d, want %d", total, o.Captured, minor)
		}
	}
}

func TestValidation(t *testing.T) {
	s := start(t, Config{Merchants: []Merchant{{ClientID: "C2", User: "u", Password: "p", MaxInstallments: 6, Currencies: []string{"949"}}}})
	tests := []struct {
		name   string
		fields []string
		code   string
	}{
		{"bad PAN chars", auth("Auth", "V1", "1.00", "949", "", "4355-0843-5508-4358", "12/30"), "CORE-2012"},
		{"short PAN", auth("Auth", "V2", "1.00", "949", "", "43550843", "12/30"), "CORE-2012"},
		{"Luhn", auth("Auth", "V3", "1.00", "949", "", "4355084355084359", "12/30"), "CORE-2012"},
		{"expiry MMYY", auth("Auth", "V4", "1.00", "949", "", pan, "1230"), "CORE-2013"},
		{"expiry month 13", auth("Auth", "V5", "1.00", "949", "", pan, "13/30"), "CORE-2013"},
		{"cvv", append(auth("Auth", "V6", "1.00", "949", "", pan, "12/30")[:24], "Cvv2Val", "12"), "CORE-2014"},
		{"currency", auth("Auth", "V7", "1.00", "999", "", pan, "12/30"), "CORE-2007"},
		{"comma amount", auth("Auth", "V8", "1,00", "949", "", pan, "12/30"), "CORE-2006"},
		{"3 decimals", auth("Auth", "V9", "1.001", "949", "", pan, "12/30"), "CORE-2006"},
		{"negative", auth("Auth", "V10", "-1.00", "949", "", pan, "12/30"), "CORE-2006"},
		{"zero", auth("Auth", "V11", "0.00", "949", "", pan, "12/30"), "CORE-2006"},
		{"no total", append(append([]string{}, creds...), "Type", "Auth", "OrderId", "V12", "Currency", "949", "Number", pan, "Expires", "12/30"), "CORE-2006"},
		{"installments USD", auth("Auth", "V13", "10.00", "840", "3", pan, "12/30"), "CORE-2603"},
		{"installments 13", auth("Auth", "V14", "10.00", "949", "13", pan, "12/30"), "CORE-2603"},
		{"installments text", auth("Auth", "V15", "10.00", "949", "three", pan, "12/30"), "CORE-2603"},
		{"order id chars", auth("Auth", "V 16", "1.00", "949", "", pan, "12/30"), "CORE-2004"},
		{"order id long", auth("Auth", strings.Repeat("A", 65), "1.00", "949", "", pan, "12/30"), "CORE-2004"},
		{"no order id", auth("Auth", "", "1.00", "949", "", pan, "12/30"), "CORE-2004"},
		{"type", op("Sale", "V17"), "CORE-2002"},
		{"no type", op("", "V18"), "CORE-2002"},
		{"password", append([]string{"Name", "ISBANKAPI", "Password", "x", "ClientId", "700655000200"}, auth("Auth", "V19", "1.00", "949", "", pan, "12/30")[6:]...), "CORE-2001"},
		{"client id", append([]string{"Name", "ISBANKAPI", "Password", "ISBANK07", "ClientId", "1"}, auth("Auth", "V20", "1.00", "949", "", pan, "12/30")[6:]...), "CORE-2001"},
		{"other store's currency", append([]string{"Name", "u", "Password", "p", "ClientId", "C2"}, auth("Auth", "V21", "1.00", "840", "", pan, "12/30")[6:]...), "CORE-2007"},
		{"other store's plan", append([]string{"Name", "u", "Password", "p", "ClientId", "C2"}, auth("Auth", "V22", "1.00", "949", "7", pan, "12/30")[6:]...), "CORE-2603"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := send(t, s, tt.fields...)
			wantCode(t, r, "99", tt.code)
			if r.Response != "Error" || r.extra("NUMCODE") != "99"+tt.code[5:] || r.ErrMsg == "" {
				t.Errorf("reply %+v", r)
			}
		})
	}
	if n := len(s.Book().All()); n != 0 {
		t.Errorf("refused requests reached the book: %d", n)
	}
	// Allowed: installments within the plan, TRY.
	wantCode(t, send(t, s, append([]string{"Name", "u", "Password", "p", "ClientId", "C2"}, auth("Auth", "V23", "1.00", "949", "6", pan, "12/30")[6:]...)...), "00", "")

	// Not XML at all.
	r := post(t, s, "text/xml", []byte("hello"))
	wantCode(t, r, "99", "CORE-2003")
}

func TestFormDataAndUTF8(t *testing.T) {
	s := start(t, Config{UTF8Responses: true})
	x := `<?xml version="1.0" encoding="UTF-8"?><CC5Request><Name>ISBANKAPI</Name><Password>ISBANK07</Password><ClientId>700655000200</ClientId>` +
		`<Type>Auth</Type><OrderId>F1</OrderId><Total>9999.51</Total><Currency>949</Currency><Number>` + pan + `</Number><Expires>12/30</Expires>` +
		`<BillTo><Name>Gülşen Işık</Name></BillTo></CC5Request>`
	r := post(t, s, "application/x-www-form-urlencoded", []byte("DATA="+url.QueryEscape(x)))
	wantCode(t, r, "51", "ISO8583-51")
	if r.Response != "Declined" || r.ErrMsg != "Yetersiz bakiye" || !bytes.HasPrefix(r.raw, []byte(`<?xml version="1.0" encoding="UTF-8"?>`)) {
		t.Errorf("reply %+v", r)
	}
	if o, _ := s.Book().Get("700655000200", "F1"); o.Holder != "Gülşen Işık" || o.State != banksim.OrderDeclined || o.AuthAttempts != 1 {
		t.Errorf("book %+v", o)
	}
}

func TestLifecycleAndQueries(t *testing.T) {
	s := start(t, Config{})
	wantCode(t, send(t, s, auth("PreAuth", "L1", "100.00", "949", "", pan, "12/30")...), "00", "")
	wantCode(t, send(t, s, auth("PreAuth", "L1", "100.00", "949", "", pan, "12/30")...), "99", "CORE-2005")
	wantCode(t, send(t, s, op("PostAuth", "L1", "Total", "100.01")...), "99", "CORE-2016")

	st := send(t, s, query("ORDERSTATUS", "L1")...)
	if st.extra("TRANS_STAT") != "A" || st.extra("CHARGE_TYPE_CD") != "S" || st.extra("ORIG_TRANS_AMT") != "10000" ||
		st.extra("CAPTURE_AMT") != "" || st.extra("PAN") != "4355 08** **** 4358" || st.ErrMsg != "Record(s) found for L1" ||
		!strings.HasPrefix(st.extra("AUTH_CODE"), "T") {
		t.Errorf("status %s", st.raw)
	}
	if !strings.Contains(st.extra("ORDERSTATUS"), "ORD_ID:L1\tCHARGE_TYPE_CD:S\tORIG_TRANS_AMT:10000\tCAPTURE_AMT:\tTRANS_STAT:A\t") {
		t.Errorf("ORDERSTATUS %q", st.extra("ORDERSTATUS"))
	}

	wantCode(t, send(t, s, op("PostAuth", "L1", "Total", "80")...), "00", "")
	wantCode(t, send(t, s, op("PostAuth", "L1")...), "99", "CORE-2016")
	wantCode(t, send(t, s, op("Credit", "L1", "Total", "30.00", "Currency", "949")...), "00", "")
	wantCode(t, send(t, s, op("Credit", "L1", "Total", "60.00")...), "99", "CORE-2017")
	wantCode(t, send(t, s, op("Void", "L1")...), "99", "CORE-2018")
	wantCode(t, send(t, s, op("Credit", "L1")...), "00", "") // the remaining 50.00

	o, _ := s.Book().Get("700655000200", "L1")
	if o.Authorized != 10000 || o.Captured != 8000 || o.Refunded != 8000 || o.State != banksim.OrderRefunded {
		t.Errorf("book %+v", o)
	}
	st = send(t, s, query("ORDERSTATUS", "L1")...)
	if st.extra("CHARGE_TYPE_CD") != "C" || st.extra("TRANS_STAT") != "C" || st.extra("ORIG_TRANS_AMT") != "5000" {
		t.Errorf("status after refunds %s", st.raw)
	}

	h := send(t, s, query("ORDERHISTORY", "L1")...)
	wantCode(t, h, "00", "")
	if h.extra("TRXCOUNT") != "4" {
		t.Fatalf("history %s", h.raw)
	}
	want := []string{
		"C\tC\t5000\t5000\t",  // newest: the final refund
		"C\tD\t6000\t6000\t",  // the refused refund stays in the history
		"C\tC\t3000\t3000\t",  // first refund
		"S\tC\t10000\t8000\t", // pre-auth captured at 80.00
	}
	for i, prefix := range want {
		rec := h.extra("TRX" + string(rune('1'+i)))
		if !strings.HasPrefix(rec, prefix) || len(strings.Split(rec, "\t")) != 11 {
			t.Errorf("TRX%d = %q, want prefix %q and 11 fields", i+1, rec, prefix)
		}
	}
	if f := strings.Split(h.extra("TRX4"), "\t"); f[4] != "2026-11-23 12:30:00.000" || f[9] != "00" || len(f[7]) != 12 || f[8] == "" {
		t.Errorf("sale record %q", f)
	}

	nf := send(t, s, query("ORDERSTATUS", "NOPE")...)
	if nf.ProcReturnCode != "99" || nf.ErrMsg != "No record found for NOPE" || nf.extra("ERRORCODE") != "" || nf.OrderID != "" {
		t.Errorf("not found %s", nf.raw)
	}
	if h := send(t, s, query("ORDERHISTORY", "NOPE")...); h.ProcReturnCode != "99" {
		t.Errorf("history not found %s", h.raw)
	}
	wantCode(t, send(t, s, op("PostAuth", "NOPE")...), "99", "CORE-2015")
	wantCode(t, send(t, s, op("Credit", "NOPE")...), "99", "CORE-2015")
	wantCode(t, send(t, s, op("Void", "NOPE")...), "99", "CORE-2008")
}

func TestVoidRules(t *testing.T) {
	s := start(t, Config{})
	wantCode(t, send(t, s, auth("Auth", "W1", "10.00", "949", "", pan, "12/30")...), "00", "")
	wantCode(t, send(t, s, op("Void", "W1")...), "00", "")
	wantCode(t, send(t, s, op("Void", "W1")...), "99", "CORE-2008")
	st := send(t, s, query("ORDERSTATUS", "W1")...)
	if st.extra("TRANS_STAT") != "V" || st.extra("VOID_DTTM") == "" {
		t.Errorf("voided status %s", st.raw)
	}
	// A refused refund becomes the latest transaction, as on real hosts.
	wantCode(t, send(t, s, op("Credit", "W1")...), "99", "CORE-2017")
	st = send(t, s, query("ORDERSTATUS", "W1")...)
	if st.extra("CHARGE_TYPE_CD") != "C" || st.extra("TRANS_STAT") != "D" {
		t.Errorf("status after refused refund %s", st.raw)
	}
	if tot := s.Book().ApprovedTotal()["TRY"]; tot != 0 {
		t.Errorf("approved total %d", tot)
	}
	wantCode(t, send(t, s, auth("Auth", "W2", "10.00", "949", "", pan, "12/30")...), "00", "")
	s.CloseBatch()
	wantCode(t, send(t, s, op("Void", "W2")...), "99", "CORE-2008")
	wantCode(t, send(t, s, op("Credit", "W2", "Total", "10.00")...), "00", "")
}

func TestSettlementRule(t *testing.T) {
	s := start(t, Config{RefundRequiresSettlement: true})
	wantCode(t, send(t, s, auth("Auth", "S1", "10.00", "949", "", pan, "12/30")...), "00", "")
	r := send(t, s, op("Credit", "S1")...)
	wantCode(t, r, "99", "CORE-2508")
	if r.ErrMsg != "Iade yapilamaz, siparis gunsonuna girmemis." {
		t.Errorf("message %q", r.ErrMsg)
	}
	s.CloseBatch()
	wantCode(t, send(t, s, op("Credit", "S1")...), "00", "")
}

func TestThreeDGateOverride(t *testing.T) {
	s := start(t, Config{})
	resp, err := http.Post(s.ThreeDGateURL(), "application/x-www-form-urlencoded", strings.NewReader("clientid=1"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("3D gate, unknown store: %d", resp.StatusCode)
	}
	s.SetThreeDGate(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) }))
	resp, err = http.Post(s.ThreeDGateURL(), "application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTeapot {
		t.Errorf("installed gate: %d", resp.StatusCode)
	}
	if m, ok := s.Merchant("700655000200"); !ok || m.StoreKey != "TRPS0200" {
		t.Errorf("sandbox merchant %+v", m)
	}
}

func TestFaultsByOperationOverHTTP(t *testing.T) {
	s := start(t, Config{})
	ctl, err := http.Post(s.URL()+"/_sim/faults", "application/json", strings.NewReader(`{"op":"Credit","fault":"http500_after","count":1}`))
	if err != nil {
		t.Fatal(err)
	}
	ctl.Body.Close()
	wantCode(t, send(t, s, auth("Auth", "H1", "10.00", "949", "", pan, "12/30")...), "00", "") // Auth unaffected
	resp, err := http.Post(s.APIURL(), "text/xml", bytes.NewReader(latin5.Encode([]byte(`<CC5Request><Name>ISBANKAPI</Name><Password>ISBANK07</Password><ClientId>700655000200</ClientId><Type>Credit</Type><OrderId>H1</OrderId></CC5Request>`))))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 500 {
		t.Errorf("status %d", resp.StatusCode)
	}
	if o, _ := s.Book().Get("700655000200", "H1"); o.State != banksim.OrderRefunded {
		t.Errorf("http500_after did not commit: %s", o.State)
	}
}

func TestNoPaytenSandbox(t *testing.T) {
	s := start(t, Config{NoPaytenSandbox: true})
	wantCode(t, send(t, s, auth("Auth", "N1", "1.00", "949", "", pan, "12/30")...), "99", "CORE-2001")
}

func TestEstMask(t *testing.T) {
	for in, want := range map[string]string{
		"4355084355084358":    "4355 08** **** 4358",
		"435508******4358":    "4355 08** **** 4358",
		"5401341234567891234": "5401 34** **** ***1 234",
		"123":                 "",
	} {
		if got := estMask(in); got != want {
			t.Errorf("estMask(%s) = %q, want %q", in, got, want)
		}
	}
}

// No goroutine outlives the simulator, even with requests hanging in faults.
func TestNoLeakedGoroutines(t *testing.T) {
	base := runtime.NumGoroutine()
	s := New(Config{})
	if _, err := s.Start(); err != nil {
		t.Fatal(err)
	}
	s.Faults().SetDefault(banksim.AnyOp, banksim.TimeoutAfter)
	tr := &http.Transport{}
	client := &http.Client{Transport: tr, Timeout: 100 * time.Millisecond}
	body := latin5.Encode([]byte(`<CC5Request><Name>ISBANKAPI</Name><Password>ISBANK07</Password><ClientId>700655000200</ClientId><Type>Void</Type><OrderId>X</OrderId></CC5Request>`))
	if _, err := client.Post(s.APIURL(), "text/xml", bytes.NewReader(body)); err == nil {
		t.Error("hanging request answered")
	}
	// Another one still hanging when the simulator closes.
	go client.Post(s.APIURL(), "text/xml", bytes.NewReader(body)) //nolint:errcheck
	time.Sleep(30 * time.Millisecond)
	s.Close()
	tr.CloseIdleConnections()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines, started with %d:\n%s", runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(20 * time.Millisecond)
	}
}
