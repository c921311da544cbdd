package io.parkgate.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The tests' PostgreSQL, started by {@code scripts/test-env} (which {@code scripts/test}, the
 * README's test command, runs first): its URI and password from PARKGATE_TEST_POSTGRES_URI /
 * PARKGATE_TEST_POSTGRES_PASSWORD, or from the connection file the script writes. Without one, a
 * test that needs it fails under CI (CI=true) and is skipped, saying why, elsewhere.
 */
public final class TestPostgres {

  private static final Path DIR = Path.of(System.getenv().getOrDefault("PARKGATE_TEST_PG_DIR", "/tmp/parkgate-test-pg"));

  private TestPostgres() {
  }

  /** URI and password; fails or skips the calling test when there is no test database. */
  public static Map<String, String> require() {
    Map<String, String> found = new HashMap<>();
    String uri = System.getenv("PARKGATE_TEST_POSTGRES_URI");
    String password = System.getenv("PARKGATE_TEST_POSTGRES_PASSWORD");
    Path file = DIR.resolve("connection.env");
    if (uri == null && Files.isReadable(file)) {
      try {
        for (String line : Files.readAllLines(file)) {
          int eq = line.indexOf('=');
          if (eq > 0) {
            found.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
          }
        }
      } catch (IOException e) {
        throw new IllegalStateException("cannot read " + file, e);
      }
      uri = found.get("PARKGATE_TEST_POSTGRES_URI");
      password = found.get("PARKGATE_TEST_POSTGRES_PASSWORD");
    }
    if (uri == null) {
      String why = "no test PostgreSQL: run scripts/test-env first (scripts/test does)";
      if ("true".equals(System.getenv("CI"))) {
        throw new IllegalStateException(why);
      }
      Assumptions.abort(why);
    }
    return Map.of("uri", uri, "password", password == null ? "" : password);
  }

  /**
   * A postgres payment store on the tests' database (schema migrated), with a short store timeout
   * and an hour's retention; waits at most 30 s. Skips or fails as {@link #require} does.
   */
  public static io.parkgate.payments.PostgresPaymentStore startPaymentStore(io.vertx.core.Vertx vertx) throws Exception {
    return (io.parkgate.payments.PostgresPaymentStore) io.parkgate.payments.PostgresPaymentStore
        .start(vertx, uri(), password(), 4, 5_000, 3_600_000)
        .toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
  }

  public static String uri() {
    return require().get("uri");
  }

  public static String password() {
    return require().get("password");
  }

  /**
   * Freezes (SIGSTOP) or thaws (SIGCONT) the test server: its postmaster and every backend, so a
   * statement already sent waits, unanswered, on an open connection, as with a frozen database
   * host; after a thaw it runs. Callers thaw in a {@code finally}.
   */
  public static void freeze(boolean frozen) {
    try {
      String pid = java.nio.file.Files.readAllLines(DIR.resolve("data/postmaster.pid")).get(0).trim();
      String signal = frozen ? "-STOP" : "-CONT";
      run("pkill", signal, "-P", pid);
      run("kill", signal, pid);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void run(String... command) throws IOException {
    Process p = new ProcessBuilder(command).inheritIO().start();
    try {
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + " did not finish");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Stops or starts the test server ({@code scripts/test-env stop|start}), bounded. */
  public static void control(String action) {
    try {
      Process p = new ProcessBuilder("scripts/test-env", action).inheritIO().start();
      if (!p.waitFor(90, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IllegalStateException("scripts/test-env " + action + " failed");
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
