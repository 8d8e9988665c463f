// Package latin5 converts between UTF-8 and ISO-8859-9 (Latin-5), the
// charset several Turkish bank hosts use for their XML.
//
// ISO-8859-9 is Latin-1 with six Icelandic letters replaced by the Turkish
// ones, so a six-entry table is all that is needed.
package latin5

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// turkish maps the six bytes where ISO-8859-9 differs from Latin-1.
var turkish = [256]rune{
	0xD0: 'Ğ', 0xDD: 'İ', 0xDE: 'Ş',
	0xF0: 'ğ', 0xFD: 'ı', 0xFE: 'ş',
}

// fromRune is the reverse of turkish; a switch, since this runs on every
// byte of every bank message.
func fromRune(r rune) (byte, bool) {
	switch r {
	case 'Ğ':
		return 0xD0, true
	case 'İ':
		return 0xDD, true
	case 'Ş':
		return 0xDE, true
	case 'ğ':
		return 0xF0, true
	case 'ı':
		return 0xFD, true
	case 'ş':
		return 0xFE, true
	}
	return 0, false
}

// Encode converts UTF-8 XML text to ISO-8859-9. A character the charset
// lacks becomes a numeric character reference, which every XML parser
// resolves, so nothing is silently replaced. Only call it on XML text.
func Encode(src []byte) []byte {
	out := make([]byte, 0, len(src))
	for len(src) > 0 {
		if c := src[0]; c < utf8.RuneSelf { // ASCII: the same byte in both
			out = append(out, c)
			src = src[1:]
			continue
		}
		r, n := utf8.DecodeRune(src)
		src = src[n:]
		if b, ok := fromRune(r); ok {
			out = append(out, b)
		} else if r < 0x100 && turkish[byte(r)] == 0 {
			out = append(out, byte(r))
		} else {
			out = append(out, "&#"+strconv.Itoa(int(r))+";"...)
		}
	}
	return out
}

// Decode converts ISO-8859-9 bytes to UTF-8.
func Decode(src []byte) []byte {
	var b bytes.Buffer
	b.Grow(len(src) + len(src)/8)
	for _, c := range src {
		if c < utf8.RuneSelf {
			b.WriteByte(c)
		} else if r := turkish[c]; r != 0 {
			b.WriteRune(r)
		} else {
			b.WriteRune(rune(c))
		}
	}
	return b.Bytes()
}

// IsLabel reports whether an XML encoding label names ISO-8859-9 (or
// windows-1254, which differs only in 0x80–0x9F, unused in bank replies).
func IsLabel(label string) bool {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "iso-8859-9", "iso8859-9", "iso_8859-9", "latin5", "l5", "windows-1254", "cp1254":
		return true
	}
	return false
}

// CharsetReader is an encoding/xml CharsetReader for documents declared as
// UTF-8 (or undeclared) or ISO-8859-9.
func CharsetReader(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "utf-8", "utf8", "":
		return in, nil
	}
	if !IsLabel(label) {
		return nil, fmt.Errorf("unsupported charset %q", label)
	}
	data, err := io.ReadAll(in)
	if err != nil {
		return nil, err
	}
	return bytes.NewReader(Decode(data)), nil
}
