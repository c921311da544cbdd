package io.parkgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.parkgate.testing.Http;
import io.parkgate.testing.Http.Response;
import io.parkgate.testing.TestController;
import io.parkgate.testing.TestNodes;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Rotating the cluster secret without a split: nodes that present different secrets but accept each
 * other's keep one event bus (its own class: Hazelcast's TCP-IP join on loopback tries only the
 * first three ports, so a test cluster must not start beside another one).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClusterSecretRotationTest {

  @Test
  void nodesRotatingTheClusterSecretKeepTalking() throws Exception {
    // GIVEN a rotation half done: one node already presents the new secret, the other the old one,
    // and each accepts the other's
    String cluster = TestNodes.newClusterName();
    String oldSecret = "old-cluster-secret-0123456789";
    String newSecret = "new-cluster-secret-0123456789";
    ParkgateNode gates = TestNodes.start(TestNodes.config(cluster).httpPort(null)
        .clusterSecret(oldSecret).clusterSecretPrevious(newSecret).build());
    ParkgateNode api = TestNodes.start(TestNodes.config(cluster).controllerPort(null)
        .clusterSecret(newSecret).clusterSecretPrevious(oldSecret).build());
    try (TestController gate = TestController.online(gates.controllerPort(), "st-rotate")) {
      // WHEN a request crosses from one to the other
      CompletableFuture<Response> fee = new Http(api.httpPort()).getAsync("/api/v1/parks/st-rotate/fee?timeoutMs=5000");
      gate.answer(gate.readRequest("fee.query"), new JsonObject().put("amount", 100).put("currency", "CNY"));
      // THEN it is answered by the gate
      assertThat(fee.join().status()).isEqualTo(200);
    } finally {
      TestNodes.close(api);
      TestNodes.close(gates);
    }
  }

}
