-- +goose Up
-- The read models are now created by package projections in generations
-- (tables <name>_g<N> behind views <name>), so that a rebuild can fill a new
-- generation while the live one answers. The old tables are dropped, and the
-- projection starts over from the beginning of the log into the first generation.
DROP TABLE IF EXISTS sla_view;
DROP TABLE IF EXISTS flag_view;
DROP TABLE IF EXISTS obligation_view;
DROP TABLE IF EXISTS case_view;
DELETE FROM projection_offsets WHERE consumer_group = 'read_models';

-- The live generation of the read models and the schema version of its tables.
CREATE TABLE read_model_generation (
    generation     BIGINT NOT NULL,
    schema_version INTEGER NOT NULL
);

-- +goose Down
DROP TABLE read_model_generation;
