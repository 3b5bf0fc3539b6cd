-- 0011 token :text search by prefix (R4 search: :text is processed as a string search, which
-- matches the start of the normalised text). A btree with text_pattern_ops replaces the GIN
-- trigram index of 0010: every coded element with a display gives a row, and the trigram
-- index was the costliest part of a bulk load (docs/fhir-store.md, "Bulk import").
DROP INDEX IF EXISTS fhir_token_text_search;
CREATE INDEX fhir_token_text_search ON fhir_token_text (resource_type, param, text text_pattern_ops);
