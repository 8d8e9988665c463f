package api

import (
	"bytes"
	"encoding/json"
	"testing"
)

// viaStdlib is how fingerprints were canonicalized before canonicalJSON:
// decode into an any, encode again.
func viaStdlib(src []byte) ([]byte, bool) {
	var v any
	if json.Unmarshal(src, &v) != nil {
		return nil, false
	}
	b, err := json.Marshal(v)
	return b, err == nil
}

var canonSeeds = []string{
	`{"amount":12550,"currency":"TRY","card":{"number":"4355084355084358","cvv":"000"},"installments":1}`,
	` { "b" : [1, 2.50, -0, 1e2, 1E-7, 0.000001, 1e21, 123456789012345678901234567890] , "a" : null } `,
	`{"a":1,"a":2,"\u0061":3}`,
	`{"html":"<script>&</script>","ctl":"\u0001\b\f\n\r\t\u001f","ls":"\u2028\u2029","slash":"\/"}`,
	`{"pair":"\ud83d\ude00","lone":"\ud83d","rev":"\ude00\ud83d","bad":"\ud83d\u0041"}`,
	"{\"raw\":\"\xff\xfe ok \xc3\xa7\"}",
	`["x",true,false,null,{},[],""]`,
	`"just a string"`, `42`, `-0.0`, `1e400`, `1e-400`, `01`, `1.`, `.5`, `-`, `+1`, `tru`, `truex`,
	`{"a":1,}`, `[1,]`, `{"a" 1}`, `{a:1}`, `[1 2]`, "\"a\x01\"", `"\x"`, `"\u12G4"`, ``, `   `, `{}x`, `"unterminated`,
	`{"ü":"ş","İ":"ı","é":"\u00e9"}`, `{"z":{"y":{"x":[{"b":1,"a":2}]}}}`,
}

func TestCanonicalJSONMatchesStdlib(t *testing.T) {
	for _, s := range canonSeeds {
		checkCanon(t, []byte(s))
	}
}

func FuzzCanonicalJSON(f *testing.F) {
	for _, s := range canonSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(checkCanon)
}

func checkCanon(t *testing.T, src []byte) {
	want, ok := viaStdlib(src)
	got, err := canonicalJSON(nil, src)
	if ok != (err == nil) {
		t.Fatalf("%q: stdlib ok=%v, canonicalJSON err=%v", src, ok, err)
	}
	if ok && !bytes.Equal(got, want) {
		t.Fatalf("%q:\n got %s\nwant %s", src, got, want)
	}
}

func BenchmarkFingerprint(b *testing.B) {
	body := []byte(canonSeeds[0])
	b.Run("canonicalJSON", func(b *testing.B) {
		for b.Loop() {
			canonicalJSON(nil, body)
		}
	})
	b.Run("stdlib", func(b *testing.B) {
		for b.Loop() {
			viaStdlib(body)
		}
	})
}
