-- +goose Up
-- The personal values a database held before sealing (releases up to
-- 0.1.0) are sealed once, by the first `lhuta serve` of a release that
-- seals (or by `lhuta seal-existing`): one row says it is done, so that no
-- later start reads the whole log again. Every append since is sealed by
-- the store.
CREATE TABLE sealed_existing (
    done_at TIMESTAMP NOT NULL,
    events  BIGINT NOT NULL
);

-- +goose Down
DROP TABLE sealed_existing;
