package io.parkgate.webhook;

import io.parkgate.bus.Addresses;
import io.parkgate.metrics.LogLimit;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.codec.BodyCodec;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the deliveries of the queues this node owns ({@link QueueOwners}): at least once, one at a
 * time per queue (subscription + park) in queue order, at most {@code concurrency} POSTs in flight
 * per subscription on this node. One instance per node, on its own event loop; nothing here waits on
 * the request path of the API or of a gate.
 *
 * <p>A queue runs when its owner is poked ({@link Addresses#webhooks}) or its scan (every
 * {@link #SCAN_MS}) finds it pending. A run reads the queue's head; if it is due, POSTs it
 * (signed, {@link WebhookSignature}), bounded by {@code timeoutMs}; a 2xx marks it delivered and the
 * queue goes on with the next one; anything else sets its next attempt after an exponential backoff
 * with jitter ({@code firstRetryMs} doubling up to {@code maxBackoffMs}; a random half of it
 * waived), or dead-letters it once {@code maxRetryMs} has passed since it was queued (the queue then
 * goes on). Memory holds one small state per active queue and the names of queues waiting for a
 * slot, never deliveries: they stay in the outbox.
 */
public final class WebhookDeliverer extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(WebhookDeliverer.class);
  /** How often a node looks for pending queues it owns (moved to it, poke lost, timers of a dead node). */
  static final long SCAN_MS = 1_000;
  /** A numbered delivery still missing after this long was never written (its writer failed or died). */
  private final long gapMs;

  /** Settings of delivery. */
  public record Options(long timeoutMs, int concurrency, long firstRetryMs, long maxBackoffMs, long maxRetryMs,
      long storeTimeoutMs) {
  }

  /** A subscription's target: where, how it signs, its own connection pool, and its slots. */
  private static final class Target {
    final WebhookSubscription subscription;
    final String secret;
    final WebClient client;
    int inFlight;
    final ArrayDeque<String> waiting = new ArrayDeque<>();

    Target(WebhookSubscription subscription, String secret, WebClient client) {
      this.subscription = subscription;
      this.secret = secret;
      this.client = client;
    }
  }

  /** One queue's state on this node. */
  private static final class Run {
    final QueueRef queue;
    boolean running;
    boolean waiting;
    boolean again;
    long timer = -1;
    long missingSince;
    long missingSeq;

    Run(QueueRef queue) {
      this.queue = queue;
    }
  }

  /** How a run ended: go on at once, nothing to do, try again after a wait, or not ours. */
  private record Step(long waitMs) {
    static final Step NEXT = new Step(0);
    static final Step IDLE = new Step(-1);
    static final Step GONE = new Step(-2);
  }

  private final List<WebhookSubscription> subscriptions;
  private final WebhookSecrets secrets;
  private final WebhookOutbox outbox;
  private final QueueOwners owners;
  private final WebhookMetrics metrics;
  private final Options options;
  private final Map<String, Target> targets = new HashMap<>();
  private final Map<String, Run> runs = new HashMap<>();
  private final Set<String> unknownSubscriptions = new HashSet<>();
  private final LogLimit storeFailures = new LogLimit(10, TimeUnit.SECONDS);
  private MessageConsumer<JsonObject> consumer;
  private boolean scanning;

  public WebhookDeliverer(List<WebhookSubscription> subscriptions, WebhookSecrets secrets, WebhookOutbox outbox,
      QueueOwners owners, WebhookMetrics metrics, Options options) {
    this.subscriptions = List.copyOf(subscriptions);
    this.secrets = secrets;
    this.outbox = outbox;
    this.owners = owners;
    this.metrics = metrics;
    this.options = options;
    this.gapMs = 2 * options.storeTimeoutMs() + 1_000;
  }

  @Override
  public Future<?> start() {
    for (WebhookSubscription s : subscriptions) {
      WebClientOptions client = new WebClientOptions().setConnectTimeout((int) options.timeoutMs())
          .setIdleTimeout((int) Math.max(1, options.timeoutMs() / 1000)).setIdleTimeoutUnit(TimeUnit.SECONDS)
          .setKeepAlive(true).setUserAgent("parkgate-webhooks").setFollowRedirects(false);
      // one pool per subscription, as big as its slots: a slow receiver holds only its own connections;
      // a request abandoned at its deadline may still hold one, so a small bounded wait queue
      PoolOptions pool = new PoolOptions().setHttp1MaxSize(options.concurrency())
          .setMaxWaitQueueSize(options.concurrency());
      targets.put(s.name(), new Target(s, secrets.get(s.secretName()), WebClient.create(vertx, client, pool)));
    }
    consumer = vertx.eventBus().consumer(Addresses.webhooks(owners.self()), m -> {
      QueueRef queue = QueueRef.ofKey(m.body().getString("queue"));
      if (queue != null) {
        schedule(queue);
      }
    });
    vertx.setPeriodic(SCAN_MS, t -> scan());
    return consumer.completion();
  }

  @Override
  public Future<?> stop() {
    targets.values().forEach(t -> t.client.close());
    return consumer.unregister();
  }

  private void scan() {
    if (scanning) {
      return;
    }
    scanning = true;
    outbox.work(owners::ownedHere).onComplete(ar -> {
      scanning = false;
      if (ar.failed()) {
        storeFailed(null, ar.cause());
        return;
      }
      long pending = 0;
      for (WebhookOutbox.Work w : ar.result()) {
        pending += w.pending();
        if (!runs.containsKey(w.queue().key())) {
          schedule(w.queue());
        }
      }
      metrics.pending(pending);
    });
  }

  /** The queue has (or may have) work: run it now, or after the run in progress, or when a slot frees. */
  private void schedule(QueueRef queue) {
    LOG.debug("webhook queue {}: scheduled", queue.key());
    Target target = targets.get(queue.subscription());
    if (target == null) {
      if (unknownSubscriptions.add(queue.subscription())) {
        LOG.warn("webhook deliveries queued for the subscription {}, which is no longer configured: they stay"
            + " pending (configure it again to deliver them)", queue.subscription());
      }
      return;
    }
    Run run = runs.computeIfAbsent(queue.key(), k -> new Run(queue));
    if (run.running || run.waiting) {
      run.again = true;
      return;
    }
    if (run.timer != -1) {
      vertx.cancelTimer(run.timer);
      run.timer = -1;
    }
    if (target.inFlight < options.concurrency()) {
      target.inFlight++;
      start(target, run);
    } else {
      run.waiting = true;
      target.waiting.add(queue.key());
    }
  }

  private void start(Target target, Run run) {
    run.running = true;
    run.again = false;
    step(target, run).otherwise(e -> {
      storeFailed(run.queue, e);
      return new Step(SCAN_MS);
    }).onSuccess(step -> finished(target, run, step));
  }

  private void finished(Target target, Run run, Step step) {
    run.running = false;
    target.inFlight--;
    String next = target.waiting.poll();
    if (next != null) {
      Run waiting = runs.get(next);
      if (waiting != null) {
        waiting.waiting = false;
        target.inFlight++;
        start(target, waiting);
      }
    }
    if (step == Step.GONE) {
      runs.remove(run.queue.key(), run);
    } else if (step == Step.NEXT || (step == Step.IDLE && run.again)) {
      schedule(run.queue); // behind the queues waiting for a slot: one busy park cannot take them all
    } else if (step == Step.IDLE) {
      runs.remove(run.queue.key(), run);
    } else {
      run.timer = vertx.setTimer(Math.max(1, step.waitMs()), t -> {
        run.timer = -1;
        schedule(run.queue);
      });
    }
  }

  private Future<Step> step(Target target, Run run) {
    if (!owners.ownedHere(run.queue)) {
      return Future.succeededFuture(Step.GONE); // its partition moved: the new owner's scan takes it
    }
    return outbox.head(run.queue).compose(head -> {
      LOG.debug("webhook queue {}: head {}", run.queue.key(), head);
      long now = System.currentTimeMillis();
      if (head.delivery() == null && head.missingSeq() == 0) {
        return Future.succeededFuture(Step.IDLE);
      }
      if (head.delivery() == null) {
        if (run.missingSeq != head.missingSeq()) {
          run.missingSeq = head.missingSeq();
          run.missingSince = now;
        }
        if (now - run.missingSince < gapMs) {
          return Future.succeededFuture(new Step(Math.min(gapMs, 200)));
        }
        LOG.warn("webhook queue {}: delivery {} was numbered but never written (its writer failed); skipped",
            run.queue.key(), head.missingSeq());
        return outbox.skip(run.queue, head.missingSeq()).map(Step.NEXT);
      }
      Delivery d = head.delivery();
      if (d.nextAttemptAt() > now) {
        return Future.succeededFuture(new Step(d.nextAttemptAt() - now));
      }
      return attempt(target, d);
    });
  }

  private Future<Step> attempt(Target target, Delivery d) {
    Buffer body = Buffer.buffer(d.body());
    long timestamp = System.currentTimeMillis() / 1000;
    return target.client.postAbs(target.subscription.url())
        .timeout(options.timeoutMs())
        .putHeader("content-type", "application/json")
        .putHeader(WebhookSignature.TIMESTAMP_HEADER, Long.toString(timestamp))
        .putHeader(WebhookSignature.SIGNATURE_HEADER, WebhookSignature.sign(target.secret, timestamp, body.getBytes()))
        .putHeader(WebhookSignature.EVENT_ID_HEADER, d.notificationId())
        .putHeader(WebhookSignature.DELIVERY_HEADER, d.id())
        .putHeader(WebhookSignature.ATTEMPT_HEADER, Integer.toString(d.attempts() + 1))
        .as(BodyCodec.none())
        .sendBuffer(body)
        // the request's own timeout ends it; this bounds the wait even if that did not fire
        .timeout(options.timeoutMs() + 1_000, TimeUnit.MILLISECONDS)
        .transform(ar -> recordOutcome(target, d, ar.succeeded() ? ar.result() : null, ar.cause()));
  }

  private Future<Step> recordOutcome(Target target, Delivery d, HttpResponse<Void> response, Throwable failure) {
    long now = System.currentTimeMillis();
    String name = target.subscription.name();
    int status = response == null ? 0 : response.statusCode();
    if (status >= 200 && status < 300) {
      metrics.attempt(name, "delivered");
      metrics.delay(name, now - d.createdAt());
      return outbox.update(d, d.delivered(status, now)).map(Step.NEXT);
    }
    LOG.debug("webhook delivery {}: attempt {} answered {} ({})", d.id(), d.attempts() + 1, status,
        failure == null ? "" : failure.toString());
    String error = response != null ? "HTTP " + status : failure == null ? "no answer" : describe(failure);
    if (now - d.createdAt() >= options.maxRetryMs()) {
      metrics.attempt(name, "dead");
      LOG.atWarn().setMessage("webhook delivery dead-lettered after {} attempts: {}").addArgument(d.attempts() + 1)
          .addArgument(error).addKeyValue("delivery", d.id()).addKeyValue("subscription", name)
          .addKeyValue("notification", d.notificationId()).log();
      return outbox.update(d, d.dead(status, error, now)).map(Step.NEXT);
    }
    metrics.attempt(name, "retried");
    long at = Math.min(d.createdAt() + options.maxRetryMs(), now + backoffMs(d.attempts() + 1));
    return outbox.update(d, d.retryAt(at, status, error)).map(new Step(Math.max(1, at - now)));
  }

  /** Before attempt n + 1: firstRetryMs × 2^(n-1), at most maxBackoffMs, of which a random half is waived. */
  long backoffMs(int failedAttempts) {
    double base = Math.min((double) options.maxBackoffMs(),
        options.firstRetryMs() * Math.pow(2, Math.min(40, failedAttempts - 1)));
    return (long) (base / 2 + ThreadLocalRandom.current().nextDouble() * base / 2);
  }

  private static String describe(Throwable failure) {
    String text = failure.getClass().getSimpleName() + (failure.getMessage() == null ? "" : ": " + failure.getMessage());
    return text.length() > 200 ? text.substring(0, 200) : text;
  }

  private void storeFailed(QueueRef queue, Throwable e) {
    long count = storeFailures.permit();
    if (count > 0) {
      LOG.warn("webhook outbox unavailable: {} failures since the last such line; last{}: {}", count,
          queue == null ? "" : " (queue " + queue.key() + ")", e.getMessage());
    }
  }
}
