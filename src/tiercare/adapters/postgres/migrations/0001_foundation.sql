-- 0001 foundation: extensions and the service's own tables.
-- Extensions ship with the embedded server and with Debian's postgresql-contrib.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gin;

-- API bearer tokens (访问令牌): only a SHA-256 of each token is kept.
CREATE TABLE auth_token (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL,
    token_hash  text NOT NULL UNIQUE,
    scopes      text[] NOT NULL DEFAULT ARRAY['user/*.*'],
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz,
    revoked_at  timestamptz
);

-- Audit trail (审计日志) of every read or write of a person's record: who, what, when.
-- No PHI: resource type and id only, never names or identifiers.
CREATE TABLE audit_log (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at            timestamptz NOT NULL DEFAULT now(),
    actor         text NOT NULL,
    action        text NOT NULL,          -- read | vread | search | create | update | patch | delete | export | import
    resource_type text,
    resource_id   text,
    outcome       smallint NOT NULL DEFAULT 0,  -- FHIR AuditEvent.outcome: 0 success, 4 minor, 8 serious, 12 major
    detail        jsonb
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_resource ON audit_log (resource_type, resource_id);
