package io.parkgate.events;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One event a gate reported with {@code event.report} (docs/protocol.md §6): a vehicle entered or
 * left, the barrier opened, a payment was taken at the gate while its link was down. The pair
 * {@code (parkId, eventId)} identifies it: a repeat is the same event.
 *
 * @param parkId     the park whose controller reported it (from the session, never from the params)
 * @param eventId    the controller's own id for it, unique per park
 * @param type       one of {@link #TYPES}
 * @param at         when it happened, by the gate's clock (epoch ms)
 * @param receivedAt when parkgate first stored it (epoch ms)
 * @param lane       the lane, or null
 * @param plate      the licence plate, or null
 * @param data       the type's own fields (for {@code payment.offline}: paymentId, amount); never null
 */
public record GateEvent(String parkId, String eventId, String type, long at, long receivedAt, String lane,
    String plate, JsonObject data) {

  public static final String VEHICLE_ENTERED = "vehicle.entered";
  public static final String VEHICLE_EXITED = "vehicle.exited";
  public static final String BARRIER_OPENED = "barrier.opened";
  public static final String PAYMENT_OFFLINE = "payment.offline";
  /** The types a controller may report. */
  public static final List<String> TYPES = List.of(VEHICLE_ENTERED, VEHICLE_EXITED, BARRIER_OPENED, PAYMENT_OFFLINE);

  /** What an eventId may look like: printable, no spaces, at most 128 characters. */
  public static final Pattern EVENT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}");
  static final int MAX_LANE = 64;
  static final int MAX_PLATE = 32;

  public GateEvent {
    data = data == null ? new JsonObject() : data;
  }

  /**
   * Reads the params of an {@code event.report}.
   *
   * @throws IllegalArgumentException with a message for the controller when a field is missing or wrong
   */
  public static GateEvent parse(String parkId, JsonObject params, long now) {
    String eventId = string(params, "eventId", true, 128);
    if (!EVENT_ID.matcher(eventId).matches()) {
      throw new IllegalArgumentException("eventId must match " + EVENT_ID.pattern());
    }
    String type = string(params, "type", true, 64);
    if (!TYPES.contains(type)) {
      throw new IllegalArgumentException("type must be one of " + String.join(", ", TYPES));
    }
    long at;
    try {
      at = Instant.parse(string(params, "at", true, 64)).toEpochMilli();
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("at must be an ISO-8601 instant, e.g. 2026-12-03T08:15:00Z");
    }
    String lane = string(params, "lane", false, MAX_LANE);
    String plate = string(params, "plate", false, MAX_PLATE);
    Object data = params.getValue("data");
    if (data != null && !(data instanceof JsonObject)) {
      throw new IllegalArgumentException("data must be an object");
    }
    JsonObject fields = data == null ? new JsonObject() : (JsonObject) data;
    if (PAYMENT_OFFLINE.equals(type)) {
      Object paymentId = fields.getValue("paymentId");
      Object amount = fields.getValue("amount");
      if (!(paymentId instanceof String p) || p.isEmpty() || p.length() > 128) {
        throw new IllegalArgumentException("payment.offline needs data.paymentId, a string of 1 to 128 characters");
      }
      if (!(amount instanceof Integer || amount instanceof Long) || ((Number) amount).longValue() < 0) {
        throw new IllegalArgumentException("payment.offline needs data.amount, a non-negative integer (minor units)");
      }
    }
    return new GateEvent(parkId, eventId, type, at, now, lane, plate, fields);
  }

  private static String string(JsonObject params, String key, boolean required, int max) {
    Object v = params.getValue(key);
    if (v == null) {
      if (required) {
        throw new IllegalArgumentException(key + " is required");
      }
      return null;
    }
    if (!(v instanceof String s) || s.isEmpty() || s.length() > max) {
      throw new IllegalArgumentException(key + " must be a string of 1 to " + max + " characters");
    }
    return s;
  }

  /** The stored form (epoch ms). */
  public JsonObject toJson() {
    JsonObject out = new JsonObject().put("parkId", parkId).put("eventId", eventId).put("type", type)
        .put("at", at).put("receivedAt", receivedAt);
    if (lane != null) {
      out.put("lane", lane);
    }
    if (plate != null) {
      out.put("plate", plate);
    }
    return out.put("data", data);
  }

  public static GateEvent fromJson(JsonObject json) {
    return new GateEvent(json.getString("parkId"), json.getString("eventId"), json.getString("type"),
        json.getLong("at"), json.getLong("receivedAt"), json.getString("lane"), json.getString("plate"),
        json.getJsonObject("data"));
  }

  /**
   * What the controller is answered, the same for every repeat of the event: its id and when
   * parkgate first stored it.
   */
  public JsonObject ack() {
    return new JsonObject().put("eventId", eventId).put("receivedAt", Instant.ofEpochMilli(receivedAt).toString());
  }

  /** The fields an application sees (history, webhooks): times as ISO-8601. */
  public JsonObject toApiFields() {
    JsonObject out = new JsonObject().put("eventId", eventId)
        .put("occurredAt", Instant.ofEpochMilli(at).toString())
        .put("receivedAt", Instant.ofEpochMilli(receivedAt).toString());
    if (lane != null) {
      out.put("lane", lane);
    }
    if (plate != null) {
      out.put("plate", plate);
    }
    return out.put("data", data.copy());
  }
}
