package io.parkgate.testing;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A webhook receiver on a real HTTP port, on a Vert.x of its own: it answers 200, 500 or never
 * (as told), can go down (stop listening) and come back on the same port, and records every POST.
 */
public final class TestReceiver implements AutoCloseable {

  /** How it answers. */
  public enum Mode { OK, FAIL, HANG }

  /** One POST as received: the headers parkgate signs with, the raw body, when, and the status answered (0: none). */
  public record Received(String timestamp, String signature, String eventId, String delivery, String attempt,
      String body, long atNanos, int status) {
    public JsonObject json() {
      return new JsonObject(body);
    }
  }

  private final Vertx vertx = Vertx.vertx();
  private final AtomicReference<Mode> mode = new AtomicReference<>(Mode.OK);
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private HttpServer server;
  private int port;

  private TestReceiver() {
  }

  /** A receiver listening on a free port, answering 200. */
  public static TestReceiver start() {
    TestReceiver r = new TestReceiver();
    r.listen(0);
    return r;
  }

  private void listen(int on) {
    server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      Mode now = mode.get();
      received.add(new Received(req.getHeader("Parkgate-Timestamp"), req.getHeader("Parkgate-Signature"),
          req.getHeader("Parkgate-Event-Id"), req.getHeader("Parkgate-Delivery"), req.getHeader("Parkgate-Attempt"),
          body.toString(), System.nanoTime(), now == Mode.OK ? 200 : now == Mode.FAIL ? 500 : 0));
      switch (now) {
        case OK -> req.response().setStatusCode(200).end();
        case FAIL -> req.response().setStatusCode(500).end("receiver failing");
        case HANG -> { } // never answers: parkgate's timeout must end it
      }
    }));
    port = TestNodes.await(server.listen(on, "127.0.0.1")).actualPort();
  }

  public String url() {
    return "http://127.0.0.1:" + port + "/hook";
  }

  public void mode(Mode m) {
    mode.set(m);
  }

  /** Stops listening: connections are refused, as for a receiver that is down. */
  public void down() {
    TestNodes.await(server.close());
  }

  /** Listens again on the same port. */
  public void up() {
    listen(port);
  }

  /** The ids of the notifications answered 200, in order of first arrival. */
  public java.util.Set<String> answeredIds() {
    java.util.Set<String> ids = new java.util.LinkedHashSet<>();
    received.stream().filter(r -> r.status() == 200).forEach(r -> ids.add(r.eventId()));
    return ids;
  }

  public List<Received> received() {
    return List.copyOf(received);
  }

  @Override
  public void close() {
    TestNodes.await(vertx.close());
  }
}
