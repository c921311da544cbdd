package io.parkgate.http;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * The operator console at {@code /console/}: static files packaged in the jar under
 * {@code console/} (see docs/console.md). The page holds no data and no key: it calls the API
 * with the key the operator typed, so these routes need none.
 */
final class Console {

  /**
   * The classpath directory of the console's files (src/main/resources/io/parkgate/console). Vert.x
   * looks in the working directory before the classpath: a path this specific keeps a stray
   * {@code console/} folder beside the jar from being served instead.
   */
  static final String WEB_ROOT = "io/parkgate/console";

  /**
   * Only this origin's files, no inline script or style, no frames, no plugins: park IDs and
   * remote addresses shown by the console come from controllers, and must never run as code.
   */
  static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
      + "img-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
      + "frame-ancestors 'none'";

  private Console() {
  }

  /** Adds the console's routes (no HTTP method: they are not API operations). */
  static void mount(Router router) {
    // an exact route also matches "/console/": only the bare path is redirected
    router.route("/console").handler(ctx -> {
      if ("/console".equals(ctx.normalizedPath())) {
        ctx.redirect("/console/");
      } else {
        ctx.next();
      }
    });
    router.route("/console/*")
        .handler(Console::securityHeaders)
        // no directory listing (the default) and no hidden files; every load revalidates
        // (no-cache below, Last-Modified from the handler), so a new version shows at once
        .handler(StaticHandler.create(WEB_ROOT).setIndexPage("index.html").setDefaultContentEncoding("UTF-8"));
  }

  private static void securityHeaders(RoutingContext ctx) {
    ctx.response()
        .putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Cache-Control", "no-cache")
        .putHeader("Referrer-Policy", "no-referrer")
        .putHeader("X-Frame-Options", "DENY");
    ctx.next();
  }
}
