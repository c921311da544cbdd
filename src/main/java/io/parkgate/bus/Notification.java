package io.parkgate.bus;

import io.vertx.core.json.JsonObject;

/**
 * Something an application may want to hear of, as a webhook delivers it: a payment's state
 * change, a park's lifecycle change, or an event its gate reported.
 *
 * @param id         unique and stable: the same happening always has the same id, so a receiver
 *                   that sees an id twice (delivery is at least once) can drop the repeat
 * @param type       e.g. {@code payment.confirmed}, {@code park.offline}, {@code vehicle.entered}
 * @param occurredAt epoch milliseconds
 * @param parkId     the park it concerns; deliveries keep the order of notifications per park
 * @param data       the type's own fields; never null
 */
public record Notification(String id, String type, long occurredAt, String parkId, JsonObject data) {

  public Notification {
    data = data == null ? new JsonObject() : data;
  }
}
