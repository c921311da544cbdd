package io.parkgate.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.parkgate.testing.Http;
import io.parkgate.testing.OneNode;
import io.parkgate.testing.TestNodes;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Request framing and bodies are read one way only: anything ambiguous is refused, in JSON. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StrictHttpTest {

  private static final String PAYMENTS = "/api/v1/parks/offline-park/payments";

  @RegisterExtension
  static final OneNode NODE = OneNode.withDefaults();

  @Test
  void duplicateKeysCommentsAndOtherNonStandardJsonAreBadRequests() {
    // GIVEN a well-formed payment is accepted (recorded: the park is offline, so 202)
    assertThat(NODE.http().post(PAYMENTS, "{\"paymentId\":\"s-1\",\"amount\":1}").status()).isEqualTo(202);
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
      Http.Response answer = NODE.http().post(PAYMENTS, body);
      // THEN it is refused before anything else looks at it
      assertThat(answer.status()).as(body).isEqualTo(400);
      assertThat(answer.error()).as(body).isEqualTo("BAD_REQUEST");
    }
  }

  private static final String SMUGGLED = "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n";

  @Test
  void contentLengthWithTransferEncodingIsABadRequestAndNothingAfterItIsServed() throws Exception {
    // GIVEN requests whose length can be read two ways, each followed by a second request
    List<String> heads = List.of(
        "POST " + PAYMENTS + " HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST " + PAYMENTS + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n0\r\n\r\n",
        "POST " + PAYMENTS + " HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
        "POST " + PAYMENTS + " HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    for (String head : heads) {
      // WHEN one connection sends it and the second request
      RawAnswer answer = RawAnswer.exchange(NODE.node().httpPort(), head + SMUGGLED);
      // THEN one JSON 400 is answered and the connection closed: the second request is never served
      assertThat(answer.status()).as(head).isEqualTo(400);
      assertThat(answer.error()).as(head).isEqualTo("BAD_REQUEST");
      assertThat(answer.responses()).as(head).isEqualTo(1);
      assertThat(answer.closed()).as(head).isTrue();
    }
  }

  @Test
  void aTransferCodingOtherThanChunkedIsNotSupportedAndClosesTheConnection() throws Exception {
    for (String coding : List.of("xchunked", "gzip, chunked", "chunked, chunked", "identity")) {
      // GIVEN a request with a transfer coding the server does not decode, and a second request after it
      String head = "POST " + PAYMENTS + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + coding + "\r\n\r\n0\r\n\r\n";
      // WHEN it is sent
      RawAnswer answer = RawAnswer.exchange(NODE.node().httpPort(), head + SMUGGLED);
      // THEN it is a JSON 501 NOT_SUPPORTED, the only answer on a closed connection
      assertThat(answer.status()).as(coding).isEqualTo(501);
      assertThat(answer.error()).as(coding).isEqualTo("NOT_SUPPORTED");
      assertThat(answer.responses()).as(coding).isEqualTo(1);
      assertThat(answer.closed()).as(coding).isTrue();
    }
  }

  @Test
  void aChunkedBodyAloneIsAccepted() throws Exception {
    // GIVEN a well-formed chunked payment, then a second request on the same connection
    String body = "{\"paymentId\":\"s-2\",\"amount\":1}";
    String head = "POST " + PAYMENTS + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TestNodes.API_KEY
        + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        + Integer.toHexString(body.length()) + "\r\n" + body + "\r\n0\r\n\r\n";
    // WHEN both are sent, the second asking to close
    RawAnswer answer = RawAnswer.exchange(NODE.node().httpPort(), head + "GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    // THEN the payment is accepted (recorded; the park is offline) and the second request is served too
    assertThat(answer.status()).as(answer.text()).isEqualTo(202);
    assertThat(answer.responses()).as(answer.text()).isEqualTo(2);
  }

  @Test
  void theCodecsOwnRefusalsAreJsonErrors() throws Exception {
    // GIVEN a request line over the limit, headers over the limit, and a request line that is not HTTP
    String longUri = "GET /" + "a".repeat(new io.vertx.core.http.HttpServerOptions().getMaxInitialLineLength()) + " HTTP/1.1\r\nHost: x\r\n\r\n";
    String bigHeaders = "GET /health/live HTTP/1.1\r\nHost: x\r\nX-Pad: "
        + "b".repeat(new io.vertx.core.http.HttpServerOptions().getMaxHeaderSize()) + "\r\n\r\n";
    String garbage = "GET /health/live HTTP/1.1\r\nHost: x\r\nContent-Length: twelve\r\n\r\n";
    // WHEN each is sent THEN each is the documented JSON error, on a closed connection
    RawAnswer uri = RawAnswer.exchange(NODE.node().httpPort(), longUri);
    assertThat(uri.status()).isEqualTo(414);
    assertThat(uri.error()).isEqualTo("URI_TOO_LONG");
    assertThat(uri.closed()).isTrue();
    RawAnswer headers = RawAnswer.exchange(NODE.node().httpPort(), bigHeaders);
    assertThat(headers.status()).isEqualTo(431);
    assertThat(headers.error()).isEqualTo("HEADERS_TOO_LARGE");
    assertThat(headers.closed()).isTrue();
    RawAnswer malformed = RawAnswer.exchange(NODE.node().httpPort(), garbage);
    assertThat(malformed.status()).isEqualTo(400);
    assertThat(malformed.error()).isEqualTo("BAD_REQUEST");
    assertThat(malformed.closed()).isTrue();
  }
}
