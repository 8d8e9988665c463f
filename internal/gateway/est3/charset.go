package est3

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/kasapos/kasa/internal/gateway/latin5"
)

// EST hosts speak ISO-8859-9 (Latin-5).
var (
	encodeLatin5 = latin5.Encode
	decodeLatin5 = latin5.Decode
)

// charsetReader lets encoding/xml read replies declared in the charsets EST
// hosts use: UTF-8, ISO-8859-9 (or windows-1254) and Latin-1.
func charsetReader(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(strings.TrimSpace(label)) {
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
	r, err := latin5.CharsetReader(label, in)
	if err != nil {
		return nil, fmt.Errorf("est3: %w", err)
	}
	return r, nil
}
