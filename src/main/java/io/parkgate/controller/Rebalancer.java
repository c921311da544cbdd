package io.parkgate.controller;

import io.parkgate.bus.Addresses;
import io.parkgate.bus.BusFailures;
import io.parkgate.bus.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves this node's controllers towards an even spread over the nodes that take controllers,
 * without disturbing a request: a bounded number per second ({@code controllers.rebalance.movesPerSecond})
 * of v1 sessions with nothing in flight are asked to {@code reconnect} (make before break, as the
 * drain does); the balancer sends their new connections where it will. A run starts when a node
 * joins (after {@code joinDelayMs}, once it is ready and in the balancer) or when an operator asks
 * ({@code POST /api/v1/admin/rebalance}, published to every node); each node moves only its own
 * excess over the mean, so the nodes need no coordination. A run ends when this node holds no more
 * than the mean plus {@link #TOLERANCE}, when nothing can move, or after {@link #MAX_ROUNDS} rounds
 * (a balancer that sends controllers back where they were must not make the run endless).
 *
 * <p><b>Evacuation</b> ({@code POST /api/v1/admin/nodes/{nodeId}/evacuate}): the node turns new
 * controllers away and moves all of its own at the same rate (legacy ones are closed when idle,
 * they reconnect by themselves), until it holds none or the operator cancels; it keeps serving
 * HTTP. The others stop counting it as a place for controllers.
 *
 * <p>Rounds run one at a time on this verticle's event loop; the counts come from the directory.
 */
public final class Rebalancer extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(Rebalancer.class);
  /** A node within this share above the mean is balanced. */
  static final double TOLERANCE = 0.05;
  static final int MAX_ROUNDS = 60;
  static final long ROUND_MS = 1_000;
  static final long WATCH_MS = 2_000;

  /**
   * What a round needs to know.
   *
   * @param held     online parks per node, from the directory
   * @param eligible nodes that take controllers now (listening, not draining, not evacuating)
   */
  public record Spread(Map<String, Long> held, Set<String> eligible) {
  }

  private final String nodeId;
  private final List<ControllerVerticle> controllers;
  private final Supplier<Future<Spread>> spread;
  private final Consumer<Boolean> evacuatingFlag;
  private final boolean onJoin;
  private final int movesPerSecond;
  private final long joinDelayMs;
  private final List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();
  private Set<String> lastEligible = Set.of();
  private boolean running;
  private boolean again;
  private boolean evacuating;
  private String reason = "rebalance";

  /**
   * @param evacuatingFlag told when this node starts or stops evacuating (readiness reports it)
   */
  public Rebalancer(String nodeId, List<ControllerVerticle> controllers, Supplier<Future<Spread>> spread,
      Consumer<Boolean> evacuatingFlag, boolean onJoin, int movesPerSecond, long joinDelayMs) {
    this.nodeId = nodeId;
    this.controllers = controllers;
    this.spread = spread;
    this.evacuatingFlag = evacuatingFlag;
    this.onJoin = onJoin;
    this.movesPerSecond = movesPerSecond;
    this.joinDelayMs = joinDelayMs;
  }

  @Override
  public Future<?> start() {
    MessageConsumer<JsonObject> all = vertx.eventBus().consumer(Addresses.rebalance(), m -> {
      start("operator request");
      m.reply(new JsonObject().put("node", nodeId));
    });
    MessageConsumer<JsonObject> own = vertx.eventBus().consumer(Addresses.rebalance(nodeId), m -> {
      if (!"evacuate".equals(m.body().getString("op"))) {
        BusFailures.fail(m, ErrorCode.BAD_REQUEST, "unknown op");
        return;
      }
      evacuate(m.body().getBoolean("on", true));
      m.reply(new JsonObject().put("node", nodeId).put("evacuating", evacuating));
    });
    consumers.add(all);
    consumers.add(own);
    if (onJoin) {
      vertx.setPeriodic(WATCH_MS, t -> watchForJoins());
    }
    return Future.all(all.completion(), own.completion());
  }

  /** A node that was not there at the last look takes controllers now: even out, once it is settled. */
  private void watchForJoins() {
    spread.get().onSuccess(s -> {
      Set<String> joined = new HashSet<>(s.eligible());
      joined.removeAll(lastEligible);
      boolean first = lastEligible.isEmpty();
      lastEligible = s.eligible();
      if (!first && !joined.isEmpty() && !joined.contains(nodeId)) {
        LOG.info("node(s) {} joined: rebalancing controllers in {} ms", joined, joinDelayMs);
        vertx.setTimer(Math.max(1, joinDelayMs), t -> start("node joined"));
      }
    });
  }

  private void evacuate(boolean on) {
    if (on == evacuating) {
      return;
    }
    evacuating = on;
    evacuatingFlag.accept(on);
    controllers.forEach(c -> c.evacuating(on));
    LOG.atWarn().setMessage(on ? "evacuating: new controllers are turned away, held ones moved at {}/s"
        : "evacuation cancelled: controllers are welcome again").addArgument(movesPerSecond).log();
    if (on) {
      start("evacuation");
    }
  }

  private void start(String why) {
    if (running) {
      again = true; // one more run once this one ends, with fresh counts
      return;
    }
    running = true;
    again = false;
    reason = why;
    round(1);
  }

  private void round(int n) {
    spread.get().compose(s -> {
      long total = s.held().values().stream().mapToLong(Long::longValue).sum();
      long mine = s.held().getOrDefault(nodeId, 0L);
      int nodes = s.eligible().size();
      long excess;
      if (evacuating || !s.eligible().contains(nodeId)) {
        excess = mine;
      } else if (nodes == 0) {
        excess = 0;
      } else {
        long mean = (total + nodes - 1) / nodes;
        excess = mine > mean + Math.max(1, Math.round(mean * TOLERANCE)) ? mine - mean : 0;
      }
      if (excess <= 0) {
        return Future.succeededFuture(-1);
      }
      return moveUpTo(excess);
    }).onComplete(ar -> {
      int asked = ar.succeeded() ? ar.result() : 0;
      if (ar.failed()) {
        LOG.debug("rebalance round failed: {}", ar.cause().toString());
      }
      boolean balanced = ar.succeeded() && asked < 0;
      boolean stuck = asked == 0 && !evacuating;
      if (balanced || stuck || (n >= MAX_ROUNDS && !evacuating) || (evacuating && balanced)) {
        if (n > 1 || asked > 0) {
          LOG.info("rebalance ({}) ended after {} rounds: {}", reason, n,
              balanced ? "balanced" : stuck ? "nothing more can move" : "round limit");
        }
        running = false;
        if (again) {
          start(reason);
        }
        return;
      }
      vertx.setTimer(ROUND_MS, t -> round(n + 1));
    });
  }

  /**
   * Asks up to this round's share of the excess to move, across the instances; sessions asked
   * earlier and still here count against it (no overshoot while controllers are on their way).
   * Completes with how many are moving (0: none could).
   */
  private Future<Integer> moveUpTo(long excess) {
    long budget = Math.min(excess, movesPerSecond * ROUND_MS / 1000);
    List<Future<ControllerVerticle.Moves>> moves = new ArrayList<>();
    int share = (int) Math.max(1, (budget + controllers.size() - 1) / controllers.size());
    for (ControllerVerticle c : controllers) {
      moves.add(c.move(share, evacuating ? "evacuate" : "rebalance", evacuating));
    }
    return Future.all(moves).map(all -> {
      int asked = 0;
      int pending = 0;
      for (Future<ControllerVerticle.Moves> f : moves) {
        asked += f.result().asked();
        pending += f.result().pending();
      }
      LOG.debug("rebalance: {} over the mean, {} asked to move, {} on their way", excess, asked, pending);
      return asked + pending; // 0: nothing can move; sessions on their way are waited for
    });
  }

  @Override
  public Future<?> stop() {
    return Future.join(consumers.stream().map(MessageConsumer::unregister).toList());
  }
}
