package io.parkgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.parkgate.sim.ControllerSimulator;
import io.parkgate.sim.SimulatorOptions;
import io.parkgate.testing.Http.Response;
import io.parkgate.testing.Http;
import io.parkgate.testing.TestController;
import io.parkgate.testing.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SelfSignedCertificate;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Controllers over TLS, with a certificate the test generates. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsControllerTest {

  private static SelfSignedCertificate certificate;
  private static ParkgateNode node;
  private static Http http;
  private static Vertx clients;

  @BeforeAll
  static void startNode() {
    certificate = SelfSignedCertificate.create("localhost");
    node = TestNodes.start(TestNodes.config(TestNodes.newClusterName())
        .tlsCertPath(certificate.certificatePath())
        .tlsKeyPath(certificate.privateKeyPath())
        .build());
    http = new Http(node.httpPort());
    clients = Vertx.vertx();
  }

  @AfterAll
  static void stopNode() {
    TestNodes.await(clients.close());
    TestNodes.close(node);
    certificate.delete();
  }

  @Test
  void aControllerTrustingTheCertificateConnectsAndAnswers() {
    TestNodes.await(ControllerSimulator.deploy(clients, new SimulatorOptions("127.0.0.1", node.controllerPort(), 2, "tls",
        640, 0, Set.of(), 0, TestNodes.TOKEN_SECRET, false, certificate.certificatePath()), false));
    assertThat(TestNodes.poll(Duration.ofSeconds(10), () -> http.get("/api/v1/parks/tls2").status() == 200)).isTrue();
    Response fee = http.get("/api/v1/parks/tls1/fee?timeoutMs=5000");
    assertThat(fee.status()).isEqualTo(200);
    assertThat(fee.json().getLong("amount")).isEqualTo(640L);
  }

  @Test
  void aPlainTextHelloOnTheTlsPortGetsNowhere() throws Exception {
    try (TestController plain = TestController.connect(node.controllerPort())) {
      plain.send(new JsonObject().put("jsonrpc", "2.0").put("id", 1).put("method", "hello")
          .put("params", new JsonObject().put("parkId", "sneaky").put("token", "x")));
      assertThat(plain.awaitClosed(Duration.ofSeconds(5))).isTrue();
    }
    assertThat(http.get("/api/v1/parks/sneaky").status()).isEqualTo(404);
  }
}
