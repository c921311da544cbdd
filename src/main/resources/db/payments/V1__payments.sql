-- parkgate payment records (payments.store=postgres). One row per paymentId; the whole record is
-- the JSON of io.parkgate.payments.Payment, with the columns the queries and the compare-and-set need.
CREATE TABLE parkgate_payments (
  payment_id  text        PRIMARY KEY,
  park_id     text        NOT NULL,
  state       text        NOT NULL CHECK (state IN ('accepted', 'sent', 'confirmed', 'rejected', 'expired', 'cancelled')),
  version     bigint      NOT NULL,
  accepted_at bigint      NOT NULL,
  valid_until bigint      NOT NULL,
  record      jsonb       NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- delivery after each hello, and the reconciliation listing
CREATE INDEX parkgate_payments_park_state ON parkgate_payments (park_id, state, payment_id);
-- retention: final records are deleted some time after their last change
CREATE INDEX parkgate_payments_final_updated ON parkgate_payments (updated_at)
  WHERE state IN ('confirmed', 'rejected', 'expired', 'cancelled');
