-- 0010 FHIR store (共享健康档案): current versions, full history, search-index tables.
-- See docs/fhir-store.md "Schema". Every write puts the resource row, its history row and
-- its index rows in ONE transaction, so a crash mid-write leaves nothing half-written.
--
-- Keys: every index table is keyed by (resource_type, resource_id); replacing a version is
-- "delete its index rows, insert the new ones" in the same transaction. No foreign keys on
-- the index tables: the store is their only writer, and an FK check per index row would
-- roughly halve bulk-load speed.
-- Partitioning (by resource_type LIST, or by hash of the patient compartment for Citus) is
-- left for later: the key layout already starts with resource_type so it can be added with
-- ATTACH PARTITION without changing a query.

-- Current version of every resource (one row per logical id, deleted ones included).
CREATE TABLE fhir_resource (
    resource_type text        NOT NULL,
    id            text        NOT NULL,
    version       integer     NOT NULL,
    last_updated  timestamptz NOT NULL,
    deleted       boolean     NOT NULL DEFAULT false,
    body          jsonb       NOT NULL,          -- of a deleted resource: the last live body (never served)
    PRIMARY KEY (resource_type, id)
);
CREATE INDEX fhir_resource_updated ON fhir_resource (resource_type, last_updated, id);

-- Every version ever written (history, vread). seq orders system history.
CREATE TABLE fhir_history (
    seq           bigint      GENERATED ALWAYS AS IDENTITY,
    resource_type text        NOT NULL,
    id            text        NOT NULL,
    version       integer     NOT NULL,
    last_updated  timestamptz NOT NULL,
    deleted       boolean     NOT NULL DEFAULT false,
    method        text        NOT NULL,          -- POST | PUT | PATCH | DELETE (Bundle.entry.request.method)
    body          jsonb,                         -- NULL for a delete version
    PRIMARY KEY (resource_type, id, version)
);
CREATE INDEX fhir_history_updated ON fhir_history (last_updated, seq);
CREATE INDEX fhir_history_type_updated ON fhir_history (resource_type, last_updated, seq);

-- Search index, one table per parameter type (R4 3.1.1.4.x, "search parameter types").
-- token: Coding/CodeableConcept/Identifier/code/boolean/ContactPoint. Queries are
-- "param = code [and system = ...]" so code comes before system.
CREATE TABLE fhir_token (
    resource_type text NOT NULL,
    resource_id   text NOT NULL,
    param         text NOT NULL,
    system        text,
    code          text
);
CREATE INDEX fhir_token_search ON fhir_token (resource_type, param, code, system);
CREATE INDEX fhir_token_owner ON fhir_token (resource_type, resource_id);

-- token :text (display / CodeableConcept.text), normalised like strings.
CREATE TABLE fhir_token_text (
    resource_type text NOT NULL,
    resource_id   text NOT NULL,
    param         text NOT NULL,
    text          text NOT NULL
);
CREATE INDEX fhir_token_text_search ON fhir_token_text USING gin (text gin_trgm_ops);
CREATE INDEX fhir_token_text_owner ON fhir_token_text (resource_type, resource_id);

-- string: value normalised (OpenCC t2s, casefold, accents stripped) so 張偉 finds 张伟;
-- pinyin key for the name:pinyin extension. Prefix search (the default) uses the btree
-- with text_pattern_ops; :contains uses the trigram index.
CREATE TABLE fhir_string (
    resource_type text NOT NULL,
    resource_id   text NOT NULL,
    param         text NOT NULL,
    value         text NOT NULL,
    exact         text NOT NULL,                 -- as written, for :exact
    pinyin        text
);
CREATE INDEX fhir_string_prefix ON fhir_string (resource_type, param, value text_pattern_ops);
CREATE INDEX fhir_string_trgm ON fhir_string USING gin (value gin_trgm_ops);
CREATE INDEX fhir_string_pinyin ON fhir_string (resource_type, param, pinyin text_pattern_ops)
    WHERE pinyin IS NOT NULL;
CREATE INDEX fhir_string_owner ON fhir_string (resource_type, resource_id);

-- date: every value is a range [lo, hi) in UTC following its precision (R4 3.1.1.4.2).
CREATE TABLE fhir_date (
    resource_type text        NOT NULL,
    resource_id   text        NOT NULL,
    param         text        NOT NULL,
    lo            timestamptz NOT NULL,
    hi            timestamptz NOT NULL
);
CREATE INDEX fhir_date_lo ON fhir_date (resource_type, param, lo);
CREATE INDEX fhir_date_hi ON fhir_date (resource_type, param, hi);
CREATE INDEX fhir_date_owner ON fhir_date (resource_type, resource_id);

-- reference: local (target_type, target_id) or absolute url / identifier-based.
-- The search side is "which resources point at Patient/123" -> target first.
CREATE TABLE fhir_reference (
    resource_type text NOT NULL,
    resource_id   text NOT NULL,
    param         text NOT NULL,
    target_type   text,
    target_id     text,
    url           text,
    identifier_system text,                      -- identifier-based references (:identifier)
    identifier_value  text
);
CREATE INDEX fhir_reference_target ON fhir_reference (target_id, target_type, resource_type, param);
CREATE INDEX fhir_reference_url ON fhir_reference (url) WHERE url IS NOT NULL;
CREATE INDEX fhir_reference_identifier ON fhir_reference (identifier_value, identifier_system)
    WHERE identifier_value IS NOT NULL;
CREATE INDEX fhir_reference_owner ON fhir_reference (resource_type, resource_id);

CREATE TABLE fhir_quantity (
    resource_type text    NOT NULL,
    resource_id   text    NOT NULL,
    param         text    NOT NULL,
    value         numeric,                       -- the stated value (NULL for a Range)
    lo            numeric,                       -- the range the value states (comparators, Range); NULL = open
    hi            numeric,
    system        text,
    code          text,
    unit          text
);
CREATE INDEX fhir_quantity_search ON fhir_quantity (resource_type, param, code, value);
CREATE INDEX fhir_quantity_owner ON fhir_quantity (resource_type, resource_id);

CREATE TABLE fhir_number (
    resource_type text    NOT NULL,
    resource_id   text    NOT NULL,
    param         text    NOT NULL,
    value         numeric NOT NULL
);
CREATE INDEX fhir_number_search ON fhir_number (resource_type, param, value);
CREATE INDEX fhir_number_owner ON fhir_number (resource_type, resource_id);

CREATE TABLE fhir_uri (
    resource_type text NOT NULL,
    resource_id   text NOT NULL,
    param         text NOT NULL,
    value         text NOT NULL
);
CREATE INDEX fhir_uri_search ON fhir_uri (resource_type, param, value text_pattern_ops);
CREATE INDEX fhir_uri_owner ON fhir_uri (resource_type, resource_id);

-- composite (R4 composites are pairs: code-value-quantity, code-value-concept, code-value-date,
-- combo-code-value-*, characteristic-value, ...): the first component is a token (system, code);
-- the second is typed: a token (v_system, v_code), a quantity/number range (v_num_lo, v_num_hi,
-- v_system, v_code), a date range (v_lo, v_hi) or a string (v_string).
CREATE TABLE fhir_composite (
    resource_type text NOT NULL,
    resource_id   text NOT NULL,
    param         text NOT NULL,
    system        text,
    code          text,
    v_system      text,
    v_code        text,
    v_num_lo      numeric,
    v_num_hi      numeric,
    v_lo          timestamptz,
    v_hi          timestamptz,
    v_string      text
);
CREATE INDEX fhir_composite_search ON fhir_composite (resource_type, param, code, v_code);
CREATE INDEX fhir_composite_owner ON fhir_composite (resource_type, resource_id);

-- Bulk Data $export jobs (async pattern: 202 + Content-Location, then polling).
CREATE TABLE fhir_export_job (
    id           text        PRIMARY KEY,
    actor        text        NOT NULL,
    status       text        NOT NULL DEFAULT 'accepted',   -- accepted | in-progress | completed | failed
    request      jsonb       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    output       jsonb,
    error        text
);
