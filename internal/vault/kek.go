package vault

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// KEKSize is the size of the key-encryption key: AES-256.
const KEKSize = 32

// DefaultKEKFile is the KEK's file in the data directory when LHUTA_KEK_FILE
// is not set.
const DefaultKEKFile = "kek.b64"

// GenerateKEK writes a new key-encryption key to path: 32 random bytes in
// base64, readable by the owner only. It refuses to overwrite a file: a
// lost KEK makes every sealed value unreadable.
func GenerateKEK(path string) error {
	key := make([]byte, KEKSize)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("write the KEK: %w", err)
	}
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil {
		_ = f.Close()
		return fmt.Errorf("write the KEK: %w", err)
	}
	return f.Close()
}

// LoadKEK reads a key-encryption key written by GenerateKEK.
func LoadKEK(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the KEK: %w", err)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) != KEKSize {
		return nil, fmt.Errorf("the KEK file %s must hold %d random bytes in base64 (lhuta kek generate FILE writes one)", path, KEKSize)
	}
	return key, nil
}

// KEK returns the key-encryption key of file, or, when file is "", the one
// kept in dataDir (created on first use); generated says it was just made.
func KEK(file, dataDir string) (key []byte, path string, generated bool, err error) {
	if file != "" {
		key, err = LoadKEK(file)
		return key, file, false, err
	}
	path = filepath.Join(dataDir, DefaultKEKFile)
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return nil, path, false, err
	}
	err = GenerateKEK(path)
	generated = err == nil
	if err != nil && !errors.Is(err, os.ErrExist) {
		return nil, path, false, err
	}
	key, err = LoadKEK(path)
	return key, path, generated, err
}
