package io.parkgate.http;

import io.vertx.ext.web.Router;

/** The operator console at {@code /console/}: static files packaged in the jar (see docs/console.md). */
final class Console {

  private Console() {
  }

  /** Adds the console's routes (no HTTP method: they are not API operations). */
  static void mount(Router router) {
    router.route("/console").handler(ctx -> ctx.redirect("/console/"));
  }
}
