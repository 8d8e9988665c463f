package boa_test

import (
	"testing"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/gateway/boa"
)

func TestParseForm(t *testing.T) {
	f, err := boa.ParseForm([]byte(`<body><FORM name="f" ACTION='https://acs.example/a?b=1&amp;c=2' Method="POST">` +
		`<input type="hidden" name="MD" value="x+y/z=="><input type=hidden name=Empty>` +
		`<input type="submit" name="submit" value="Go"></form><form action="https://other.example"><input name="no"></form></body>`))
	if err != nil {
		t.Fatal(err)
	}
	if f.URL != "https://acs.example/a?b=1&c=2" || len(f.Fields) != 2 || f.Fields[0] != (gateway.Field{Name: "MD", Value: "x+y/z=="}) ||
		f.Fields[1] != (gateway.Field{Name: "Empty"}) {
		t.Fatalf("%+v", f)
	}
	if v, ok := boa.FieldValue(f, "MD"); !ok || v != "x+y/z==" {
		t.Errorf("FieldValue %q %v", v, ok)
	}
	for _, bad := range []string{"", "<p>", `<form action="javascript:alert(1)">`, `<form action="https://x.example" method="get">`} {
		if _, err := boa.ParseForm([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzParseForm(f *testing.F) {
	f.Add([]byte(`<form action="https://a.example/x" method="post"><input type="hidden" name="a" value="b"></form>`))
	f.Add([]byte(`<form action='https://a.example' ><input name=a value=b>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		form, err := boa.ParseForm(b)
		if err == nil && !gateway.ValidEndpoint(form.URL) {
			t.Fatalf("form to %q", form.URL)
		}
	})
}

func FuzzParseResponse(f *testing.F) {
	f.Add([]byte(`<VPosTransactionResponseContract><ResponseCode>00</ResponseCode><VPosOrderData><OrderContract><OrderId>1</OrderId></OrderContract></VPosOrderData></VPosTransactionResponseContract>`))
	f.Add([]byte(`<?xml version="1.0" encoding="utf-16"?><VPosTransactionResponseContract><ResponseCode>05</ResponseCode></VPosTransactionResponseContract>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if r, err := boa.ParseResponse(b); err == nil && r.ResponseCode == "" {
			t.Fatal("a reply without ResponseCode")
		}
	})
}
