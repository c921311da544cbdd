package io.parkgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.parkgate.testing.OneNode;
import io.parkgate.testing.TestController;
import io.parkgate.testing.TestHaproxy;
import io.parkgate.testing.TestNodes;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * controllers.proxyProtocol and legacy.proxyProtocol: behind a balancer that sends the PROXY
 * protocol, the node sees each controller's own address (directory, history, per-address limits),
 * not the balancer's; a connection without the header is closed without a session.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProxyProtocolTest {

  @RegisterExtension
  static final OneNode NODE = OneNode.of(b -> b.proxyProtocol(true, true).legacyPort(0)
      .legacyAllowedParks(java.util.List.of("*")).legacyAllowedSources(java.util.List.of("0.0.0.0/0"))
      .helloTimeoutMs(2_000));

  private static String remoteOf(String parkId) {
    String[] seen = new String[1];
    TestNodes.poll(Duration.ofSeconds(5), () -> {
      var r = NODE.http().get("/api/v1/parks/" + parkId);
      seen[0] = r.status() == 200 ? r.json().getString("remoteAddress") : null;
      return seen[0] != null;
    });
    return seen[0];
  }

  @Test
  void behindARealHaproxyTheNodeSeesTheControllersOwnAddress() throws Exception {
    // GIVEN HAProxy in tcp mode in front of the v1 listener, sending PROXY protocol v2
    try (TestHaproxy haproxy = TestHaproxy.tcp(NODE.node().controllerPort(), "send-proxy-v2");
         // WHEN a controller connects through it from 127.0.0.5
         TestController c = TestController.hello(TestController.connectFrom("127.0.0.5", haproxy.port()), "px1")) {
      assertThat(c).isNotNull();
      // THEN the directory names 127.0.0.5, not HAProxy's own 127.0.0.1
      assertThat(remoteOf("px1")).startsWith("127.0.0.5:");
      assertThat(NODE.http().get("/api/v1/parks/px1/events").json().getJsonArray("items").getJsonObject(0)
          .getString("remoteAddress")).startsWith("127.0.0.5:");
    }
  }

  @Test
  void aVersionOneHeaderNamesTheClientOnTheLegacyListenerToo() throws Exception {
    int legacyPort = NODE.node().legacyPort();
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", legacyPort), 2_000);
      s.getOutputStream().write(("PROXY TCP4 203.0.113.7 127.0.0.1 51514 " + legacyPort + "\r\nlg1\n")
          .getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      assertThat(remoteOf("lg1")).isEqualTo("203.0.113.7:51514");
    }
  }

  @Test
  void aConnectionWithoutTheHeaderIsClosedWithoutASession() throws Exception {
    try (TestController c = TestController.connect(NODE.node().controllerPort())) {
      // a hello where the header should be: not a PROXY header, so the connection is dropped
      // without a word (without the setting, this hello would be answered -32006)
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> c.request("hello", new JsonObject().put("parkId", "px2").put("token", "x")))
          .isInstanceOf(IOException.class).hasMessageContaining("closed");
    }
    assertThat(NODE.http().get("/api/v1/parks/px2").status()).isEqualTo(404);
  }
}
