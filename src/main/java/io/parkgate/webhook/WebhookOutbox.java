package io.parkgate.webhook;

import io.vertx.core.Future;
import java.util.List;
import java.util.function.Predicate;

/**
 * Where deliveries wait: {@code cluster} (Hazelcast maps with backups,
 * {@code io.parkgate.cluster.ClusterWebhookOutbox}) or {@code postgres}
 * ({@link PostgresWebhookOutbox}), following {@code payments.store}. Every method is asynchronous,
 * bounded by the store timeout, and fails (with {@code STORE_UNAVAILABLE}) when the store cannot be
 * reached; nothing here blocks an event loop.
 */
public interface WebhookOutbox {

  /** A queue with work and how much: what a node's scan finds. */
  record Work(QueueRef queue, long pending) {
  }

  /**
   * The head of a queue: its oldest pending delivery; or, in an outbox that numbers before it
   * writes, the number of a delivery not (yet) written ({@code missingSeq}, a writer in flight or
   * one that died); or neither when the queue is empty.
   */
  record Head(Delivery delivery, long missingSeq) {
    public static final Head EMPTY = new Head(null, 0);
  }

  /** A page of deliveries, and the {@code after} of the next page (null = last page). */
  record Page(List<Delivery> items, String next) {
  }

  /**
   * Queues one pending delivery per subscription named, durably (completes once every one is
   * written, with backups); fails, possibly having written some, when the store cannot be reached.
   */
  Future<List<Delivery>> append(String parkId, String notificationId, String type, String body,
      List<String> subscriptions, long now);

  /** The head of the queue; see {@link Head}. */
  Future<Head> head(QueueRef queue);

  /**
   * Writes {@code next} over {@code current} unless the stored delivery moved meanwhile
   * (compare-and-set on state and attempts); a final {@code next} lets the queue go on to the
   * following delivery. True when written.
   */
  Future<Boolean> update(Delivery current, Delivery next);

  /** Gives up on a numbered delivery that was never written, so its queue goes on. */
  Future<Void> skip(QueueRef queue, long missingSeq);

  /** The queues with pending deliveries among those {@code owned} (this node delivers). */
  Future<List<Work>> work(Predicate<QueueRef> owned);

  /** Deliveries in {@code state}, in id order, after {@code after} (exclusive, null = from the start). */
  Future<Page> list(DeliveryState state, String after, int limit);

  /** The delivery, or null. */
  Future<Delivery> get(String id);

  /**
   * Queues a new pending copy of a dead letter (same notification id and body, attempts from 0) at
   * the end of its queue and marks the dead letter {@code resent}. Completes with the copy; null when
   * there is no such delivery; fails with {@link NotResendable} when it is not a dead letter.
   */
  Future<Delivery> resend(String id, long now);

  Future<Void> close();

  /** The delivery named is not a dead letter (pending, delivered, or already re-sent). */
  final class NotResendable extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient Delivery delivery;

    public NotResendable(Delivery delivery) {
      super("delivery " + delivery.id() + " is " + delivery.state().wire() + ", not failed: only dead letters are re-sent");
      this.delivery = delivery;
    }

    public Delivery delivery() {
      return delivery;
    }
  }
}
