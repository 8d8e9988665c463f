package est3sim

import (
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"slices"
	"strings"
)

// ver3Escaper escapes values for the ver3 hash in one pass, which is the same
// as replacing `\` with `\\` and then `|` with `\|`.
var ver3Escaper = strings.NewReplacer(`\`, `\\`, `|`, `\|`)

// ver3Hash is the host's "ver3" signature over form fields: all fields but
// hash, encoding and nationalidno (any case), ordered by name the way PHP's
// natural, case-insensitive ksort orders them, each value escaped, the store
// key last, joined with "|", SHA-512, base64. The gate checks the merchant's
// form with it and signs its callbacks with it.
func ver3Hash(fields map[string]string, storeKey string) string {
	names := make([]string, 0, len(fields))
	for k := range fields {
		switch strings.ToLower(k) {
		case "hash", "encoding", "nationalidno":
			continue
		}
		names = append(names, k)
	}
	slices.SortFunc(names, func(a, b string) int {
		if c := natCmp(strings.ToUpper(a), strings.ToUpper(b)); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, 0, len(names)+1)
	for _, k := range names {
		parts = append(parts, ver3Escaper.Replace(fields[k]))
	}
	parts = append(parts, ver3Escaper.Replace(storeKey))
	sum := sha512.Sum512([]byte(strings.Join(parts, "|")))
	return base64.StdEncoding.EncodeToString(sum[:])
}

func ver3Valid(fields map[string]string, storeKey, got string) bool {
	want := ver3Hash(fields, storeKey)
	return got != "" && subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

// natCmp compares a and b chunk by chunk: a run of digits against a run of
// digits by numeric value (then the shorter run first), anything else byte by
// byte.
func natCmp(a, b string) int {
	for a != "" && b != "" {
		da, db := digitRun(a), digitRun(b)
		if da > 0 && db > 0 {
			x, y := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if c := len(x) - len(y); c != 0 {
				return c
			}
			if c := strings.Compare(x, y); c != 0 {
				return c
			}
			if c := da - db; c != 0 {
				return c
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return int(a[0]) - int(b[0])
		}
		a, b = a[1:], b[1:]
	}
	return len(a) - len(b)
}

func digitRun(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}
