package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/handlers"
	"github.com/lhuta/lhuta/internal/feed"
	"github.com/lhuta/lhuta/internal/reminders"
	"github.com/lhuta/lhuta/internal/service"
	"github.com/lhuta/lhuta/internal/sso"
	"github.com/lhuta/lhuta/portal"
)

// serve runs the service on db until ctx ends (SIGINT, SIGTERM).
func serve(ctx context.Context, c config, db *eventstore.DB, log *slog.Logger) error {
	today, err := clock(c.clock)
	if err != nil {
		return err
	}
	loadTokens := func() (handlers.Tokens, error) { return handlers.LoadTokens(c.tokens, c.dataDir, log) }
	tokens, err := loadTokens()
	if err != nil {
		return err
	}
	offices, err := loadOffices(c.offices)
	if err != nil {
		return err
	}
	var knownOffices []string
	if c.offices != "" {
		knownOffices = offices.Codes()
	}
	rules, err := loadRetention(c, offices)
	if err != nil {
		return err
	}
	if rules == nil {
		log.Info("no retention rules (LHUTA_RETENTION_FILE): no case is scheduled for disposal")
	}
	var reads *eventstore.DB
	if c.databaseReadURL != "" {
		rc := c
		rc.databaseURL = c.databaseReadURL
		if reads, err = openDB(ctx, rc, log); err != nil {
			return fmt.Errorf("DATABASE_READ_URL: %w", err)
		}
		defer reads.Close()
		log.Info("queries read the replica", "where", reads.Where)
	}
	var provider *sso.Provider
	if c.oidcIssuer != "" {
		provider, err = sso.New(sso.Config{Issuer: c.oidcIssuer, ClientID: c.oidcClientID, ClientSecret: c.oidcClientSecret,
			Audience: c.oidcAudience, GroupsClaim: c.oidcGroupsClaim, Groups: c.oidcGroups, Log: log})
		if err != nil {
			return err
		}
		log.Info("staff sign in through the identity provider too", "issuer", c.oidcIssuer, "groups_mapped", len(c.oidcGroups))
	}
	nia := portal.NIAConfig{MetadataURL: c.niaMetadataURL, PublicURL: c.publicURL}
	if c.niaMetadataURL != "" {
		if nia.Key, nia.Certificate, err = portal.LoadNIAKeyPair(c.niaSPKey, c.niaSPCert); err != nil {
			return fmt.Errorf("LHUTA_NIA_SP_KEY, LHUTA_NIA_SP_CERT: %w", err)
		}
	}
	svc, err := service.New(service.Config{
		DB:         db,
		Reads:      reads,
		Addr:       c.addr,
		Tokens:     tokens,
		LoadTokens: loadTokens,
		Today:      today,
		Offices:    offices,
		Feed:       feed.Config{URL: c.natsURL, Stream: c.natsStream, Subject: c.natsSubject, PersonalData: c.natsPersonal},
		Reminders: reminders.Config{SMTPURL: c.smtpURL, From: c.mailFrom,
			PortalURL: strings.TrimSuffix(c.publicURL, "/") + "/obcan/"},
		SSO:            provider,
		PublicURL:      c.publicURL,
		TLSCert:        c.tlsCert,
		TLSKey:         c.tlsKey,
		TrustedProxies: c.trustedProxies,
		Portal:         portal.Config{NIA: nia},
		Log:            log,

		LossReportThreshold: c.lossReportThreshold,
		DBTimeout:           c.dbTimeout,
		KnownOffices:        knownOffices,
		IdempotencyTTL:      c.idempotencyTTL,
		Retention:           rules,
	})
	if err != nil {
		return err
	}
	return svc.Run(ctx)
}
