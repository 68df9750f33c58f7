-- The read-only role Grafana connects as: it may read the dashboard views
-- of schema dash (counts, no personal data) and nothing else of lhuta's
-- database: not the events, not case_view or the other read models.
--
-- Run it once, after `lhuta migrate` (which creates schema dash), connected
-- to lhuta's database AS THE ROLE LHUTA CONNECTS WITH (the owner of the
-- views), which needs CREATEROLE for the first statement; otherwise a
-- database administrator creates the role and lhuta's role runs the rest:
--   psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f deploy/grafana/dashboard-role.sql
-- then give the role its password: psql "$DATABASE_URL" -c '\password lhuta_dashboard'
--
-- The views are created anew at each switch of read-model generation
-- (lhuta rebuild, an upgrade); the default privileges below give the role
-- SELECT on each new one, so nothing needs granting again. Running this
-- file twice changes nothing.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'lhuta_dashboard') THEN
    CREATE ROLE lhuta_dashboard LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
  END IF;
END
$$;
ALTER ROLE lhuta_dashboard SET default_transaction_read_only = on;
-- A dashboard's query may not hold the database for long or open many sessions.
ALTER ROLE lhuta_dashboard SET statement_timeout = '30s';
ALTER ROLE lhuta_dashboard CONNECTION LIMIT 10;
GRANT USAGE ON SCHEMA dash TO lhuta_dashboard;
GRANT SELECT ON ALL TABLES IN SCHEMA dash TO lhuta_dashboard;
ALTER DEFAULT PRIVILEGES IN SCHEMA dash GRANT SELECT ON TABLES TO lhuta_dashboard;
