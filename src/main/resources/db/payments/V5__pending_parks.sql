-- the courier's sweep (PaymentStore.parksWithPending): which parks have pending payments, read by
-- every node every few seconds; only pending rows are in this index, so the read stays small
-- however many final records the retention keeps
CREATE INDEX parkgate_payments_pending_parks ON parkgate_payments (park_id)
  WHERE state IN ('accepted', 'sent');
