-- Runs once, when the data volume is initialised.
CREATE EXTENSION IF NOT EXISTS "uuid-ossp";
-- Per-statement timings. Its view answers only once the server has preloaded the
-- library, which 20-settings.sh arranges for every start after this one.
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
