-- The per-park history (io.parkgate.history.PostgresParkHistory): the last 100 events of each park.
CREATE TABLE parkgate_park_events (
  seq      bigserial PRIMARY KEY,
  park_id  text        NOT NULL,
  at       timestamptz NOT NULL,
  -- repeated refusals of one kind fold into the newest row: its count grows, first_at stays
  fold_key text,
  count    integer     NOT NULL DEFAULT 1,
  first_at timestamptz,
  event    jsonb       NOT NULL
);
CREATE INDEX parkgate_park_events_by_park ON parkgate_park_events (park_id, seq DESC);
CREATE INDEX parkgate_park_events_by_time ON parkgate_park_events (at);
