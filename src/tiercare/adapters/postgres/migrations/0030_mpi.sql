-- 0030 Client registry (居民主索引, MPI): standardised records, blocking keys, persons
-- (golden records), links, review queue, manual decisions, event history, fitted model.
-- See docs/mpi-platform.md "Schema". Patient resources stay in fhir_resource; these tables
-- only refer to them by id (no FK: the store is the writer of fhir_resource and a deleted
-- Patient keeps its row there).

-- One row per Patient: the raw fields mapped from FHIR (core.mpi.record.PersonRecord, re-
-- standardised when scored) and the standardised form (for evidence and the golden record).
CREATE TABLE mpi_record (
    patient_id   text        PRIMARY KEY,
    raw          jsonb       NOT NULL,            -- PersonRecord fields as entered
    std          jsonb       NOT NULL,            -- standardised fields (name, birth, id, phones, address)
    issues       jsonb       NOT NULL DEFAULT '[]',-- validation issues (field, code, severity), no values
    linkable     boolean     NOT NULL,
    completeness integer     NOT NULL,            -- usable fields: survivorship rule 1
    updated_at   timestamptz NOT NULL             -- Patient.meta.lastUpdated: survivorship rule 2
);

-- Blocking keys (core.mpi.person_model.person_blocking), one row per key, prefixed by the
-- blocking rule ("surname_birth:张|1980-03-02"). Real-time candidates: key = ANY(keys),
-- at most blocking.max_block_size + 1 rows read per key (oversize keys skipped, as in batch).
CREATE TABLE mpi_block_key (
    key        text NOT NULL,
    patient_id text NOT NULL,
    PRIMARY KEY (key, patient_id)
);
CREATE INDEX mpi_block_key_owner ON mpi_block_key (patient_id);

-- A person (居民): enterprise id and golden demographics chosen by survivorship.
CREATE TABLE mpi_person (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    enterprise_id text        NOT NULL UNIQUE,     -- 'EMPI-' || id, the enterprise identifier value
    golden        jsonb       NOT NULL DEFAULT '{}',
    active        boolean     NOT NULL DEFAULT true,-- false once merged into another or emptied
    merged_into   bigint      REFERENCES mpi_person (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- The link of each Patient to its person.
CREATE TABLE mpi_link (
    patient_id text        PRIMARY KEY,
    person_id  bigint      NOT NULL REFERENCES mpi_person (id),
    kind       text        NOT NULL CHECK (kind IN ('new', 'auto', 'review', 'manual')),
    score      double precision,                  -- match probability that linked it (NULL: new person)
    linked_at  timestamptz NOT NULL DEFAULT now(),
    linked_by  text        NOT NULL               -- 'realtime', 'batch' or the reviewer
);
CREATE INDEX mpi_link_person ON mpi_link (person_id);

-- Candidate pairs for a person to decide (待人工核对), field-by-field evidence.
CREATE TABLE mpi_review (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    patient_a  text        NOT NULL,
    patient_b  text        NOT NULL,
    score      double precision NOT NULL,
    evidence   jsonb       NOT NULL,               -- {comparison: level} and the rules that fired
    status     text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'rejected')),
    created_at timestamptz NOT NULL DEFAULT now(),
    decided_at timestamptz,
    decided_by text,
    note       text,
    CHECK (patient_a < patient_b),
    UNIQUE (patient_a, patient_b)
);
CREATE INDEX mpi_review_pending ON mpi_review (status, score DESC) WHERE status = 'pending';

-- Manual decisions: no automatic run may overwrite them.
CREATE TABLE mpi_decision (
    patient_a  text        NOT NULL,
    patient_b  text        NOT NULL,
    kind       text        NOT NULL CHECK (kind IN ('must_link', 'cannot_link')),
    decided_at timestamptz NOT NULL DEFAULT now(),
    decided_by text        NOT NULL,
    note       text,
    CHECK (patient_a < patient_b),
    PRIMARY KEY (patient_a, patient_b)
);
CREATE INDEX mpi_decision_b ON mpi_decision (patient_b);

-- Event history of merges and unmerges (and batch relinks): append only.
CREATE TABLE mpi_event (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind         text        NOT NULL CHECK (kind IN ('merge', 'unmerge', 'relink', 'retire')),
    person_id    bigint      NOT NULL,             -- the surviving / affected person
    other_person bigint,                            -- merged-away or split-off person
    patient_ids  text[]      NOT NULL DEFAULT '{}',
    detail       jsonb       NOT NULL DEFAULT '{}',
    at           timestamptz NOT NULL DEFAULT now(),
    by_actor     text        NOT NULL
);
CREATE INDEX mpi_event_person ON mpi_event (person_id, id);

-- Fitted Fellegi–Sunter parameters (m, u, λ, term frequencies) of each batch run; the
-- newest row scores real-time writes and $match.
CREATE TABLE mpi_model (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    fitted_at  timestamptz NOT NULL DEFAULT now(),
    records    integer     NOT NULL,
    parameters jsonb       NOT NULL
);
