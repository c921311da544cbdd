package io.parkgate.testing;

import io.parkgate.ParkgateNode;
import java.util.concurrent.locks.LockSupport;

/**
 * A node in a JVM of its own, for tests that must watch a node's memory or see it die: started
 * with {@code java <flags> -cp <test classpath> io.parkgate.testing.ForkedNode <cluster> <heartbeatMs>
 * <idleHeartbeats>},
 * it prints {@link #READY} with its ports once it is ready and runs until killed.
 */
public final class ForkedNode {

  /** The line printed once the node is ready: {@code READY http=<port> device=<port>}. */
  public static final String READY = "FORKED-NODE-READY";

  private ForkedNode() {
  }

  public static void main(String[] args) {
    ParkgateNode node = TestNodes.start(TestNodes.config(args[0])
        .heartbeatIntervalMs(Long.parseLong(args[1]))
        .idleHeartbeats(Integer.parseInt(args[2]))
        .instances(1)
        .build());
    System.out.println(READY + " http=" + node.httpPort() + " device=" + node.controllerPort());
    System.out.flush();
    while (true) {
      LockSupport.park();
    }
  }
}
