package io.parkgate.cluster;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Hazelcast's asynchronous results as Vert.x futures, completed on the calling Vert.x context.
 *
 * <p>Not {@code Future.fromCompletionStage}: it attaches a plain {@code whenComplete}, and
 * Hazelcast runs such callbacks on its default asynchronous executor, which is
 * {@code ForkJoinPool.commonPool()} only when the common pool has a parallelism above 1. On one or
 * two CPUs (a 2-core box, a pod limited to 2 CPUs) it is 1, and Hazelcast then starts a new thread
 * for every callback: a reconnect storm's 20,000 directory claims and releases started 20,000
 * threads from Hazelcast's partition threads (seen in thread dumps, docs/benchmarks.md h). Here the
 * callback is handed straight to the Vert.x context's task queue instead.
 */
public final class HazelcastFutures {

  private HazelcastFutures() {
  }

  /**
   * The outcome of the operation {@code start} begins, delivered on the caller's context (an event
   * loop, normally). An operation that throws at once (the member is shutting down: Hazelcast's
   * {@code HazelcastInstanceNotActiveException}) gives a failed future, not an exception.
   */
  public static <T> Future<T> onCaller(Vertx vertx, Supplier<? extends CompletionStage<T>> start) {
    CompletionStage<T> stage;
    try {
      stage = start.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    Context context = vertx.getOrCreateContext();
    Executor onContext = task -> context.runOnContext(v -> task.run());
    Promise<T> promise = Promise.promise();
    stage.whenCompleteAsync((value, failure) -> {
      if (failure == null) {
        promise.complete(value);
      } else {
        promise.fail(failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure);
      }
    }, onContext);
    return promise.future();
  }
}
