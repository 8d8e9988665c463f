package est3

import (
	"bytes"
	"encoding/xml"
	"strings"
	"unicode/utf8"

	"github.com/kasapos/kasa/internal/gateway/latin5"
)

// fastParse reads a CC5Response written the way EST hosts write them (an
// optional XML declaration, then flat elements holding plain text, and
// <Extra> one level deeper) without encoding/xml's reflection, which took
// ~15 us and 160 allocations a reply. Anything outside that shape (comments,
// CDATA, attributes, namespaces, character references, carriage returns,
// nesting, repeated elements, control characters, invalid UTF-8, another
// charset) gets ok=false, and ParseResponse decodes the reply with
// encoding/xml as before. FuzzFastParse holds every reply fastParse accepts
// to what encoding/xml makes of it.
func fastParse(body []byte) (raw *cc5Response, ok bool) {
	rest, ok := fastDeclaration(body)
	if !ok {
		return nil, false
	}
	if !utf8.Valid(rest) {
		return nil, false
	}
	p := flatXML{src: rest}
	p.space()
	if !p.open("CC5Response") {
		return nil, false
	}
	raw = &cc5Response{XMLName: xml.Name{Local: "CC5Response"}}
	seen := map[string]bool{}
	for {
		if _, ok := p.text(); !ok { // text between children is not kept, as by encoding/xml
			return nil, false
		}
		if p.close("CC5Response") {
			return raw, true // what follows the root is not read, as by Decode
		}
		name, ok := p.startTag()
		if !ok || seen[name] {
			return nil, false
		}
		seen[name] = true
		if name == "Extra" {
			if !p.extra(raw) {
				return nil, false
			}
			continue
		}
		v, ok := p.leaf(name)
		if !ok {
			return nil, false
		}
		switch name {
		case "OrderId":
			raw.OrderID = v
		case "GroupId":
			raw.GroupID = v
		case "Response":
			raw.Response = v
		case "AuthCode":
			raw.AuthCode = v
		case "HostRefNum":
			raw.HostRefNum = v
		case "ProcReturnCode":
			raw.ProcReturnCode = &v
		case "TransId":
			raw.TransID = v
		case "ErrMsg":
			raw.ErrMsg = v
		}
	}
}

// fastDeclaration strips an XML declaration naming UTF-8 or a Latin-5
// label (decoding the rest of a Latin-5 body); ok is false for any other.
func fastDeclaration(body []byte) ([]byte, bool) {
	if !bytes.HasPrefix(body, []byte("<?xml ")) {
		return body, !bytes.HasPrefix(body, []byte("<?"))
	}
	end := bytes.Index(body, []byte("?>"))
	if end < 0 {
		return nil, false
	}
	attrs, rest := string(body[len("<?xml "):end]), body[end+2:]
	version, encoding := "", ""
	for _, f := range strings.Fields(attrs) {
		k, v, ok := strings.Cut(f, "=")
		if !ok || len(v) < 2 || (v[0] != '"' && v[0] != '\'') || v[len(v)-1] != v[0] {
			return nil, false
		}
		switch k {
		case "version":
			version = v[1 : len(v)-1]
		case "encoding":
			encoding = v[1 : len(v)-1]
		case "standalone":
		default:
			return nil, false
		}
	}
	if version != "1.0" {
		return nil, false
	}
	switch strings.ToLower(encoding) {
	case "", "utf-8", "utf8":
		return rest, true
	}
	if !latin5.IsLabel(encoding) || strings.TrimSpace(encoding) != encoding {
		return nil, false
	}
	return decodeLatin5(rest), true
}

// flatXML reads the subset of XML fastParse accepts.
type flatXML struct {
	src []byte
	i   int
}

func (p *flatXML) space() {
	for p.i < len(p.src) && (p.src[p.i] == ' ' || p.src[p.i] == '\t' || p.src[p.i] == '\n') {
		p.i++
	}
}

// text reads character data up to the next '<' and unescapes it; ok is
// false for anything but plain text and the five named entities.
func (p *flatXML) text() (string, bool) {
	start := p.i
	for p.i < len(p.src) && p.src[p.i] != '<' {
		c := p.src[p.i]
		if c == '\r' || c == ']' || (c < 0x20 && c != '\t' && c != '\n') {
			return "", false
		}
		if c < utf8.RuneSelf {
			p.i++
			continue
		}
		// Outside XML's characters (encoding/xml refuses the reply).
		r, n := utf8.DecodeRune(p.src[p.i:])
		if r == 0xFFFE || r == 0xFFFF || (r >= 0xD800 && r <= 0xDFFF) {
			return "", false
		}
		p.i += n
	}
	raw := p.src[start:p.i]
	if bytes.IndexByte(raw, '&') < 0 {
		return string(raw), true
	}
	var out strings.Builder
	for len(raw) > 0 {
		amp := bytes.IndexByte(raw, '&')
		if amp < 0 {
			out.Write(raw)
			break
		}
		out.Write(raw[:amp])
		raw = raw[amp:]
		semi := bytes.IndexByte(raw, ';')
		if semi < 0 {
			return "", false
		}
		switch string(raw[1:semi]) {
		case "lt":
			out.WriteByte('<')
		case "gt":
			out.WriteByte('>')
		case "amp":
			out.WriteByte('&')
		case "quot":
			out.WriteByte('"')
		case "apos":
			out.WriteByte('\'')
		default:
			return "", false
		}
		raw = raw[semi+1:]
	}
	return out.String(), true
}

// name reads an element name of letters, digits and '_' (no namespace).
func (p *flatXML) name() (string, bool) {
	start := p.i
	for p.i < len(p.src) {
		c := p.src[p.i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || (p.i > start && c >= '0' && c <= '9') {
			p.i++
			continue
		}
		break
	}
	return string(p.src[start:p.i]), p.i > start
}

// startTag reads "<Name>".
func (p *flatXML) startTag() (string, bool) {
	if p.i >= len(p.src) || p.src[p.i] != '<' {
		return "", false
	}
	p.i++
	n, ok := p.name()
	if !ok || p.i >= len(p.src) || p.src[p.i] != '>' {
		return "", false
	}
	p.i++
	return n, true
}

func (p *flatXML) open(name string) bool {
	n, ok := p.startTag()
	return ok && n == name
}

// close reads "</name>" if it comes next.
func (p *flatXML) close(name string) bool {
	tag := "</" + name + ">"
	if !bytes.HasPrefix(p.src[p.i:], []byte(tag)) {
		return false
	}
	p.i += len(tag)
	return true
}

// leaf reads an element's text and its end tag.
func (p *flatXML) leaf(name string) (string, bool) {
	v, ok := p.text()
	if !ok || !p.close(name) {
		return "", false
	}
	return v, true
}

// extra reads <Extra>'s children (after its start tag) up to its end tag.
func (p *flatXML) extra(raw *cc5Response) bool {
	seen := map[string]bool{}
	for {
		if _, ok := p.text(); !ok {
			return false
		}
		if p.close("Extra") {
			return true
		}
		name, ok := p.startTag()
		if !ok || seen[name] {
			return false
		}
		seen[name] = true
		v, ok := p.leaf(name)
		if !ok {
			return false
		}
		raw.Extra.Fields = append(raw.Extra.Fields, xmlField{XMLName: xml.Name{Local: name}, Value: v})
	}
}
