package est3

import (
	"reflect"
	"testing"

	"github.com/kasapos/kasa/internal/gateway/latin5"
)

var fastSeeds = []string{
	`<?xml version="1.0" encoding="ISO-8859-9"?>
<CC5Response><OrderId>K1</OrderId><GroupId>K1</GroupId><Response>Approved</Response><AuthCode>123456</AuthCode><HostRefNum>123456789012</HostRefNum><ProcReturnCode>00</ProcReturnCode><TransId>24001A</TransId><ErrMsg></ErrMsg><Extra><SETTLEID>1234</SETTLEID><TRXDATE>20261123 17:30:00</TRXDATE><ERRORCODE></ERRORCODE><NUMCODE>00</NUMCODE></Extra></CC5Response>`,
	"<CC5Response>\n  <OrderId>K2</OrderId>\n  <Response>Declined</Response>\n  <ProcReturnCode>05</ProcReturnCode>\n  <ErrMsg>Red &amp; iade &lt;05&gt; &quot;x&quot; &apos;y&apos;</ErrMsg>\n  <Extra>\n    <ERRORCODE>CORE-2012</ERRORCODE>\n    <TRX1>a\tb\tc</TRX1>\n  </Extra>\n</CC5Response>\n",
	"<?xml version=\"1.0\" encoding=\"ISO-8859-9\"?><CC5Response><ErrMsg>\xdeifre hatal\xfd</ErrMsg><ProcReturnCode>99</ProcReturnCode></CC5Response>",
	`<?xml version="1.0" encoding="UTF-8"?><CC5Response><ErrMsg>Şifre hatalı</ErrMsg><ProcReturnCode>99</ProcReturnCode></CC5Response>trailing`,
	`<CC5Response><ProcReturnCode></ProcReturnCode></CC5Response>`,
	`<CC5Response><Unknown>x</Unknown><ProcReturnCode>00</ProcReturnCode></CC5Response>`,
	// Outside fastParse's shape: encoding/xml decides.
	`<CC5Response><!-- c --><ProcReturnCode>00</ProcReturnCode></CC5Response>`,
	`<CC5Response><ProcReturnCode><![CDATA[00]]></ProcReturnCode></CC5Response>`,
	`<CC5Response><ProcReturnCode>0&#48;</ProcReturnCode></CC5Response>`,
	`<CC5Response a="1"><ProcReturnCode>00</ProcReturnCode></CC5Response>`,
	`<CC5Response><ProcReturnCode>00</ProcReturnCode><ProcReturnCode>05</ProcReturnCode></CC5Response>`,
	"<CC5Response><ErrMsg>a\r\nb</ErrMsg><ProcReturnCode>00</ProcReturnCode></CC5Response>",
	`<CC5Response><ProcReturnCode>00</ProcReturnCode>`,
	`<CC5Response><ProcReturnCode>00</ErrMsg></CC5Response>`,
	`<x:CC5Response xmlns:x="u"><ProcReturnCode>00</ProcReturnCode></x:CC5Response>`,
	`<?xml version="1.1"?><CC5Response><ProcReturnCode>00</ProcReturnCode></CC5Response>`,
	`<?xml version="1.0" encoding="latin1"?><CC5Response><ProcReturnCode>00</ProcReturnCode></CC5Response>`,
	`<CC5Response><ProcReturnCode/></CC5Response>`, ``, `garbage`,
}

// TestFastParseMatchesDecoder: every reply fastParse takes, encoding/xml
// reads the same; and the EST replies the simulator and the banks send are
// taken (the fast path is not dead code).
func TestFastParseMatchesDecoder(t *testing.T) {
	for _, s := range fastSeeds {
		checkFastParse(t, []byte(s))
	}
	for i, s := range fastSeeds[:6] {
		if _, ok := fastParse([]byte(s)); !ok {
			t.Errorf("seed %d: fastParse refused a plain EST reply", i)
		}
	}
}

func FuzzFastParse(f *testing.F) {
	for _, s := range fastSeeds {
		f.Add([]byte(s))
	}
	f.Add(append([]byte(`<?xml version="1.0" encoding="windows-1254"?><CC5Response><ErrMsg>`), append(latin5.Encode([]byte("Kart numarası geçersiz")), []byte(`</ErrMsg></CC5Response>`)...)...))
	f.Fuzz(checkFastParse)
}

func checkFastParse(t *testing.T, body []byte) {
	fast, ok := fastParse(body)
	if !ok {
		return
	}
	slow, err := decodeResponse(body)
	if err != nil {
		t.Fatalf("%q: fastParse took a reply encoding/xml refuses (%v)", body, err)
	}
	if len(fast.Extra.Fields) == 0 && len(slow.Extra.Fields) == 0 {
		fast.Extra.Fields, slow.Extra.Fields = nil, nil
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("%q:\nfast %+v\nslow %+v", body, fast, slow)
	}
}

func BenchmarkParseResponse(b *testing.B) {
	body := []byte(fastSeeds[0])
	b.Run("fast", func(b *testing.B) {
		for b.Loop() {
			if _, err := ParseResponse(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding/xml", func(b *testing.B) {
		for b.Loop() {
			if _, err := decodeResponse(body); err != nil {
				b.Fatal(err)
			}
		}
	})
}
