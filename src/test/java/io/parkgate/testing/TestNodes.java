package io.parkgate.testing;

import io.parkgate.ParkgateNode;
import io.parkgate.config.ParkgateConfig;
import io.parkgate.security.ApiKeys;
import java.time.Duration;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/** Starts real clustered nodes on free ports, each test class in a cluster of its own. */
public final class TestNodes {

  private TestNodes() {
  }

  /** Defaults for tests: free ports, loopback, two instances per listener, a fresh cluster. */
  public static ParkgateConfig.Builder config(String clusterName) {
    return ParkgateConfig.builder()
        .bindHost("127.0.0.1")
        .httpPort(0)
        .controllerPort(0)
        .instances(2)
        .tokenSecret(TOKEN_SECRET)
        .apiKeys(ApiKeys.entry("tests", API_KEY, ApiKeys.SCOPES))
        .clusterName(clusterName);
  }

  /** An API key with every scope, accepted by every test node; {@link Http} sends it by default. */
  public static final String API_KEY = "pk_test-key-with-all-scopes";

  /** The controller token secret every test node uses. */
  public static final String TOKEN_SECRET = "test-secret-0123456789abcdef";

  public static String newClusterName() {
    return "parkgate-test-" + UUID.randomUUID();
  }

  public static ParkgateNode start(ParkgateConfig config) {
    return await(ParkgateNode.start(config));
  }

  public static void close(ParkgateNode node) {
    if (node != null) {
      await(node.close());
    }
  }

  /** Waits for a future from the test thread, at most 30 s. */
  public static <T> T await(io.vertx.core.Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Polls {@code condition} until it holds or the deadline passes; returns whether it held. */
  public static boolean poll(Duration within, BooleanSupplier condition) {
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
    }
    return condition.getAsBoolean();
  }
}
