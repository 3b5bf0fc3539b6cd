-- 0045 early-warning signals (预警信号) and their verification steps (信号核实).
-- A signal is one alarm of one detector on one (day, area, disease, basis); re-running the
-- same day adds nothing (the unique key). The evidence (observed, expected, upper bound,
-- method, parameters, series snapshot) is kept as it was when the signal was raised.
CREATE TABLE surv_signal (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    detected_on  date        NOT NULL,             -- the judged day (local time of the region)
    area         text        NOT NULL,             -- GB/T 2260 code of the area
    disease      text        NOT NULL,             -- catalogue key (notifiable.toml)
    basis        text        NOT NULL CHECK (basis IN ('onset', 'report')),
    method       text        NOT NULL,
    params       jsonb       NOT NULL,
    observed     double precision NOT NULL,
    expected     double precision,
    upperbound   double precision,
    series       jsonb       NOT NULL,             -- {"dates": [...], "counts": [...]}
    state        text        NOT NULL DEFAULT 'new',
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (detected_on, area, disease, basis, method)
);
CREATE INDEX surv_signal_state ON surv_signal (state, detected_on DESC);

CREATE TABLE surv_signal_event (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    signal_id   bigint      NOT NULL REFERENCES surv_signal (id),
    action      text        NOT NULL,
    by_actor    text        NOT NULL,
    at          timestamptz NOT NULL,
    note        text        NOT NULL DEFAULT '',
    from_state  text        NOT NULL,
    to_state    text        NOT NULL
);
CREATE INDEX surv_signal_event_signal ON surv_signal_event (signal_id, at);
