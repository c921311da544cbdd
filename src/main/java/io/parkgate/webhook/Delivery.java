package io.parkgate.webhook;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * One notification on its way to one subscription, the same record in every outbox. Deliveries of
 * one subscription and park form a queue ordered by {@code seq}: the queue's oldest pending
 * delivery is the only one being sent; the next waits until it is delivered or dead-lettered.
 *
 * @param subscription   the subscription's name
 * @param parkId         the park (the queue is subscription + park)
 * @param seq            order within the queue (the cluster outbox numbers per queue, postgres globally)
 * @param notificationId the notification's id: what the receiver dedupes on
 * @param type           the notification's type
 * @param body           the exact JSON text POSTed (signed anew at each attempt, never re-encoded)
 * @param state          where it is
 * @param attempts       POSTs made so far
 * @param createdAt      epoch ms when queued: {@code webhooks.maxRetryS} counts from here
 * @param nextAttemptAt  epoch ms before which it is not sent again
 * @param lastStatus     the last answer's HTTP status, 0 = none (timeout, refused)
 * @param lastError      why the last attempt failed, or null
 * @param finishedAt     epoch ms when delivered or dead-lettered, 0 while pending
 */
public record Delivery(String subscription, String parkId, long seq, String notificationId, String type, String body,
    DeliveryState state, int attempts, long createdAt, long nextAttemptAt, int lastStatus, String lastError,
    long finishedAt) {

  /** A new pending delivery, due at once. */
  public static Delivery queued(String subscription, String parkId, long seq, String notificationId, String type,
      String body, long now) {
    return new Delivery(subscription, parkId, seq, notificationId, type, body, DeliveryState.PENDING, 0, now, now, 0,
        null, 0);
  }

  /** The id the API shows and {@code resend} takes: {@code subscription~parkId~seq}. */
  public String id() {
    return id(subscription, parkId, seq);
  }

  public static String id(String subscription, String parkId, long seq) {
    return subscription + "~" + parkId + "~" + String.format("%019d", seq);
  }

  /** The queue this delivery belongs to. */
  public QueueRef queue() {
    return new QueueRef(subscription, parkId);
  }

  /** The parts of an id, or null when it is not one. */
  public static String[] parseId(String id) {
    String[] parts = id == null ? new String[0] : id.split("~", -1);
    if (parts.length != 3 || !parts[2].matches("[0-9]{19}")) {
      return null;
    }
    return parts;
  }

  public Delivery delivered(int status, long now) {
    return new Delivery(subscription, parkId, seq, notificationId, type, body, DeliveryState.DELIVERED, attempts + 1,
        createdAt, nextAttemptAt, status, null, now);
  }

  public Delivery retryAt(long at, int status, String error) {
    return new Delivery(subscription, parkId, seq, notificationId, type, body, DeliveryState.PENDING, attempts + 1,
        createdAt, at, status, error, 0);
  }

  public Delivery dead(int status, String error, long now) {
    return new Delivery(subscription, parkId, seq, notificationId, type, body, DeliveryState.FAILED, attempts + 1,
        createdAt, nextAttemptAt, status, error, now);
  }

  public Delivery resent(long now) {
    return new Delivery(subscription, parkId, seq, notificationId, type, body, DeliveryState.RESENT, attempts,
        createdAt, nextAttemptAt, lastStatus, lastError, now);
  }

  public JsonObject toJson() {
    return new JsonObject().put("subscription", subscription).put("parkId", parkId).put("seq", seq)
        .put("notificationId", notificationId).put("type", type).put("body", body).put("state", state.wire())
        .put("attempts", attempts).put("createdAt", createdAt).put("nextAttemptAt", nextAttemptAt)
        .put("lastStatus", lastStatus).put("lastError", lastError).put("finishedAt", finishedAt);
  }

  public static Delivery fromJson(JsonObject o) {
    return new Delivery(o.getString("subscription"), o.getString("parkId"), o.getLong("seq"),
        o.getString("notificationId"), o.getString("type"), o.getString("body"),
        DeliveryState.fromWire(o.getString("state")), o.getInteger("attempts", 0), o.getLong("createdAt", 0L),
        o.getLong("nextAttemptAt", 0L), o.getInteger("lastStatus", 0), o.getString("lastError"),
        o.getLong("finishedAt", 0L));
  }

  /** What the deliveries endpoint shows: times as ISO-8601, the notification as sent. */
  public JsonObject toApiJson() {
    JsonObject out = new JsonObject().put("id", id()).put("subscription", subscription).put("parkId", parkId)
        .put("notificationId", notificationId).put("type", type).put("state", state.wire()).put("attempts", attempts)
        .put("createdAt", Instant.ofEpochMilli(createdAt).toString());
    if (state == DeliveryState.PENDING) {
      out.put("nextAttemptAt", Instant.ofEpochMilli(nextAttemptAt).toString());
    }
    if (lastStatus != 0) {
      out.put("lastStatus", lastStatus);
    }
    if (lastError != null) {
      out.put("lastError", lastError);
    }
    if (finishedAt != 0) {
      out.put("finishedAt", Instant.ofEpochMilli(finishedAt).toString());
    }
    return out.put("notification", new JsonObject(body));
  }
}
