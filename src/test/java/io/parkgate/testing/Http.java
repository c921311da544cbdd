package io.parkgate.testing;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** A small HTTP client for tests: every call is bounded and records how long it took. */
public final class Http {

  /** One answer: status, JSON body, and the time from send to complete body. */
  public record Response(int status, JsonObject json, long elapsedMs, java.net.http.HttpHeaders headers) {
    public String error() {
      return json == null ? null : json.getString("error");
    }

    /** A response header, or null. */
    public String header(String name) {
      return headers == null ? null : headers.firstValue(name).orElse(null);
    }
  }

  private final HttpClient client = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .build();
  private final int port;
  private final String apiKey;

  /** A client that sends the test API key (all scopes). */
  public Http(int port) {
    this(port, TestNodes.API_KEY);
  }

  /** A client that sends {@code apiKey}, or no Authorization header when it is null. */
  public Http(int port, String apiKey) {
    this.port = port;
    this.apiKey = apiKey;
  }

  public CompletableFuture<Response> getAsync(String path) {
    return send(HttpRequest.newBuilder(uri(path)).GET());
  }

  public CompletableFuture<Response> postAsync(String path, String body) {
    return send(HttpRequest.newBuilder(uri(path)).header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  public Response get(String path) {
    return getAsync(path).join();
  }

  public Response post(String path, String body) {
    return postAsync(path, body).join();
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  private CompletableFuture<Response> send(HttpRequest.Builder request) {
    if (apiKey != null) {
      request.header("Authorization", "Bearer " + apiKey);
    }
    long start = System.nanoTime();
    return client.sendAsync(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString())
        .thenApply(r -> new Response(r.statusCode(), parse(r.body()), (System.nanoTime() - start) / 1_000_000, r.headers()));
  }

  private static JsonObject parse(String body) {
    try {
      return body == null || body.isEmpty() ? null : new JsonObject(body);
    } catch (RuntimeException e) {
      return new JsonObject().put("unparsed", body);
    }
  }
}
