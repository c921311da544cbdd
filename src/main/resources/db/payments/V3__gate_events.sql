-- Gate-reported events (io.parkgate.events.PostgresGateEventStore): one row per (park, eventId),
-- the first report wins; rows are deleted some time after they were stored (events.retentionS).
CREATE TABLE parkgate_gate_events (
  park_id     text        NOT NULL,
  event_id    text        NOT NULL,
  type        text        NOT NULL,
  at          timestamptz NOT NULL,
  received_at timestamptz NOT NULL,
  event       jsonb       NOT NULL,
  PRIMARY KEY (park_id, event_id)
);
CREATE INDEX parkgate_gate_events_received ON parkgate_gate_events (received_at);
