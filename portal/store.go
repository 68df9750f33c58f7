package portal

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/crewjam/saml"
)

// digest is what the tables keep of a secret id (session, token, code):
// its SHA-256, so that a copy of the database signs no one in.
func digest(s string) string {
	d := sha256.Sum256([]byte(s))
	return hex.EncodeToString(d[:])
}

// Session kinds: a browser's cookie, or a bearer token issued to the citizen.
const (
	kindCookie = "cookie"
	kindBearer = "bearer"
)

// session is a signed-in citizen.
type session struct {
	id         string // the secret the browser holds; "" when read from the table
	citizen    string
	csrf       string
	mustChange bool
	seen       time.Time
	expires    time.Time
}

// Credentials are what a clerk prints for a citizen at the counter: shown
// once, the password only ever stored as its hash.
type Credentials struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// issueAccess creates or replaces the citizen's counter credentials, and
// ends the citizen's sessions signed in with the old ones.
func (p *Portal) issueAccess(ctx context.Context, citizen, by string) (Credentials, error) {
	cred := Credentials{Username: "o-" + randomText(8), Password: randomText(16)}
	tx, err := p.cfg.DB.BeginTx(ctx, nil)
	if err != nil {
		return Credentials{}, err
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, `INSERT INTO portal_accounts (citizen_id, username, password_hash, must_change, issued_at, issued_by)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (citizen_id) DO UPDATE SET username = excluded.username,
		password_hash = excluded.password_hash, must_change = excluded.must_change, issued_at = excluded.issued_at, issued_by = excluded.issued_by`,
		citizen, cred.Username, hashPassword(cred.Password), true, p.now().Unix(), by); err != nil {
		return Credentials{}, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM portal_sessions WHERE citizen_id = $1`, citizen); err != nil {
		return Credentials{}, err
	}
	return cred, tx.Commit()
}

// account is a citizen's counter credentials as stored.
type account struct {
	citizen    string
	hash       string
	mustChange bool
}

var errNoAccount = errors.New("no such portal account")

func (p *Portal) account(ctx context.Context, where string, arg string) (account, error) {
	var a account
	err := p.cfg.DB.QueryRowContext(ctx, `SELECT citizen_id, password_hash, must_change FROM portal_accounts WHERE `+where+` = $1`, arg).
		Scan(&a.citizen, &a.hash, &a.mustChange)
	if errors.Is(err, sql.ErrNoRows) {
		return a, errNoAccount
	}
	return a, err
}

// setPassword stores the citizen's own password and ends every other
// session of theirs.
func (p *Portal) setPassword(ctx context.Context, citizen, password, keep string) error {
	tx, err := p.cfg.DB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, `UPDATE portal_accounts SET password_hash = $1, must_change = $2 WHERE citizen_id = $3`,
		hashPassword(password), false, citizen); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM portal_sessions WHERE citizen_id = $1 AND id_hash <> $2`, citizen, digest(keep)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE portal_sessions SET must_change = $1 WHERE id_hash = $2`, false, digest(keep)); err != nil {
		return err
	}
	return tx.Commit()
}

// Lifetimes: a browser session ends after sessionIdle without a page or
// sessionLifetime after sign-in; a citizen's bearer token lasts tokenLifetime.
const (
	sessionIdle     = 20 * time.Minute
	sessionLifetime = 4 * time.Hour
	tokenLifetime   = 90 * 24 * time.Hour
)

// newSession signs a citizen in under a new random id, never one the
// browser brought (no fixation); replaced, if given, is the id the browser
// held before, which ends.
func (p *Portal) newSession(ctx context.Context, kind, citizen string, mustChange bool, replaced string) (session, error) {
	now := p.now()
	life := sessionLifetime
	if kind == kindBearer {
		life = tokenLifetime
	}
	s := session{id: randomID(), citizen: citizen, csrf: randomID(), mustChange: mustChange, seen: now, expires: now.Add(life)}
	if replaced != "" {
		if _, err := p.cfg.DB.ExecContext(ctx, `DELETE FROM portal_sessions WHERE id_hash = $1`, digest(replaced)); err != nil {
			return session{}, err
		}
	}
	_, err := p.cfg.DB.ExecContext(ctx, `INSERT INTO portal_sessions (id_hash, kind, citizen_id, csrf, must_change, created_at, seen_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, digest(s.id), kind, citizen, s.csrf, mustChange, now.Unix(), now.Unix(), s.expires.Unix())
	return s, err
}

// lookup returns the live session of an id, and marks it seen.
func (p *Portal) lookup(ctx context.Context, kind, id string) (session, bool, error) {
	if id == "" {
		return session{}, false, nil
	}
	var s session
	var seen, expires int64
	err := p.cfg.DB.QueryRowContext(ctx, `SELECT citizen_id, csrf, must_change, seen_at, expires_at FROM portal_sessions
		WHERE id_hash = $1 AND kind = $2`, digest(id), kind).Scan(&s.citizen, &s.csrf, &s.mustChange, &seen, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return session{}, false, nil
	}
	if err != nil {
		return session{}, false, err
	}
	now := p.now()
	s.id, s.seen, s.expires = id, time.Unix(seen, 0), time.Unix(expires, 0)
	if !now.Before(s.expires) || (kind == kindCookie && now.Sub(s.seen) >= sessionIdle) {
		_, err := p.cfg.DB.ExecContext(ctx, `DELETE FROM portal_sessions WHERE id_hash = $1`, digest(id))
		return session{}, false, err
	}
	if kind == kindCookie && now.Sub(s.seen) >= time.Minute {
		if _, err := p.cfg.DB.ExecContext(ctx, `UPDATE portal_sessions SET seen_at = $1 WHERE id_hash = $2`, now.Unix(), digest(id)); err != nil {
			return session{}, false, err
		}
	}
	return s, true, nil
}

func (p *Portal) endSession(ctx context.Context, id string) error {
	_, err := p.cfg.DB.ExecContext(ctx, `DELETE FROM portal_sessions WHERE id_hash = $1`, digest(id))
	return err
}

// replayStore is the service provider's store of the assertions accepted
// (saml.AssertionReplayCache): each ID is kept until the assertion expires,
// in the database, so that every instance refuses a replay.
type replayStore struct{ db *sql.DB }

func (s replayStore) Consume(id string, expires time.Time) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	now := time.Now().Unix()
	if _, err := s.db.ExecContext(ctx, `DELETE FROM portal_saml_assertions WHERE expires_at < $1`, now); err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO portal_saml_assertions (assertion_id, expires_at) VALUES ($1, $2)
		ON CONFLICT (assertion_id) DO NOTHING`, id, max(expires.Unix(), now)+1)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return errors.Join(saml.ErrAssertionReplayed, err)
	}
	return nil
}

// storeNIARequest remembers a request sent to NIA under its RelayState.
func (p *Portal) storeNIARequest(ctx context.Context, relay, requestID string) error {
	now := p.now().Unix()
	if _, err := p.cfg.DB.ExecContext(ctx, `DELETE FROM portal_nia_requests WHERE expires_at < $1`, now); err != nil {
		return err
	}
	_, err := p.cfg.DB.ExecContext(ctx, `INSERT INTO portal_nia_requests (relay_hash, request_id, expires_at) VALUES ($1, $2, $3)`,
		digest(relay), requestID, now+int64(niaRequestLife/time.Second))
	return err
}

// niaRequest is the ID of the request NIA answers, by the RelayState; it
// stays until it expires (the replay store refuses a second answer).
func (p *Portal) niaRequest(ctx context.Context, relay string) (string, bool, error) {
	var id string
	err := p.cfg.DB.QueryRowContext(ctx, `SELECT request_id FROM portal_nia_requests WHERE relay_hash = $1 AND expires_at >= $2`,
		digest(relay), p.now().Unix()).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return id, err == nil, err
}

// linkedCitizen is the citizen NIA's pseudonym is bound to.
func (p *Portal) linkedCitizen(ctx context.Context, pseudonym string) (string, bool, error) {
	var citizen string
	err := p.cfg.DB.QueryRowContext(ctx, `SELECT citizen_id FROM portal_nia_links WHERE pseudonym = $1`, pseudonym).Scan(&citizen)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return citizen, err == nil, err
}

// pending is a NIA sign-in waiting for the activation code.
type pending struct {
	id, pseudonym, csrf string
}

func (p *Portal) storePending(ctx context.Context, id, pseudonym, csrf string) error {
	now := p.now().Unix()
	if _, err := p.cfg.DB.ExecContext(ctx, `DELETE FROM portal_nia_pending WHERE expires_at < $1`, now); err != nil {
		return err
	}
	_, err := p.cfg.DB.ExecContext(ctx, `INSERT INTO portal_nia_pending (id_hash, pseudonym, csrf, expires_at) VALUES ($1, $2, $3, $4)`,
		digest(id), pseudonym, csrf, now+int64(pendingLife/time.Second))
	return err
}

func (p *Portal) pending(ctx context.Context, id string) (pending, bool, error) {
	pend := pending{id: id}
	err := p.cfg.DB.QueryRowContext(ctx, `SELECT pseudonym, csrf FROM portal_nia_pending WHERE id_hash = $1 AND expires_at >= $2`,
		digest(id), p.now().Unix()).Scan(&pend.pseudonym, &pend.csrf)
	if errors.Is(err, sql.ErrNoRows) {
		return pending{}, false, nil
	}
	return pend, err == nil, err
}

// activationCode is a code as typed: its letters and digits of the
// readable alphabet, lower case; dashes and spaces do not count.
func activationCode(typed string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(typed) {
		if strings.ContainsRune(readable, c) {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// issueActivation replaces the citizen's unused activation codes with a
// new one, of 12 characters (59 bits), shown once and kept as its hash.
func (p *Portal) issueActivation(ctx context.Context, citizen, by string) (string, time.Time, error) {
	code := randomText(12)
	now := p.now()
	expires := now.Add(activationLife)
	tx, err := p.cfg.DB.BeginTx(ctx, nil)
	if err != nil {
		return "", time.Time{}, err
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, `DELETE FROM portal_activation_codes WHERE citizen_id = $1 OR expires_at < $2`, citizen, now.Unix()); err != nil {
		return "", time.Time{}, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO portal_activation_codes (code_hash, citizen_id, issued_at, issued_by, expires_at)
		VALUES ($1, $2, $3, $4, $5)`, digest(activationCode(code)), citizen, now.Unix(), by, expires.Unix()); err != nil {
		return "", time.Time{}, err
	}
	return code, expires, tx.Commit()
}

// redeemActivation uses an activation code once: the pending sign-in's
// pseudonym is bound to the code's citizen (replacing an earlier binding of
// either) and the pending sign-in ends. ok is false for a code that is
// unknown, used or expired.
func (p *Portal) redeemActivation(ctx context.Context, typed string, pend pending) (string, bool, error) {
	code := activationCode(typed)
	if code == "" {
		return "", false, nil
	}
	now := p.now().Unix()
	tx, err := p.cfg.DB.BeginTx(ctx, nil)
	if err != nil {
		return "", false, err
	}
	defer func() { _ = tx.Rollback() }()
	var citizen string
	var expires int64
	err = tx.QueryRowContext(ctx, `DELETE FROM portal_activation_codes WHERE code_hash = $1 RETURNING citizen_id, expires_at`,
		digest(code)).Scan(&citizen, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	if expires < now {
		return "", false, tx.Commit()
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM portal_nia_links WHERE pseudonym = $1 OR citizen_id = $2`, pend.pseudonym, citizen); err != nil {
		return "", false, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO portal_nia_links (pseudonym, citizen_id, linked_at) VALUES ($1, $2, $3)`,
		pend.pseudonym, citizen, now); err != nil {
		return "", false, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM portal_nia_pending WHERE id_hash = $1`, digest(pend.id)); err != nil {
		return "", false, err
	}
	return citizen, true, tx.Commit()
}
