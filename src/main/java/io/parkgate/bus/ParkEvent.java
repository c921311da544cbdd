package io.parkgate.bus;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * One entry of a park's history: what happened to its sessions, when, where and why. Written by
 * the node that saw it, kept cluster-wide ({@code io.parkgate.history.ParkHistory}), read by the
 * events endpoint and the console.
 *
 * @param parkId  the park
 * @param type    one of the type constants below
 * @param at      epoch milliseconds, by the recording node's clock
 * @param fields  the rest, as the API shows it ({@code node}, {@code epoch}, {@code protocol},
 *                {@code remoteAddress}, {@code reason}, {@code detail}, {@code wasOnline},
 *                {@code takenOverBy}, ...); never null
 */
public record ParkEvent(String parkId, String type, long at, JsonObject fields) {

  /** A session came online (answered its hello). */
  public static final String OPENED = "session.opened";
  /** A session ended, online or not yet; {@code reason} says why. */
  public static final String CLOSED = "session.closed";
  /** A request to the park timed out: it fails fast until it speaks again. */
  public static final String UNRESPONSIVE = "park.unresponsive";
  /** The park spoke again after being unresponsive. */
  public static final String RESPONSIVE = "park.responsive";
  /** More sessions opened in the window than allowed: the park is flapping. */
  public static final String FLAPPING = "park.flapping";
  /** Two live controllers keep taking the park from each other. */
  public static final String DUPLICATE = "controller.duplicate";

  /**
   * The {@code source} of an event a gate reported ({@code event.report}: vehicle.entered, ...).
   * The history keeps the last {@code MAX_EVENTS} of these and, apart, the last {@code MAX_EVENTS}
   * of the others, so a busy gate's entries never push its sessions' closes out.
   */
  public static final String SOURCE_GATE = "gate";

  /** Whether a stored event (its {@link #toJson} form) was reported by the gate. */
  public static boolean gateReported(JsonObject stored) {
    return SOURCE_GATE.equals(stored.getString("source"));
  }

  /** How long repeated refusals of the same kind fold into one event (with a count). */
  public static final long FOLD_WINDOW_MS = 60_000;

  public ParkEvent {
    fields = fields == null ? new JsonObject() : fields;
  }

  /**
   * Events that may be folded into the previous one when it has the same key and is recent: closes
   * of sessions that never came online (bad tokens, bans, admission failures: a flood of bad hellos
   * must not push a park's real history out). Null for events that always stand alone.
   */
  public String foldKey() {
    boolean refusal = CLOSED.equals(type) && !fields.getBoolean("wasOnline", true);
    return refusal ? type + "/" + fields.getString("reason", "") : null;
  }

  /** The stored form: the fields plus {@code type} and {@code at} (epoch ms). */
  public JsonObject toJson() {
    return fields.copy().put("parkId", parkId).put("type", type).put("at", at);
  }

  /**
   * The API's form of a stored event: {@code at} (and {@code firstAt} of a folded one) as ISO-8601,
   * with its sequence number.
   */
  public static JsonObject toApiJson(JsonObject stored, long seq) {
    JsonObject out = new JsonObject().put("seq", seq);
    stored.forEach(e -> {
      if (!"foldKey".equals(e.getKey())) {
        out.put(e.getKey(), e.getValue());
      }
    });
    out.put("at", Instant.ofEpochMilli(stored.getLong("at", 0L)).toString());
    if (stored.containsKey("firstAt")) {
      out.put("firstAt", Instant.ofEpochMilli(stored.getLong("firstAt")).toString());
    }
    return out;
  }
}
