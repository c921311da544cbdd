package io.parkgate.webhook;

import io.parkgate.bus.Notification;
import io.parkgate.bus.Notifier;
import io.parkgate.bus.ParkEvent;
import io.parkgate.bus.SessionEvents;
import io.vertx.core.json.JsonObject;

/**
 * Turns a park's session events into lifecycle notifications:
 * <ul>
 *   <li>{@code park.online}: a session came online (answered its hello); {@code data.replaced}
 *   when it took over from an older session of the same park (then no offline came before it);</li>
 *   <li>{@code park.offline}: an online session ended, with {@code data.reason} (peer_closed, idle,
 *   drain, server_stop, slow_consumer, ...) and {@code detail}; not when a newer session of the same
 *   park took over (reason takeover: the park stayed online);</li>
 *   <li>{@code park.flapping}: more sessions opened within the flapping window than allowed.</li>
 * </ul>
 * Ids are {@code <type>:<parkId>:<session epoch>}. Handed over without waiting (a session never
 * waits for the outbox); failures are counted by the notifier's metrics.
 */
public final class LifecycleNotifications implements SessionEvents {

  private final Notifier notifier;

  public LifecycleNotifications(Notifier notifier) {
    this.notifier = notifier;
  }

  @Override
  public void event(ParkEvent event) {
    Notification n = of(event);
    if (n != null) {
      notifier.notify(n); // counted (queued, failed, dropped) by the notifier
    }
  }

  /** The notification for {@code event}, or null when it is none. */
  public static Notification of(ParkEvent event) {
    JsonObject f = event.fields();
    long epoch = f.getLong("epoch", 0L);
    JsonObject data = new JsonObject().put("epoch", epoch);
    copy(f, data, "node", "protocol", "remoteAddress");
    String type;
    switch (event.type()) {
      case ParkEvent.OPENED -> {
        type = "park.online";
        if (f.getJsonObject("replaced") != null) {
          data.put("replaced", f.getJsonObject("replaced"));
        }
      }
      case ParkEvent.CLOSED -> {
        if (!f.getBoolean("wasOnline", false) || "takeover".equals(f.getString("reason"))) {
          return null;
        }
        type = "park.offline";
        copy(f, data, "reason", "detail", "failedPending");
      }
      case ParkEvent.FLAPPING -> {
        type = "park.flapping";
        copy(f, data, "sessions", "detail");
      }
      default -> {
        return null;
      }
    }
    return new Notification(type + ":" + event.parkId() + ":" + epoch, type, event.at(), event.parkId(), data);
  }

  private static void copy(JsonObject from, JsonObject to, String... keys) {
    for (String k : keys) {
      if (from.containsKey(k)) {
        to.put(k, from.getValue(k));
      }
    }
  }
}
