package io.parkgate.device;

import io.parkgate.config.ParkgateConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns controller sockets: accepts connections, runs one {@link DeviceSession} per socket and sweeps
 * them for hello and idle deadlines. Several instances share one port; each owns the sessions it
 * accepted, so session state never crosses event loops.
 */
public final class DeviceVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(DeviceVerticle.class);

  private final ParkgateConfig config;
  private final int port;
  private final Set<DeviceSession> sessions = new HashSet<>();
  private final DeviceStats stats = new DeviceStats();
  private NetServer server;
  private long sweepTimer = -1;

  /**
   * @param port the port to listen on; a negative port is a random port shared by every instance
   *             asking for the same negative value
   */
  public DeviceVerticle(ParkgateConfig config, int port) {
    this.config = config;
    this.port = port;
  }

  @Override
  public Future<?> start() {
    long sweepMs = Math.max(20, Math.min(1000,
        Math.min(config.idleTimeoutMs(), config.helloTimeoutMs()) / 10));
    sweepTimer = vertx.setPeriodic(sweepMs, t -> sweep());
    server = vertx.createNetServer(new NetServerOptions()
        .setTcpNoDelay(true)
        .setTcpKeepAlive(true)
        .setAcceptBacklog(4096));
    server.connectHandler(this::handleConnect);
    return server.listen(port, config.bindHost());
  }

  /** The port this instance listens on, once started. */
  public int actualPort() {
    return server.actualPort();
  }

  private void handleConnect(NetSocket socket) {
    DeviceSession session = new DeviceSession(vertx, config, socket, stats);
    sessions.add(session);
    session.start(() -> sessions.remove(session));
  }

  private void sweep() {
    long now = System.nanoTime();
    for (DeviceSession session : new ArrayList<>(sessions)) {
      session.checkDeadlines(now);
    }
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(sweepTimer);
    Future<Void> closed = server == null ? Future.succeededFuture() : server.close();
    for (DeviceSession session : new ArrayList<>(sessions)) {
      session.close(DeviceSession.CloseReason.SERVER_STOP, null);
    }
    if (!sessions.isEmpty()) {
      LOG.warn("{} sessions still registered after stop", sessions.size());
    }
    return closed;
  }
}
