// Package secret seals bank credentials and other secrets at rest with
// envelope encryption: each record gets its own random data key (AES-256-GCM),
// and the data key is wrapped by a key-encryption key (KEK) from the keyring.
// The additional data (AAD) binds a ciphertext to its record, so a sealed value
// copied into another row does not open. Rotating the KEK only re-wraps the
// small data keys; the keyring keeps old KEKs to open what they wrapped.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// Errors.
var (
	ErrNoKey     = errors.New("secret: no key with that id in the keyring")
	ErrMalformed = errors.New("secret: malformed sealed value")
	ErrOpen      = errors.New("secret: cannot open (wrong key or record)")
)

const (
	version  = 1
	keyLen   = 32
	nonceLen = 12
)

// Keyring holds KEKs by id; Primary wraps new data keys.
type Keyring struct {
	keys    map[uint32][]byte
	primary uint32
	// macRoot, once pinned, is what MAC keys derive from instead of the
	// lowest KEK, so retiring that KEK does not change the peppers.
	macRoot []byte
}

// ParseKeyring reads "id:base64key,id:base64key,..." where the first entry is
// primary (the format of KASA_MASTER_KEYS). A bare base64 key is id 1.
func ParseKeyring(spec string) (*Keyring, error) {
	kr := &Keyring{keys: map[uint32][]byte{}}
	for i, part := range strings.Split(strings.TrimSpace(spec), ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		id := uint32(1)
		b64 := part
		if a, b, ok := strings.Cut(part, ":"); ok {
			var n uint32
			if _, err := fmt.Sscanf(a, "%d", &n); err != nil || n == 0 {
				return nil, fmt.Errorf("secret: bad key id %q", a)
			}
			id, b64 = n, b
		}
		k, err := base64.StdEncoding.DecodeString(b64)
		if err != nil || len(k) != keyLen {
			return nil, fmt.Errorf("secret: key %d must be %d bytes of base64", id, keyLen)
		}
		if _, dup := kr.keys[id]; dup {
			return nil, fmt.Errorf("secret: duplicate key id %d", id)
		}
		kr.keys[id] = k
		if i == 0 {
			kr.primary = id
		}
	}
	if len(kr.keys) == 0 {
		return nil, errors.New("secret: empty keyring")
	}
	return kr, nil
}

// NewKeyringSpec returns a fresh keyring spec with one random key of id.
func NewKeyringSpec(id uint32) string {
	k := make([]byte, keyLen)
	if _, err := rand.Read(k); err != nil {
		panic(err)
	}
	return formatKey(id, k)
}

func formatKey(id uint32, k []byte) string {
	return fmt.Sprintf("%d:%s", id, base64.StdEncoding.EncodeToString(k))
}

// Primary returns the id of the key that wraps new data keys.
func (kr *Keyring) Primary() uint32 { return kr.primary }

func gcm(key []byte) cipher.AEAD {
	b, err := aes.NewCipher(key)
	if err != nil {
		panic(err) // key length is checked on load
	}
	a, err := cipher.NewGCM(b)
	if err != nil {
		panic(err)
	}
	return a
}

func seal(key, plain, aad []byte) []byte {
	nonce := make([]byte, nonceLen)
	if _, err := rand.Read(nonce); err != nil {
		panic(err)
	}
	return gcm(key).Seal(nonce, nonce, plain, aad)
}

func open(key, sealed, aad []byte) ([]byte, error) {
	if len(sealed) < nonceLen {
		return nil, ErrMalformed
	}
	p, err := gcm(key).Open(nil, sealed[:nonceLen], sealed[nonceLen:], aad)
	if err != nil {
		return nil, ErrOpen
	}
	return p, nil
}

// Layout: version(1) | kek id(4) | len(wrapped dek)(2) | wrapped dek | data ciphertext.
// The wrapped DEK's AAD is the header plus the record AAD, so neither part can be swapped.

// Seal encrypts plain for the record named by aad (e.g. "pos:<id>:credentials").
func (kr *Keyring) Seal(plain, aad []byte) []byte {
	dek := make([]byte, keyLen)
	if _, err := rand.Read(dek); err != nil {
		panic(err)
	}
	return kr.wrap(kr.primary, dek, seal(dek, plain, aad), aad)
}

func (kr *Keyring) wrap(kekID uint32, dek, data, aad []byte) []byte {
	hdr := make([]byte, 5)
	hdr[0] = version
	binary.BigEndian.PutUint32(hdr[1:], kekID)
	wrapped := seal(kr.keys[kekID], dek, append(append([]byte{}, hdr...), aad...))
	out := make([]byte, 0, len(hdr)+2+len(wrapped)+len(data))
	out = append(out, hdr...)
	out = binary.BigEndian.AppendUint16(out, uint16(len(wrapped)))
	out = append(out, wrapped...)
	return append(out, data...)
}

func (kr *Keyring) unwrap(sealed, aad []byte) (kekID uint32, dek, data []byte, err error) {
	if len(sealed) < 7 || sealed[0] != version {
		return 0, nil, nil, ErrMalformed
	}
	kekID = binary.BigEndian.Uint32(sealed[1:5])
	n := int(binary.BigEndian.Uint16(sealed[5:7]))
	if len(sealed) < 7+n {
		return 0, nil, nil, ErrMalformed
	}
	kek, ok := kr.keys[kekID]
	if !ok {
		return 0, nil, nil, fmt.Errorf("%w: %d", ErrNoKey, kekID)
	}
	dek, err = open(kek, sealed[7:7+n], append(append([]byte{}, sealed[:5]...), aad...))
	if err != nil {
		return 0, nil, nil, err
	}
	return kekID, dek, sealed[7+n:], nil
}

// Open decrypts a value sealed for the same aad.
func (kr *Keyring) Open(sealed, aad []byte) ([]byte, error) {
	_, dek, data, err := kr.unwrap(sealed, aad)
	if err != nil {
		return nil, err
	}
	return open(dek, data, aad)
}

// Rewrap re-wraps the data key under the primary KEK without touching the
// data ciphertext. changed is false when it was already under the primary.
func (kr *Keyring) Rewrap(sealed, aad []byte) (out []byte, changed bool, err error) {
	id, dek, data, err := kr.unwrap(sealed, aad)
	if err != nil {
		return nil, false, err
	}
	if _, err := open(dek, data, aad); err != nil {
		return nil, false, err
	}
	if id == kr.primary {
		return sealed, false, nil
	}
	return kr.wrap(kr.primary, dek, data, aad), true, nil
}

// MAC returns HMAC-SHA-256 of msg under a key derived from the keyring for
// purpose (e.g. "api-key"): a pepper that keeps a stolen table useless.
func (kr *Keyring) MAC(purpose string, msg []byte) []byte {
	return MAC(kr.derive(purpose), msg)
}

// MACRoot returns the root the MAC keys derive from: the pinned root, else
// the lowest-id KEK. The server seals it into the database at first start
// (PinMACRoot on later starts), so a KEK can be retired after rotation
// without changing API-key hashes or other peppered values.
func (kr *Keyring) MACRoot() []byte {
	if kr.macRoot != nil {
		return append([]byte{}, kr.macRoot...)
	}
	return append([]byte{}, kr.keys[kr.lowest()]...)
}

// PinMACRoot makes root (32 bytes, from MACRoot) the MAC root. Call it
// before the keyring is shared: it is not synchronised.
func (kr *Keyring) PinMACRoot(root []byte) error {
	if len(root) != keyLen {
		return fmt.Errorf("secret: MAC root must be %d bytes", keyLen)
	}
	kr.macRoot = append([]byte{}, root...)
	return nil
}

// KeyIDOf returns the id of the KEK that wrapped sealed (without opening it).
func KeyIDOf(sealed []byte) (uint32, error) {
	if len(sealed) < 7 || sealed[0] != version {
		return 0, ErrMalformed
	}
	return binary.BigEndian.Uint32(sealed[1:5]), nil
}

// Has reports whether the keyring holds a KEK with id.
func (kr *Keyring) Has(id uint32) bool { _, ok := kr.keys[id]; return ok }

func (kr *Keyring) lowest() uint32 {
	var low uint32
	for id := range kr.keys {
		if low == 0 || id < low {
			low = id
		}
	}
	return low
}

func (kr *Keyring) derive(purpose string) []byte {
	if kr.macRoot != nil {
		m := hmac.New(sha256.New, kr.macRoot)
		m.Write([]byte("kasa-derive:" + purpose))
		return m.Sum(nil)
	}
	// Derive from the lowest key id so peppered hashes survive KEK rotation
	// (the oldest key is retired last, and only with a re-hash).
	var low uint32
	for id := range kr.keys {
		if low == 0 || id < low {
			low = id
		}
	}
	m := hmac.New(sha256.New, kr.keys[low])
	m.Write([]byte("kasa-derive:" + purpose))
	return m.Sum(nil)
}

// MAC is HMAC-SHA-256.
func MAC(key, msg []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return m.Sum(nil)
}
