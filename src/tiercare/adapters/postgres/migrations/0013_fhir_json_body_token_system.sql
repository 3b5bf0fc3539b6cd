-- 0013 FHIR store: smaller bodies and token rows (docs/fhir-store.md "Disk").
--
-- * Resource bodies are stored as `json` (the compact text the server wrote) instead of
--   `jsonb`: 12% smaller at this size (PostgreSQL compresses only rows over ~2 kB, so
--   most bodies are stored as they are), no binary conversion when a body is written and
--   none when it is read back (a read returns the stored text). The store never queries
--   inside bodies; SQL that does (surveillance) casts to jsonb where it needs jsonpath.
-- * fhir_token.system, the longest repeated value of the index (code system URLs), becomes
--   a bigint: fhir_hash(system), the first 64 bits of md5. Token searches compare hashes
--   (tiercare.adapters.postgres.fhir_store.text_hash computes the same value in Python).

CREATE OR REPLACE FUNCTION fhir_hash(value text) RETURNS bigint
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT ('x' || substr(md5(value), 1, 16))::bit(64)::bigint $$;

ALTER TABLE fhir_resource ALTER COLUMN body TYPE json USING body::json;
ALTER TABLE fhir_history ALTER COLUMN body TYPE json USING body::json;

ALTER TABLE fhir_token ALTER COLUMN system TYPE bigint USING fhir_hash(system);
