// Package vault seals the personal values of events with a data key per
// citizen and forgets a citizen by destroying the key (docs/RETENTION.md).
//
// It is the store's Sealer (eventstore.Sealer): the store seals on append
// and opens on read, so that the domain, the projections and the feed see
// plaintext while the key exists and cases.Forgotten after. Only the fields
// the event contract marks personal (cases.PersonalPaths) are sealed: the
// public ones stay readable for statistics, positions and deadlines. The
// data keys live in the table subject_keys, wrapped (AES-256-GCM) by the
// key-encryption key, which is kept outside the database.
package vault

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/eventstore"
)

// ErrForgotten is returned when personal values are to be sealed for a case
// whose citizen was forgotten: nothing personal is recorded about them again.
var ErrForgotten = errors.New("the citizen of this case was forgotten")

// prefix starts every sealed value: prefix + key id + ":" + base64 of the
// nonce and the ciphertext of the value's JSON.
const prefix = "lhuta:sealed:v1:"

// Vault seals and opens personal values with the citizens' data keys.
type Vault struct {
	db   *eventstore.DB
	wrap cipher.AEAD
	mac  []byte

	mu   sync.Mutex
	keys map[string]cipher.AEAD
	// streams are stream_keys rows read before (rememberStream).
	streams map[string]string
	// tombstones is the file of destroyed keys (KeepTombstonesIn).
	tombstones string
	// fingerprint identifies the KEK in kek_check (CheckKEK).
	fingerprint string
}

// New returns the vault of db's keys under the key-encryption key kek.
func New(db *eventstore.DB, kek []byte) (*Vault, error) {
	if len(kek) != KEKSize {
		return nil, fmt.Errorf("vault: the KEK has %d bytes, want %d", len(kek), KEKSize)
	}
	wrap, err := gcm(kek)
	if err != nil {
		return nil, err
	}
	// The subject's name in subject_keys is an HMAC under a key derived
	// from the KEK, so that the table names nobody without the KEK.
	m := hmac.New(sha256.New, kek)
	m.Write([]byte("lhuta subject names"))
	return &Vault{db: db, wrap: wrap, mac: m.Sum(nil), keys: map[string]cipher.AEAD{}, streams: map[string]string{}, fingerprint: fingerprintOf(kek)}, nil
}

func gcm(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// conn is where the vault reads and writes its keys: the append's
// transaction when it is called in one (eventstore.TxFrom), else the database.
func (v *Vault) conn(ctx context.Context) eventstore.Queryer {
	if tx, ok := eventstore.TxFrom(ctx); ok {
		return tx
	}
	return v.db.SQL
}

// subject is the name of a citizen's key in subject_keys.
func (v *Vault) subject(citizenID string) string {
	m := hmac.New(sha256.New, v.mac)
	m.Write([]byte(citizenID))
	return hex.EncodeToString(m.Sum(nil))
}

// Seal implements eventstore.Sealer.
func (v *Vault) Seal(ctx context.Context, streamID, eventType string, data json.RawMessage) (json.RawMessage, error) {
	paths := cases.PersonalPaths(cases.EventType(eventType))
	if len(paths) == 0 {
		return data, nil
	}
	doc, err := parse(data)
	if err != nil {
		return nil, err
	}
	var present []string
	for _, p := range paths {
		if val, ok := Lookup(doc, p); ok && val != nil && !isSealed(val) {
			present = append(present, p)
		}
	}
	if len(present) == 0 {
		return data, nil
	}
	keyID, err := v.streamKey(ctx, streamID, cases.EventType(eventType), doc)
	if err != nil {
		return nil, err
	}
	aead, err := v.key(ctx, keyID)
	if err != nil {
		return nil, err
	}
	if aead == nil {
		return nil, ErrForgotten
	}
	for _, p := range present {
		val, _ := Lookup(doc, p)
		plain, err := json.Marshal(val)
		if err != nil {
			return nil, err
		}
		set(doc, p, seal(aead, keyID, p, plain))
	}
	return marshal(doc)
}

func seal(aead cipher.AEAD, keyID, path string, plain []byte) string {
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic(err) // crypto/rand never fails on a supported system
	}
	ct := aead.Seal(nonce, nonce, plain, []byte(keyID+"/"+path))
	return prefix + keyID + ":" + base64.StdEncoding.EncodeToString(ct)
}

// streamKey returns the key id that seals the stream's personal values: for
// the case's first event the citizen's key (made on the citizen's first
// case), else the key recorded for the stream.
func (v *Vault) streamKey(ctx context.Context, streamID string, eventType cases.EventType, doc map[string]any) (string, error) {
	if eventType != cases.CaseOpenedType {
		v.mu.Lock()
		keyID, ok := v.streams[streamID]
		v.mu.Unlock()
		if ok {
			return keyID, nil
		}
		err := v.conn(ctx).QueryRowContext(ctx, `SELECT key_id FROM stream_keys WHERE stream_id = $1`, streamID).Scan(&keyID)
		if errors.Is(err, sql.ErrNoRows) {
			return v.legacyStreamKey(ctx, streamID)
		}
		if _, inTx := eventstore.TxFrom(ctx); err == nil && !inTx {
			v.rememberStream(streamID, keyID)
		}
		return keyID, err
	}
	return v.openedStreamKey(ctx, streamID, doc)
}

// streamCache bounds the vault's memory of which key seals which stream.
const streamCache = 100_000

// rememberStream keeps a committed stream_keys row (read outside any
// transaction, so it cannot be rolled back): the rows never change, a
// forgetting keeps them, so the memory never goes stale; it is emptied when
// full.
func (v *Vault) rememberStream(streamID, keyID string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.streams) >= streamCache {
		clear(v.streams)
	}
	v.streams[streamID] = keyID
}

// legacyStreamKey is the key of a case opened before sealing (its
// CaseOpened still in plaintext until lhuta seal-existing): its citizen's.
func (v *Vault) legacyStreamKey(ctx context.Context, streamID string) (string, error) {
	data, err := eventstore.StoredIn(v.conn(ctx)).FirstData(ctx, streamID)
	if err != nil {
		return "", err
	}
	doc, err := parse(data)
	if err != nil {
		return "", err
	}
	return v.openedStreamKey(ctx, streamID, doc)
}

// openedStreamKey records and returns the key of the citizen a case's
// CaseOpened (doc) names, making the key on the citizen's first case.
func (v *Vault) openedStreamKey(ctx context.Context, streamID string, doc map[string]any) (string, error) {
	citizen, _ := Lookup(doc, "citizen.id")
	if s, ok := citizen.(string); ok {
		if keyID, _, sealed := sealed(s); sealed {
			return keyID, nil
		}
	}
	id, ok := citizen.(string)
	if !ok || id == "" {
		return "", errors.New("CaseOpened names no citizen id")
	}
	keyID, err := v.citizenKey(ctx, id)
	if err != nil {
		return "", err
	}
	_, err = v.conn(ctx).ExecContext(ctx, `INSERT INTO stream_keys (stream_id, key_id) VALUES ($1, $2)
		ON CONFLICT (stream_id) DO NOTHING`, streamID, keyID)
	return keyID, err
}

// citizenKey returns the id of the citizen's data key, making the key on
// first use.
func (v *Vault) citizenKey(ctx context.Context, citizenID string) (string, error) {
	subject := v.subject(citizenID)
	dk := make([]byte, 32)
	if _, err := rand.Read(dk); err != nil {
		return "", err
	}
	nonce := make([]byte, v.wrap.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	keyID := uuid.NewString()
	wrapped := base64.StdEncoding.EncodeToString(v.wrap.Seal(nonce, nonce, dk, []byte(keyID)))
	res, err := v.conn(ctx).ExecContext(ctx, `INSERT INTO subject_keys (key_id, subject, wrapped, created_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT (subject) DO NOTHING`, keyID, subject, wrapped, time.Now().UTC())
	if err != nil {
		return "", fmt.Errorf("store a citizen's key: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 1 {
		// The key just made is the citizen's: no need to read it back, nor
		// to unwrap it for the seal that follows. (Should the transaction
		// roll back, the id stays unused in memory.)
		aead, err := gcm(dk)
		if err != nil {
			return "", err
		}
		v.mu.Lock()
		v.keys[keyID] = aead
		v.mu.Unlock()
		return keyID, nil
	}
	err = v.conn(ctx).QueryRowContext(ctx, `SELECT key_id FROM subject_keys WHERE subject = $1`, subject).Scan(&keyID)
	return keyID, err
}

// key returns the data key of keyID, nil when it was destroyed.
func (v *Vault) key(ctx context.Context, keyID string) (cipher.AEAD, error) {
	v.mu.Lock()
	aead, ok := v.keys[keyID]
	v.mu.Unlock()
	if ok {
		return aead, nil
	}
	var wrapped string
	err := v.conn(ctx).QueryRowContext(ctx, `SELECT wrapped FROM subject_keys WHERE key_id = $1`, keyID).Scan(&wrapped)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read a citizen's key: %w", err)
	}
	ct, err := base64.StdEncoding.DecodeString(wrapped)
	if err != nil || len(ct) < v.wrap.NonceSize() {
		return nil, fmt.Errorf("the key %s is damaged", keyID)
	}
	dk, err := v.wrap.Open(nil, ct[:v.wrap.NonceSize()], ct[v.wrap.NonceSize():], []byte(keyID))
	if err != nil {
		return nil, fmt.Errorf("unwrap the key %s (another KEK?): %w", keyID, err)
	}
	if aead, err = gcm(dk); err != nil {
		return nil, err
	}
	v.mu.Lock()
	v.keys[keyID] = aead
	v.mu.Unlock()
	return aead, nil
}

// Open implements eventstore.Sealer.
func (v *Vault) Open(ctx context.Context, events []eventstore.Event) error {
	for i := range events {
		if !strings.Contains(string(events[i].Data), prefix) {
			continue
		}
		doc, err := parse(events[i].Data)
		if err != nil {
			return fmt.Errorf("event %d: %w", events[i].Position, err)
		}
		opened, err := v.openValue(ctx, "", doc)
		if err != nil {
			return fmt.Errorf("event %d: %w", events[i].Position, err)
		}
		if events[i].Data, err = marshal(opened); err != nil {
			return err
		}
	}
	return nil
}

func (v *Vault) openValue(ctx context.Context, path string, val any) (any, error) {
	switch x := val.(type) {
	case map[string]any:
		for k, inner := range x {
			p := k
			if path != "" {
				p = path + "." + k
			}
			opened, err := v.openValue(ctx, p, inner)
			if err != nil {
				return nil, err
			}
			x[k] = opened
		}
		return x, nil
	case string:
		keyID, ct, ok := sealed(x)
		if !ok {
			return x, nil
		}
		aead, err := v.key(ctx, keyID)
		if err != nil {
			return nil, err
		}
		if aead == nil || len(ct) < aead.NonceSize() {
			return cases.Forgotten, nil
		}
		plain, err := aead.Open(nil, ct[:aead.NonceSize()], ct[aead.NonceSize():], []byte(keyID+"/"+path))
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
		var out any
		return out, json.Unmarshal(plain, &out)
	}
	return val, nil
}

// sealed splits a sealed value into its key id and ciphertext.
func sealed(s string) (keyID string, ct []byte, ok bool) {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok {
		return "", nil, false
	}
	keyID, b64, ok := strings.Cut(rest, ":")
	if !ok {
		return "", nil, false
	}
	ct, err := base64.StdEncoding.DecodeString(b64)
	return keyID, ct, err == nil
}

func isSealed(val any) bool {
	s, ok := val.(string)
	return ok && strings.HasPrefix(s, prefix)
}

func parse(data []byte) (map[string]any, error) {
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("event data: %w", err)
	}
	return doc, nil
}

// Lookup returns the value at a dotted path (as cases.PersonalPaths names
// them: "citizen.full_name") of an event's data decoded into doc.
func Lookup(doc map[string]any, path string) (any, bool) {
	parts := strings.Split(path, ".")
	obj := doc
	for _, p := range parts[:len(parts)-1] {
		next, ok := obj[p].(map[string]any)
		if !ok {
			return nil, false
		}
		obj = next
	}
	val, ok := obj[parts[len(parts)-1]]
	return val, ok
}

func set(doc map[string]any, path string, val any) {
	parts := strings.Split(path, ".")
	obj := doc
	for _, p := range parts[:len(parts)-1] {
		obj = obj[p].(map[string]any)
	}
	obj[parts[len(parts)-1]] = val
}

// marshal writes event data as JSON without HTML escaping, as it was given.
func marshal(doc any) ([]byte, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return []byte(strings.TrimSuffix(b.String(), "\n")), nil
}
