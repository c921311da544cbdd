package io.parkgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.parkgate.testing.ForkedNodeProcess;
import io.parkgate.testing.Http;
import io.parkgate.testing.Http.Response;
import io.parkgate.testing.TestNodes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Readiness while another member is frozen (SIGSTOP: a long GC pause, a frozen VM). Found by the
 * fault harness (bench/faults, sigstop): Hazelcast's isClusterSafe blocks until the frozen member
 * is removed, every survivor's /health/ready timed out, and HAProxy took all three nodes out of
 * the API backend for 7 s although two of them were healthy.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FrozenMemberReadinessTest {

  /** Hazelcast removes a silent member after this long (conf/cluster.xml, max.no.heartbeat). */
  private static final Duration MEMBER_TIMEOUT = Duration.ofSeconds(10);
  /** The readiness probe's own wait for the cluster check (ApiVerticle.CLUSTER_CHECK_WAIT_MS). */
  private static final long CHECK_WAIT_MS = 300;

  @Test
  void aHealthyNodeStaysReadyAndAnswersPromptlyWhileAnotherMemberIsFrozen() throws Exception {
    String cluster = TestNodes.newClusterName();
    try (ForkedNodeProcess frozen = ForkedNodeProcess.start(List.of("-Xmx256m"), cluster, 5_000, 3)) {
      ParkgateNode healthy = TestNodes.start(TestNodes.config(cluster).build());
      try {
        Http http = new Http(healthy.httpPort());
        assertThat(TestNodes.poll(Duration.ofSeconds(30), () -> http.get("/health/ready").status() == 200))
            .as("ready once the two-member cluster is safe").isTrue();

        // WHEN the other member is frozen, its sockets left open
        frozen.freeze(true);

        // THEN every probe until Hazelcast removes it (and a little after) answers 200, each well
        // within a balancer's check timeout (HAProxy's default is its check interval, often 1 s)
        List<Response> probes = new ArrayList<>();
        long until = System.nanoTime() + MEMBER_TIMEOUT.plusSeconds(2).toNanos();
        while (System.nanoTime() < until) {
          probes.add(http.get("/health/ready"));
          java.util.concurrent.locks.LockSupport.parkNanos(200_000_000);
        }
        assertThat(probes).filteredOn(r -> r.status() != 200).extracting(r -> r.status() + " " + r.json())
            .as("readiness answers other than 200 while a member is frozen").isEmpty();
        assertThat(probes).extracting(Response::elapsedMs).as("ms per probe")
            .allSatisfy(ms -> assertThat(ms).isLessThan(3 * CHECK_WAIT_MS));
      } finally {
        frozen.freeze(false);
        TestNodes.close(healthy);
      }
    }
  }
}
