package main

import (
	"io"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/internal/gdpr"
)

// processingRecord writes the record of processing activities (GDPR čl. 30)
// of the installation the settings describe: the same document as
// GET /v1/processing-record, without a database.
func processingRecord(c config, out io.Writer) error {
	offices, err := loadOffices(c.offices)
	if err != nil {
		return err
	}
	rules, err := loadRetention(c, offices)
	if err != nil {
		return err
	}
	rec := gdpr.New(gdpr.Setup{Offices: gdpr.OfficesOf(offices), Rules: rules, SMTP: c.smtpURL != "", Feed: c.natsURL != "",
		FeedPersonal: c.natsPersonal, NIA: c.niaMetadataURL != "", TLS: c.tlsCert != "", Today: calendar.Today(time.Now())})
	if c.format == "csv" {
		return rec.CSV(out)
	}
	return rec.Markdown(out)
}
