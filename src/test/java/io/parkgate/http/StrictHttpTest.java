package io.parkgate.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.parkgate.ParkgateNode;
import io.parkgate.testing.Http;
import io.parkgate.testing.TestNodes;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Request framing and bodies are read one way only: anything ambiguous is refused, in JSON. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StrictHttpTest {

  private static final String PAYMENTS = "/api/v1/parks/offline-park/payments";

  private static ParkgateNode node;
  private static Http http;

  @BeforeAll
  static void startNode() {
    node = TestNodes.start(TestNodes.config(TestNodes.newClusterName()).build());
    http = new Http(node.httpPort());
  }

  @AfterAll
  static void stopNode() {
    TestNodes.close(node);
  }

  @Test
  void duplicateKeysCommentsAndOtherNonStandardJsonAreBadRequests() {
    // GIVEN a well-formed payment reaches the gate lookup (the park is offline)
    assertThat(http.post(PAYMENTS, "{\"paymentId\":\"s-1\",\"amount\":1}").error()).isEqualTo("GATE_OFFLINE");
    List<String> bodies = List.of(
        "{\"paymentId\":\"s-1\",\"amount\":1,\"amount\":999}",
        "{\"paymentId\":\"s-1\",\"paymentId\":\"s-2\",\"amount\":1}",
        "{\"paymentId\":\"s-1\",\"amount\":1,\"lane\":{\"x\":1,\"x\":2}}",
        "{\"paymentId\":\"s-1\", /* c */ \"amount\":1}",
        "// c\n{\"paymentId\":\"s-1\",\"amount\":1}",
        "{\"paymentId\":\"s-1\",\"amount\":1} # c",
        "{\"paymentId\":\"s-1\",\"amount\":1,}",
        "{'paymentId':'s-1','amount':1}",
        "{paymentId:\"s-1\",\"amount\":1}",
        "{\"paymentId\":\"s-1\",\"amount\":NaN}",
        "{\"paymentId\":\"s-1\",\"amount\":01}",
        "{\"paymentId\":\"s-1\",\"amount\":-0}",
        "{\"paymentId\":\"s-1\",\"amount\":1}{\"amount\":2}",
        "{\"paymentId\":\"s-\u0001\",\"amount\":1}",
        "");
    for (String body : bodies) {
      // WHEN the same payment is sent with a body that is not strict JSON
      Http.Response answer = http.post(PAYMENTS, body);
      // THEN it is refused before anything else looks at it
      assertThat(answer.status()).as(body).isEqualTo(400);
      assertThat(answer.error()).as(body).isEqualTo("BAD_REQUEST");
    }
  }
}
