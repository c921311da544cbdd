package io.parkgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.parkgate.sim.ControllerSimulator;
import io.parkgate.sim.SimulatorOptions;
import io.parkgate.sim.SimulatorStats;
import io.parkgate.testing.OneNode;
import io.parkgate.testing.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import io.vertx.junit5.VertxExtension;

/**
 * Controller-side liveness (docs/protocol.md §5): the node freezes or its side of the network goes
 * silent, the socket stays open, and the controller must notice by itself that nothing arrives.
 * A relay between the simulator and a real node stops forwarding the node's bytes without closing
 * anything, as a SIGSTOPped node's kernel or a one-way drop would.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ControllerLivenessTest {

  private static final long HEARTBEAT_MS = 300;
  /** The simulator's first reconnect waits at most the initial backoff (protocol.md §9). */
  private static final long FIRST_BACKOFF_MS = 200;

  @RegisterExtension
  static final OneNode NODE = OneNode.of(b -> b.heartbeatIntervalMs(HEARTBEAT_MS));

  @Test
  void aControllerReconnectsWithinThreeHeartbeatsWhenTheNodeSendsNothingButKeepsTheSocketOpen(Vertx vertx) {
    // GIVEN a simulated gate connected to a real node through a relay
    Relay relay = TestNodes.await(Relay.start(vertx, NODE.node().controllerPort()));
    SimulatorStats gate = TestNodes.await(ControllerSimulator.deploy(vertx, new SimulatorOptions("127.0.0.1",
        relay.port(), 1, "live", 800, 0, Set.of(), 0, TestNodes.TOKEN_SECRET, false), false));
    assertThat(TestNodes.poll(Duration.ofSeconds(10), () -> gate.connected() == 1)).as("gate online").isTrue();
    assertThat(relay.accepted.get()).isEqualTo(1);

    // WHEN the node's bytes stop reaching the gate, the socket left open both ways
    long stoppedAt = System.nanoTime();
    relay.muteOpenConnections();

    // THEN the gate closes and connects again within 3 intervals plus its backoff (and a slack of
    // one interval for a loaded machine), not before 2 intervals of silence
    long boundMs = 3 * HEARTBEAT_MS + FIRST_BACKOFF_MS + HEARTBEAT_MS;
    assertThat(TestNodes.poll(Duration.ofMillis(4 * boundMs), () -> relay.accepted.get() == 2))
        .as("the gate reconnected by itself").isTrue();
    long tookMs = (System.nanoTime() - stoppedAt) / 1_000_000;
    assertThat(tookMs).as("ms from the node going silent to the new connection")
        .isLessThanOrEqualTo(boundMs).isGreaterThanOrEqualTo(2 * HEARTBEAT_MS);
    assertThat(gate.silentServerCloses()).isEqualTo(1);
    // and the new connection, which the relay forwards, comes online
    assertThat(TestNodes.poll(Duration.ofSeconds(10), () -> gate.connected() == 1)).as("online again").isTrue();
  }

  /** A TCP relay to the node that can stop forwarding the node's bytes on the connections it has. */
  private static final class Relay {
    final AtomicInteger accepted = new AtomicInteger();
    private final java.util.List<AtomicBoolean> forwarding = new java.util.concurrent.CopyOnWriteArrayList<>();
    private NetServer server;

    /** From now on, the node's bytes on every connection open so far are dropped; nothing is closed. */
    void muteOpenConnections() {
      forwarding.forEach(f -> f.set(false));
    }

    static io.vertx.core.Future<Relay> start(Vertx vertx, int nodePort) {
      Relay relay = new Relay();
      NetClient client = vertx.createNetClient();
      relay.server = vertx.createNetServer().connectHandler(controller -> {
        controller.pause();
        client.connect(nodePort, "127.0.0.1").onSuccess(node -> relay.pipe(controller, node))
            .onFailure(e -> controller.close());
      });
      return relay.server.listen(0, "127.0.0.1").map(relay);
    }

    private void pipe(NetSocket controller, NetSocket node) {
      AtomicBoolean forward = new AtomicBoolean(true);
      forwarding.add(forward);
      controller.handler(node::write);
      node.handler(bytes -> {
        if (forward.get()) {
          controller.write(bytes);
        }
      });
      controller.closeHandler(v -> node.close());
      node.closeHandler(v -> controller.close());
      controller.resume();
      accepted.incrementAndGet();
    }

    int port() {
      return server.actualPort();
    }
  }
}
