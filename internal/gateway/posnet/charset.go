package posnet

import (
	"fmt"
	"io"

	"github.com/kasapos/kasa/internal/gateway/latin5"
)

// PosNet documents its XML as ISO-8859-9 (Latin-5).
var encodeLatin5 = latin5.Encode

// charsetReader reads replies in the charsets PosNet hosts declare.
func charsetReader(label string, in io.Reader) (io.Reader, error) {
	r, err := latin5.CharsetReader(label, in)
	if err != nil {
		return nil, fmt.Errorf("posnet: %w", err)
	}
	return r, nil
}
