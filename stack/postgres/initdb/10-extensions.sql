-- Runs once, when the data volume is initialised.
CREATE EXTENSION IF NOT EXISTS "uuid-ossp";
