package io.parkgate.sim;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.PemTrustOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs simulated gate controllers, spread over several verticle instances (event loops). Used by
 * {@code simulate}, the demo, the tests and the benchmarks.
 */
public final class ControllerSimulator extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ControllerSimulator.class);
  private static final long REPORT_EVERY_MS = 10_000;

  private final SimulatorOptions options;
  private final SimulatorStats stats;
  private final int slice;
  private final int slices;
  private final List<SimulatedController> gates = new ArrayList<>();
  private final List<NetClient> clients = new ArrayList<>();

  private ControllerSimulator(SimulatorOptions options, SimulatorStats stats, int slice, int slices) {
    this.options = options;
    this.stats = stats;
    this.slice = slice;
    this.slices = slices;
  }

  /** Deploys the simulator on {@code vertx}; the gates connect in the background. */
  public static Future<SimulatorStats> deploy(Vertx vertx, SimulatorOptions options, boolean report) {
    SimulatorStats stats = new SimulatorStats();
    int slices = Math.max(1, Math.min(options.controllers(), Runtime.getRuntime().availableProcessors()));
    AtomicInteger next = new AtomicInteger();
    Future<String> deployed = vertx.deployVerticle(() -> new ControllerSimulator(options, stats, next.getAndIncrement(), slices),
        new DeploymentOptions().setInstances(slices));
    if (report) {
      vertx.setPeriodic(REPORT_EVERY_MS, t -> LOG.info("simulator: {}/{} gates online, {} answers sent, {} reconnects,"
              + " {} payments opened, {} opened twice, {} closed for a silent server, {} events stored ({} waiting,"
              + " acknowledged in {} ms at p50, {} ms at p99)",
          stats.connected(), options.controllers(), stats.answered(), stats.disconnects(), stats.openings.size(),
          stats.openedTwice(), stats.silentServerCloses(), stats.eventsStored(), stats.eventsWaiting(),
          String.format("%.1f", stats.eventAckMs(0.5)), String.format("%.1f", stats.eventAckMs(0.99))));
    }
    return deployed.map(stats);
  }

  @Override
  public Future<?> start() {
    List<String> sources = options.sourceAddresses().isEmpty() ? java.util.Collections.singletonList(null)
        : options.sourceAddresses();
    for (String source : sources) {
      clients.add(vertx.createNetClient(clientOptions(source)));
    }
    int n = 0;
    for (int i = 1 + slice; i <= options.controllers(); i += slices) {
      SimulatedController gate = new SimulatedController(vertx, clients.get(n++ % clients.size()), options, options.parkId(i), stats);
      gates.add(gate);
      gate.connect();
    }
    return Future.succeededFuture();
  }

  private NetClientOptions clientOptions(String localAddress) {
    NetClientOptions clientOptions = new NetClientOptions().setTcpNoDelay(true).setConnectTimeout(5_000);
    if (localAddress != null) {
      clientOptions.setLocalAddress(localAddress);
    }
    if (options.tlsTrust() != null) {
      clientOptions.setSsl(true).setHostnameVerificationAlgorithm("")
          .setTrustOptions(new PemTrustOptions().addCertPath(options.tlsTrust()));
    }
    return clientOptions;
  }

  @Override
  public Future<?> stop() {
    gates.forEach(SimulatedController::stop);
    return Future.join(clients.stream().map(NetClient::close).toList());
  }
}
