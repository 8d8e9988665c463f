package latin5

import (
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	in := "AÇÖÜçöü ĞİŞğış Ð €"
	enc := Encode([]byte(in))
	want := "A\xc7\xd6\xdc\xe7\xf6\xfc \xd0\xdd\xde\xf0\xfd\xfe &#208; &#8364;"
	if string(enc) != want {
		t.Fatalf("Encode = %q, want %q", enc, want)
	}
	if got := string(Decode(enc)); got != "AÇÖÜçöü ĞİŞğış &#208; &#8364;" {
		t.Fatalf("Decode = %q", got)
	}
}

func TestCharsetReader(t *testing.T) {
	doc := append([]byte(`<?xml version="1.0" encoding="ISO-8859-9"?><a>`), Encode([]byte("Şule"))...)
	doc = append(doc, "</a>"...)
	var v struct {
		A string `xml:",chardata"`
	}
	dec := xml.NewDecoder(strings.NewReader(string(doc)))
	dec.CharsetReader = CharsetReader
	if err := dec.Decode(&v); err != nil || v.A != "Şule" {
		t.Fatalf("decode = %q, %v", v.A, err)
	}
	for _, l := range []string{"UTF-8", "", " latin5 ", "windows-1254", "CP1254"} {
		if _, err := CharsetReader(l, strings.NewReader("x")); err != nil {
			t.Errorf("%q: %v", l, err)
		}
	}
	if _, err := CharsetReader("koi8-r", io.MultiReader()); err == nil || err.Error() != `unsupported charset "koi8-r"` {
		t.Errorf("koi8-r: %v", err)
	}
}
