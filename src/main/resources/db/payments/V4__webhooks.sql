-- The webhook outbox (io.parkgate.webhook.PostgresWebhookOutbox): one row per notification and
-- subscription. A queue is (subscription, park_id), delivered in seq order, one at a time.
CREATE TABLE parkgate_webhook_deliveries (
  seq             bigserial PRIMARY KEY,
  subscription    text    NOT NULL,
  park_id         text    NOT NULL,
  notification_id text    NOT NULL,
  type            text    NOT NULL,
  body            text    NOT NULL,
  -- pending, delivered, failed (a dead letter), resent
  state           text    NOT NULL,
  attempts        integer NOT NULL DEFAULT 0,
  created_at      bigint  NOT NULL,
  next_attempt_at bigint  NOT NULL,
  last_status     integer NOT NULL DEFAULT 0,
  last_error      text,
  finished_at     bigint  NOT NULL DEFAULT 0
);
CREATE INDEX parkgate_webhook_deliveries_queue ON parkgate_webhook_deliveries (subscription, park_id, seq)
  WHERE state = 'pending';
CREATE INDEX parkgate_webhook_deliveries_state ON parkgate_webhook_deliveries (state, seq);
