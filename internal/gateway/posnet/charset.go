package posnet

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// PosNet documents its XML as ISO-8859-9 (Latin-5): Latin-1 with six
// Icelandic letters replaced by Turkish ones.
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

// encodeLatin5 converts UTF-8 XML text to ISO-8859-9. Characters the
// charset lacks become numeric character references, never a silent '?'.
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

func decodeLatin5(src []byte) []byte {
	var b bytes.Buffer
	b.Grow(len(src) + len(src)/8)
	for _, c := range src {
		if r, ok := latin5Turkish[c]; ok {
			b.WriteRune(r)
		} else {
			b.WriteRune(rune(c))
		}
	}
	return b.Bytes()
}

// charsetReader reads replies in the charsets PosNet hosts declare.
// windows-1254 differs from ISO-8859-9 only in 0x80–0x9F, unused in replies.
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
	}
	return nil, fmt.Errorf("posnet: unsupported charset %q", label)
}
