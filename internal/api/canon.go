package api

import (
	"errors"
	"math"
	"slices"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// canonicalJSON appends to dst the canonical form of the JSON value in src:
// exactly what json.Marshal writes for what json.Unmarshal reads from src
// into an `any` (object keys sorted, the last of duplicate keys kept,
// numbers as float64, strings re-escaped, no whitespace), without building
// the maps and interfaces. Idempotency fingerprints were made that way,
// which cost ~40 us of a sale's CPU (`kasa bench` profile); keeping the
// same bytes keeps every stored fingerprint valid. FuzzCanonicalJSON holds
// the two to the same output and the same verdict on invalid input.
func canonicalJSON(dst, src []byte) ([]byte, error) {
	p := canonParser{src: src}
	p.space()
	out, err := p.value(dst, 0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.src) {
		return nil, errCanon
	}
	return out, nil
}

var errCanon = errors.New("api: not canonicalizable JSON")

// maxDepth is encoding/json's nesting limit.
const maxDepth = 10000

type canonParser struct {
	src []byte
	i   int
}

func (p *canonParser) space() {
	for p.i < len(p.src) {
		switch p.src[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *canonParser) value(dst []byte, depth int) ([]byte, error) {
	if p.i >= len(p.src) {
		return nil, errCanon
	}
	switch c := p.src[p.i]; {
	case c == '{':
		return p.object(dst, depth+1)
	case c == '[':
		return p.array(dst, depth+1)
	case c == '"':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		return appendJSONString(dst, s), nil
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number(dst)
	default:
		for _, lit := range []string{"true", "false", "null"} {
			if len(p.src)-p.i >= len(lit) && string(p.src[p.i:p.i+len(lit)]) == lit {
				p.i += len(lit)
				return append(dst, lit...), nil
			}
		}
		return nil, errCanon
	}
}

type member struct {
	key string
	val []byte
}

func (p *canonParser) object(dst []byte, depth int) ([]byte, error) {
	if depth > maxDepth {
		return nil, errCanon
	}
	p.i++ // {
	var members []member
	p.space()
	if p.i < len(p.src) && p.src[p.i] == '}' {
		p.i++
		return append(dst, "{}"...), nil
	}
	for {
		p.space()
		if p.i >= len(p.src) || p.src[p.i] != '"' {
			return nil, errCanon
		}
		key, err := p.str()
		if err != nil {
			return nil, err
		}
		p.space()
		if p.i >= len(p.src) || p.src[p.i] != ':' {
			return nil, errCanon
		}
		p.i++
		p.space()
		val, err := p.value(nil, depth)
		if err != nil {
			return nil, err
		}
		// A repeated key replaces the earlier value, as in a decoded map.
		if k := slices.IndexFunc(members, func(m member) bool { return m.key == key }); k >= 0 {
			members[k].val = val
		} else {
			members = append(members, member{key, val})
		}
		more, err := p.next('}')
		if err != nil {
			return nil, err
		}
		if !more {
			break
		}
	}
	slices.SortFunc(members, func(a, b member) int {
		switch {
		case a.key < b.key:
			return -1
		case a.key > b.key:
			return 1
		}
		return 0
	})
	dst = append(dst, '{')
	for k, m := range members {
		if k > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, m.key)
		dst = append(dst, ':')
		dst = append(dst, m.val...)
	}
	return append(dst, '}'), nil
}

func (p *canonParser) array(dst []byte, depth int) ([]byte, error) {
	if depth > maxDepth {
		return nil, errCanon
	}
	p.i++ // [
	dst = append(dst, '[')
	p.space()
	if p.i < len(p.src) && p.src[p.i] == ']' {
		p.i++
		return append(dst, ']'), nil
	}
	for first := true; ; first = false {
		if !first {
			dst = append(dst, ',')
		}
		p.space()
		var err error
		if dst, err = p.value(dst, depth); err != nil {
			return nil, err
		}
		more, err := p.next(']')
		if err != nil {
			return nil, err
		}
		if !more {
			return append(dst, ']'), nil
		}
	}
}

// next reads what follows a member or element: a comma (more follows) or
// the closing bracket.
func (p *canonParser) next(closing byte) (more bool, err error) {
	p.space()
	switch {
	case p.i >= len(p.src):
		return false, errCanon
	case p.src[p.i] == ',':
		p.i++
		return true, nil
	case p.src[p.i] == closing:
		p.i++
		return false, nil
	}
	return false, errCanon
}

// number checks JSON's number grammar and writes the value as encoding/json
// writes a float64.
func (p *canonParser) number(dst []byte) ([]byte, error) {
	start := p.i
	s := p.src
	if p.i < len(s) && s[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(s) && s[p.i] == '0':
		p.i++
	case p.i < len(s) && s[p.i] >= '1' && s[p.i] <= '9':
		for p.i < len(s) && s[p.i] >= '0' && s[p.i] <= '9' {
			p.i++
		}
	default:
		return nil, errCanon
	}
	if p.i < len(s) && s[p.i] == '.' {
		p.i++
		if p.i >= len(s) || s[p.i] < '0' || s[p.i] > '9' {
			return nil, errCanon
		}
		for p.i < len(s) && s[p.i] >= '0' && s[p.i] <= '9' {
			p.i++
		}
	}
	if p.i < len(s) && (s[p.i] == 'e' || s[p.i] == 'E') {
		p.i++
		if p.i < len(s) && (s[p.i] == '+' || s[p.i] == '-') {
			p.i++
		}
		if p.i >= len(s) || s[p.i] < '0' || s[p.i] > '9' {
			return nil, errCanon
		}
		for p.i < len(s) && s[p.i] >= '0' && s[p.i] <= '9' {
			p.i++
		}
	}
	f, err := strconv.ParseFloat(string(s[start:p.i]), 64)
	if err != nil {
		return nil, errCanon // out of float64's range: json.Unmarshal refuses it too
	}
	return appendJSONFloat(dst, f), nil
}

// appendJSONFloat is encoding/json's float64 format (ES6 number to string).
func appendJSONFloat(dst []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// e-09 to e-9
		if n := len(dst); n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}

// str reads a string literal and returns its value, as json.Unmarshal
// decodes it (invalid UTF-8 and lone surrogates become U+FFFD).
func (p *canonParser) str() (string, error) {
	s := p.src
	p.i++ // opening quote
	start := p.i
	// The common case: no escapes, valid UTF-8, no control characters.
	for p.i < len(s) {
		c := s[p.i]
		if c == '"' {
			v := s[start:p.i]
			p.i++
			if utf8.Valid(v) {
				return string(v), nil
			}
			return string([]rune(string(v))), nil // invalid bytes to U+FFFD
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return "", errCanon
		}
		p.i++
	}
	if p.i >= len(s) {
		return "", errCanon
	}
	out := []byte(nil)
	seg := start
	for p.i < len(s) {
		c := s[p.i]
		switch {
		case c == '"':
			out = appendValidUTF8(out, s[seg:p.i])
			p.i++
			return string(out), nil
		case c < 0x20:
			return "", errCanon
		case c == '\\':
			out = appendValidUTF8(out, s[seg:p.i])
			p.i++
			if p.i >= len(s) {
				return "", errCanon
			}
			e := s[p.i]
			p.i++
			switch e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r, ok := p.hex4()
				if !ok {
					return "", errCanon
				}
				if utf16.IsSurrogate(r) {
					// A pair makes one rune; anything else is U+FFFD.
					if p.i+1 < len(s) && s[p.i] == '\\' && s[p.i+1] == 'u' {
						save := p.i
						p.i += 2
						r2, ok := p.hex4()
						if !ok {
							return "", errCanon
						}
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							out = utf8.AppendRune(out, dec)
							break
						}
						p.i = save
					}
					r = utf8.RuneError
				}
				out = utf8.AppendRune(out, r)
			default:
				return "", errCanon
			}
			seg = p.i
		default:
			p.i++
		}
	}
	return "", errCanon
}

func (p *canonParser) hex4() (rune, bool) {
	if len(p.src)-p.i < 4 {
		return 0, false
	}
	var r rune
	for _, c := range p.src[p.i : p.i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r*16 + rune(c)
	}
	p.i += 4
	return r, true
}

// appendValidUTF8 appends b with each invalid byte as U+FFFD.
func appendValidUTF8(dst, b []byte) []byte {
	if utf8.Valid(b) {
		return append(dst, b...)
	}
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		dst = utf8.AppendRune(dst, r)
		b = b[n:]
	}
	return dst
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as json.Marshal does (HTML-safe, U+2028 and
// U+2029 escaped; s is valid UTF-8 here).
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += n
			start = i
			continue
		}
		i += n
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
