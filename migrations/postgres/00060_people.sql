-- +goose Up
-- What must be unique across cases, written in the transaction that appends
-- the event it guards (internal/caserepo), so that concurrent openings on
-- several instances cannot both pass the check.
--
-- citizens: the identity a citizen id is known by. A case opened for a known
-- id with another birth date or birth number is refused (409) until a
-- CitizenCorrected changes it. Filled here from the cases opened so far, each
-- id with the data of its first case.
CREATE TABLE citizens (
    citizen_id   TEXT NOT NULL PRIMARY KEY,
    birth_date   TEXT NOT NULL,
    birth_number TEXT NOT NULL DEFAULT ''
);
INSERT INTO citizens (citizen_id, birth_date, birth_number)
SELECT DISTINCT ON (data->'citizen'->>'id') data->'citizen'->>'id', data->'citizen'->>'birth_date',
       COALESCE(data->'citizen'->>'birth_number', '')
FROM events WHERE type = 'CaseOpened'
ORDER BY data->'citizen'->>'id', position;

-- case_reference_counters: the last sequence of each office's calendar year
-- of opening; a case's reference is <office>/<year>/<sequence, five digits>.
CREATE TABLE case_reference_counters (
    office        TEXT NOT NULL,
    year          INTEGER NOT NULL,
    last_sequence INTEGER NOT NULL,
    PRIMARY KEY (office, year)
);

-- The cases opened so far get their references now, numbered in the order
-- they were opened (their position in the log), as a CaseReferenceAssigned
-- event each: the log stays the one source of truth, and the read models and
-- the feed learn the references from it.
CREATE TEMPORARY TABLE numbered_00060 ON COMMIT DROP AS
SELECT stream_id, position, data->>'office' AS office, CAST(substr(data->>'opened_on', 1, 4) AS INTEGER) AS year,
       row_number() OVER (PARTITION BY data->>'office', substr(data->>'opened_on', 1, 4) ORDER BY position) AS seq
FROM events WHERE type = 'CaseOpened';

INSERT INTO events (stream_id, version, type, data, recorded_by, recorded_at, correlation_id)
SELECT n.stream_id, (SELECT MAX(e.version) FROM events e WHERE e.stream_id = n.stream_id) + 1, 'CaseReferenceAssigned',
       jsonb_build_object('reference', n.office || '/' || n.year || '/' || lpad(n.seq::text, 5, '0')),
       'lhuta migrate', now(), 'migration-00060'
FROM numbered_00060 n ORDER BY n.position;

INSERT INTO case_reference_counters (office, year, last_sequence)
SELECT office, year, MAX(seq) FROM numbered_00060 GROUP BY office, year;

-- +goose Down
DELETE FROM events WHERE type = 'CaseReferenceAssigned' AND correlation_id = 'migration-00060';
DROP TABLE case_reference_counters;
DROP TABLE citizens;
