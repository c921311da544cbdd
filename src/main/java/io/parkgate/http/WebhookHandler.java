package io.parkgate.http;

import io.parkgate.bus.ErrorCode;
import io.parkgate.bus.GatewayException;
import io.parkgate.webhook.Delivery;
import io.parkgate.webhook.DeliveryState;
import io.parkgate.webhook.WebhookOutbox;
import io.parkgate.webhook.Webhooks;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** The webhooks' read side: deliveries by state (dead letters first of all) and re-sending one. */
final class WebhookHandler {

  static final int MAX_PAGE = 500;

  private final Webhooks webhooks;

  WebhookHandler(Webhooks webhooks) {
    this.webhooks = webhooks;
  }

  void handleList(RoutingContext ctx, int limit) {
    String raw = ctx.request().getParam("state", "failed");
    DeliveryState state;
    try {
      state = DeliveryState.fromWire(raw);
    } catch (IllegalArgumentException e) {
      throw ApiVerticle.badRequest("state must be one of pending, delivered, failed, resent");
    }
    String after = ctx.request().getParam("after");
    if (after != null && Delivery.parseId(after) == null) {
      throw ApiVerticle.badRequest("after must be a delivery id (the next of the previous page)");
    }
    webhooks.list(state, after, limit).onSuccess(page -> {
      JsonArray items = new JsonArray();
      page.items().forEach(d -> items.add(d.toApiJson()));
      ApiVerticle.json(ctx, 200, new JsonObject().put("items", items).put("next", page.next()));
    }).onFailure(ctx::fail);
  }

  void handleResend(RoutingContext ctx, String id) {
    if (Delivery.parseId(id) == null) {
      throw ApiVerticle.badRequest("deliveryId must be a delivery id (subscription~parkId~seq, as listed)");
    }
    webhooks.resend(id).onSuccess(copy -> {
      if (copy == null) {
        ctx.fail(new GatewayException(ErrorCode.NOT_FOUND, "no delivery " + id));
      } else {
        ApiVerticle.json(ctx, 200, copy.toApiJson().put("resentFrom", id));
      }
    }).onFailure(e -> ctx.fail(e instanceof WebhookOutbox.NotResendable n
        ? new GatewayException(ErrorCode.DELIVERY_NOT_FAILED, n.getMessage(),
            new JsonObject().put("state", n.delivery().state().wire()))
        : e));
  }
}
