package est3

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ISO-8859-9 (Latin-5) is Latin-1 with six Icelandic letters replaced by the
// Turkish ones. EST hosts speak it; a tiny table is all that is needed.
var latin5Turkish = map[byte]rune{
	0xD0: 'Ğ', 0xDD: 'İ', 0xDE: 'Ş',
	0xF0: 'ğ', 0xFD: 'ı', 0xFE: 'ş',
}

var latin5FromRune = func() map[rune]byte {
	m := make(map[rune]byte, len(latin5Turkish))
	for b, r := range latin5Turkish {
		m[r] = b
	}
	return m
}()

// encodeLatin5 converts UTF-8 XML to ISO-8859-9. A character the charset lacks
// becomes a numeric character reference, which every XML parser resolves, so
// nothing is silently replaced. Only call it on XML text (not inside names).
func encodeLatin5(src []byte) []byte {
	out := make([]byte, 0, len(src))
	for len(src) > 0 {
		r, n := utf8.DecodeRune(src)
		src = src[n:]
		switch {
		case r < 0x80:
			out = append(out, byte(r))
		case r <= 0xFF && latin5Turkish[byte(r)] == 0:
			out = append(out, byte(r))
		default:
			if b, ok := latin5FromRune[r]; ok {
				out = append(out, b)
				continue
			}
			out = append(out, "&#"+strconv.Itoa(int(r))+";"...)
		}
	}
	return out
}

// decodeLatin5 converts ISO-8859-9 bytes to UTF-8.
func decodeLatin5(src []byte) []byte {
	var b bytes.Buffer
	b.Grow(len(src) + len(src)/8)
	for _, c := range src {
		switch {
		case c < 0x80:
			b.WriteByte(c)
		default:
			if r, ok := latin5Turkish[c]; ok {
				b.WriteRune(r)
			} else {
				b.WriteRune(rune(c))
			}
		}
	}
	return b.Bytes()
}

// charsetReader lets encoding/xml read replies declared in the charsets EST
// hosts use. windows-1254 differs from ISO-8859-9 only in 0x80–0x9F, which
// never occur in these replies' text.
func charsetReader(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "utf-8", "utf8", "":
		return in, nil
	case "iso-8859-9", "iso8859-9", "iso_8859-9", "latin5", "l5", "windows-1254", "cp1254":
		data, err := io.ReadAll(in)
		if err != nil {
			return nil, err
		}
		return bytes.NewReader(decodeLatin5(data)), nil
	case "iso-8859-1", "iso8859-1", "latin1", "l1", "us-ascii", "ascii":
		data, err := io.ReadAll(in)
		if err != nil {
			return nil, err
		}
		var b bytes.Buffer
		for _, c := range data {
			b.WriteRune(rune(c))
		}
		return &b, nil
	}
	return nil, fmt.Errorf("est3: unsupported charset %q", label)
}
