-- 0014 Planner statistics across the token columns (docs/fhir-store.md "Search").
-- A code determines its parameter and usually its system; without extended statistics
-- PostgreSQL multiplies their selectivities as if independent and expects a handful of rows
-- for `Observation?code=http://loinc.org|X` (measured at 135k resources: 9 estimated, 5,254
-- found), then fetches every match to sort them (157 ms) instead of walking the resources
-- in id order and stopping at the page size (5 ms).
CREATE STATISTICS IF NOT EXISTS fhir_token_stats (mcv, dependencies) ON param, system, code FROM fhir_token;
ANALYZE fhir_token;
