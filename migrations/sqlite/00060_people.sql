-- +goose Up
-- What must be unique across cases, written in the transaction that appends
-- the event it guards (internal/caserepo); see the PostgreSQL migration.
CREATE TABLE citizens (
    citizen_id   TEXT NOT NULL PRIMARY KEY,
    birth_date   TEXT NOT NULL,
    birth_number TEXT NOT NULL DEFAULT ''
);
INSERT INTO citizens (citizen_id, birth_date, birth_number)
SELECT json_extract(e.data, '$.citizen.id'), json_extract(e.data, '$.citizen.birth_date'),
       COALESCE(json_extract(e.data, '$.citizen.birth_number'), '')
FROM events e
WHERE e.type = 'CaseOpened' AND e.position = (
    SELECT MIN(f.position) FROM events f
    WHERE f.type = 'CaseOpened' AND json_extract(f.data, '$.citizen.id') = json_extract(e.data, '$.citizen.id'));

CREATE TABLE case_reference_counters (
    office        TEXT NOT NULL,
    year          INTEGER NOT NULL,
    last_sequence INTEGER NOT NULL,
    PRIMARY KEY (office, year)
);

CREATE TEMPORARY TABLE numbered_00060 AS
SELECT stream_id, position, json_extract(data, '$.office') AS office,
       CAST(substr(json_extract(data, '$.opened_on'), 1, 4) AS INTEGER) AS year,
       row_number() OVER (PARTITION BY json_extract(data, '$.office'), substr(json_extract(data, '$.opened_on'), 1, 4) ORDER BY position) AS seq
FROM events WHERE type = 'CaseOpened';

INSERT INTO events (stream_id, version, type, data, recorded_by, recorded_at, correlation_id)
SELECT n.stream_id, (SELECT MAX(e.version) FROM events e WHERE e.stream_id = n.stream_id) + 1, 'CaseReferenceAssigned',
       json_object('reference', n.office || '/' || n.year || '/' || printf('%05d', n.seq)),
       'lhuta migrate', strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'), 'migration-00060'
FROM numbered_00060 n ORDER BY n.position;

INSERT INTO case_reference_counters (office, year, last_sequence)
SELECT office, year, MAX(seq) FROM numbered_00060 GROUP BY office, year;

DROP TABLE numbered_00060;

-- +goose Down
DELETE FROM events WHERE type = 'CaseReferenceAssigned' AND correlation_id = 'migration-00060';
DROP TABLE case_reference_counters;
DROP TABLE citizens;
