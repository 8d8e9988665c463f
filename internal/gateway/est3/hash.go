package est3

import (
	"crypto/sha1"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"sort"
	"strings"
)

// ver3Excluded are the fields the bank leaves out of the ver3 hash, compared
// case-insensitively. NATIONALIDNO appeared in Ziraat callbacks and broke
// integrations that hashed it.
var ver3Excluded = map[string]bool{"hash": true, "encoding": true, "nationalidno": true}

// HashVer3 computes the EST "ver3" hash (hashAlgorithm=ver3) over form fields:
// every field except hash/encoding/nationalidno, sorted case-insensitively in
// natural order, followed by the store key; each value escaped (`\` → `\\`, then
// `|` → `\|`); joined with `|`; SHA-512; base64. The 3D form builder hashes the
// fields it posts, the callback check hashes every field the bank posted back,
// so values must be the exact strings on the wire.
func HashVer3(fields map[string]string, storeKey string) string {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		if !ver3Excluded[strings.ToLower(k)] {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return naturalLess(keys[i], keys[j]) })

	var b strings.Builder
	for _, k := range keys {
		b.WriteString(escapeVer3(fields[k]))
		b.WriteByte('|')
	}
	b.WriteString(escapeVer3(storeKey))
	sum := sha512.Sum512([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// VerifyVer3 reports whether got (the posted HASH) matches the ver3 hash of
// fields, in constant time. fields may include HASH itself; it is excluded.
func VerifyVer3(fields map[string]string, storeKey, got string) bool {
	if got == "" {
		return false
	}
	want := HashVer3(fields, storeKey)
	return subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

func escapeVer3(s string) string {
	if !strings.ContainsAny(s, `\|`) {
		return s
	}
	s = strings.ReplaceAll(s, `\`, `\\`)
	return strings.ReplaceAll(s, `|`, `\|`)
}

// naturalLess orders keys like PHP's ksort(SORT_NATURAL|SORT_FLAG_CASE), which
// the bank's reference implementation uses: bytes are compared after ASCII
// upper-casing (so "_" sorts after letters), and runs of digits compare by
// numeric value, so "TRX2" < "TRX10". Equal numbers with different leading
// zeros put the shorter run first; keys equal under folding fall back to a
// plain byte comparison so the order is total and deterministic.
func naturalLess(a, b string) bool {
	if c := naturalCompare(a, b); c != 0 {
		return c < 0
	}
	return a < b
}

func naturalCompare(a, b string) int {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		ca, cb := a[i], b[j]
		if isDigit(ca) && isDigit(cb) {
			si := i
			for i < len(a) && isDigit(a[i]) {
				i++
			}
			sj := j
			for j < len(b) && isDigit(b[j]) {
				j++
			}
			if c := compareDigitRuns(a[si:i], b[sj:j]); c != 0 {
				return c
			}
			continue
		}
		ua, ub := upperASCII(ca), upperASCII(cb)
		if ua != ub {
			if ua < ub {
				return -1
			}
			return 1
		}
		i++
		j++
	}
	switch {
	case i < len(a):
		return 1
	case j < len(b):
		return -1
	}
	return 0
}

// compareDigitRuns compares two digit strings by value without overflow.
func compareDigitRuns(x, y string) int {
	tx := strings.TrimLeft(x, "0")
	ty := strings.TrimLeft(y, "0")
	if len(tx) != len(ty) {
		if len(tx) < len(ty) {
			return -1
		}
		return 1
	}
	if c := strings.Compare(tx, ty); c != 0 {
		return c
	}
	// Same value: fewer leading zeros first.
	switch {
	case len(x) < len(y):
		return -1
	case len(x) > len(y):
		return 1
	}
	return 0
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func upperASCII(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

// HashLegacy3D is the pre-ver3 EST 3D request hash:
// base64(SHA1(clientid + oid + amount + okUrl + failUrl + islemtipi + taksit + rnd + storeKey)),
// with no separators. Kept for banks that have not moved to ver3.
func HashLegacy3D(clientID, orderID, amount, okURL, failURL, txType, installments, rnd, storeKey string) string {
	h := sha1.New()
	for _, s := range []string{clientID, orderID, amount, okURL, failURL, txType, installments, rnd, storeKey} {
		h.Write([]byte(s))
	}
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}
