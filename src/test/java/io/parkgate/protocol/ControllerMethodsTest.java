package io.parkgate.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class ControllerMethodsTest {

  private static JsonObject fee(Object amount) {
    return new JsonObject().put("amount", amount).put("currency", "EUR");
  }

  /** The result of a response line as the codec hands it over. */
  private static Object decodedResult(String resultJson) throws ProtocolException {
    String line = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":" + resultJson + "}";
    return ((RpcResponse) JsonRpcCodec.decode(Buffer.buffer(line))).result();
  }

  // ---------------------------------------------------------------- isServerCall

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {ControllerMethods.FEE_QUERY, ControllerMethods.PAYMENT_NOTIFY})
  void allowsServerToForwardFeeQueryAndPaymentNotify(String method) {
    assertThat(ControllerMethods.isServerCall(method)).isTrue();
  }

  @ParameterizedTest(name = "\"{0}\"")
  @NullAndEmptySource
  @ValueSource(strings = {ControllerMethods.HELLO, ControllerMethods.PING, "FEE.QUERY", "fee.query ", "fee", "payment"})
  void refusesToForwardAnyOtherMethod(String method) {
    assertThat(ControllerMethods.isServerCall(method)).isFalse();
  }

  // ---------------------------------------------------------------- fee.query

  @Test
  void acceptsFeeQueryResultWithIntAmount() {
    assertThat(ControllerMethods.checkResult(ControllerMethods.FEE_QUERY, fee(1200))).isNull();
  }

  @Test
  void acceptsFeeQueryResultWithLongAmount() {
    assertThat(ControllerMethods.checkResult(ControllerMethods.FEE_QUERY, fee(10_000_000_000L))).isNull();
    assertThat(ControllerMethods.checkResult(ControllerMethods.FEE_QUERY, fee(Long.MAX_VALUE))).isNull();
  }

  @Test
  void acceptsFeeQueryResultWithZeroAmount() {
    assertThat(ControllerMethods.checkResult(ControllerMethods.FEE_QUERY, fee(0))).isNull();
  }

  @Test
  void acceptsFeeQueryResultWithStringPlateAndEnteredAt() {
    JsonObject result = fee(450).put("plate", "AB-123").put("enteredAt", "2024-05-01T08:00:00Z");

    assertThat(ControllerMethods.checkResult(ControllerMethods.FEE_QUERY, result)).isNull();
  }

  @Test
  void acceptsFeeQueryResultWithNullOptionalFields() {
    JsonObject result = fee(450).put("plate", (Object) null).put("enteredAt", (Object) null);

    assertThat(ControllerMethods.checkResult(ControllerMethods.FEE_QUERY, result)).isNull();
  }

  @Test
  void acceptsFeeQueryResultWithExtraFields() {
    assertThat(ControllerMethods.checkResult(ControllerMethods.FEE_QUERY, fee(1).put("zone", 3))).isNull();
  }

  @Test
  void acceptsFeeQueryResultDecodedFromTheWire() throws ProtocolException {
    Object result = decodedResult("{\"amount\":1200,\"currency\":\"EUR\",\"plate\":\"AB-123\"}");

    assertThat(ControllerMethods.checkResult(ControllerMethods.FEE_QUERY, result)).isNull();
  }

  static Stream<Arguments> negativeAmounts() {
    return Stream.of(Arguments.of(-1), Arguments.of(-1L), Arguments.of(Integer.MIN_VALUE),
        Arguments.of(Long.MIN_VALUE));
  }

  @ParameterizedTest(name = "amount {0}")
  @MethodSource("negativeAmounts")
  void rejectsNegativeAmount(Object amount) {
    assertThat(ControllerMethods.checkResult(ControllerMethods.FEE_QUERY, fee(amount))).contains("amount");
  }

  static Stream<Arguments> nonIntegerAmounts() {
    return Stream.of(
        Arguments.of(12.5),
        Arguments.of(12.0),
        Arguments.of(12.0f),
        Arguments.of("1200"),
        Arguments.of(true),
        Arguments.of(new JsonObject().put("value", 1200)),
        Arguments.of(new JsonArray().add(1200)),
        Arguments.of(BigInteger.TEN));
  }

  @ParameterizedTest(name = "amount {0}")
  @MethodSource("nonIntegerAmounts")
  void rejectsAmountThatIsNotAnIntegerNumber(Object amount) {
    assertThat(ControllerMethods.checkResult(ControllerMethods.FEE_QUERY, fee(amount)))
        .isEqualTo("amount must be a non-negative integer (minor units)");
  }

  @Test
  void rejectsDoubleAmount() {
    assertThat(ControllerMethods.checkResult(ControllerMethods.FEE_QUERY, fee(12.5))).contains("amount");
  }

  @Test
  void rejectsStringAmount() {
    assertThat(ControllerMethods.checkResult(ControllerMethods.FEE_QUERY, fee("12"))).contains("amount");
  }

  @Test
  void rejectsMissingOrNullAmount() {
    assertThat(ControllerMethods.checkResult(ControllerMethods.FEE_QUERY, new JsonObject().put("currency", "EUR")))
        .contains("amount");
    assertThat(ControllerMethods.checkResult(ControllerMethods.FEE_QUERY, fee(null))).contains("amount");
  }

  @ParameterizedTest(name = "amount {0}")
  @ValueSource(strings = {"1200.0", "1.2e3", "100000000000000000000", "\"1200\""})
  void rejectsNonIntegerAmountDecodedFromTheWire(String amount) throws ProtocolException {
    Object result = decodedResult("{\"amount\":" + amount + ",\"currency\":\"EUR\"}");

    assertThat(ControllerMethods.checkResult(ControllerMethods.FEE_QUERY, result)).contains("amount");
  }

  @Test
  void rejectsMissingCurrency() {
    assertThat(ControllerMethods.checkResult(ControllerMethods.FEE_QUERY, new JsonObject().put("amount", 100)))
        .isEqualTo("currency must be a string");
  }

  @Test
  void rejectsNonStringCurrency() {
    JsonObject result = new JsonObject().put("amount", 100).put("currency", 978);

    assertThat(ControllerMethods.checkResult(ControllerMethods.FEE_QUERY, result)).isEqualTo("currency must be a string");
  }

  static Stream<Arguments> nonStringValues() {
    return Stream.of(Arguments.of(123), Arguments.of(true), Arguments.of(new JsonObject()),
        Arguments.of(new JsonArray().add("AB-123")));
  }

  @ParameterizedTest(name = "plate {0}")
  @MethodSource("nonStringValues")
  void rejectsPlateThatIsNotAString(Object plate) {
    assertThat(ControllerMethods.checkResult(ControllerMethods.FEE_QUERY, fee(100).put("plate", plate)))
        .isEqualTo("plate must be a string");
  }

  @ParameterizedTest(name = "enteredAt {0}")
  @MethodSource("nonStringValues")
  void rejectsEnteredAtThatIsNotAString(Object enteredAt) {
    assertThat(ControllerMethods.checkResult(ControllerMethods.FEE_QUERY, fee(100).put("enteredAt", enteredAt)))
        .isEqualTo("enteredAt must be a string");
  }

  // ---------------------------------------------------------------- payment.notify

  @Test
  void acceptsPaymentNotifyResultWithStringStatus() {
    assertThat(ControllerMethods.checkResult(ControllerMethods.PAYMENT_NOTIFY, new JsonObject().put("status", "opened")))
        .isNull();
  }

  @Test
  void rejectsPaymentNotifyResultWithoutStatus() {
    assertThat(ControllerMethods.checkResult(ControllerMethods.PAYMENT_NOTIFY, new JsonObject()))
        .isEqualTo("status must be a string");
  }

  @ParameterizedTest(name = "status {0}")
  @MethodSource("nonStringValues")
  void rejectsPaymentNotifyResultWithNonStringStatus(Object status) {
    assertThat(ControllerMethods.checkResult(ControllerMethods.PAYMENT_NOTIFY, new JsonObject().put("status", status)))
        .isEqualTo("status must be a string");
  }

  @Test
  void rejectsPaymentNotifyResultWithNullStatus() {
    assertThat(ControllerMethods.checkResult(ControllerMethods.PAYMENT_NOTIFY, new JsonObject().put("status", (Object) null)))
        .isEqualTo("status must be a string");
  }

  // ---------------------------------------------------------------- any method

  static Stream<Arguments> nonObjectResults() {
    return Stream.of(Arguments.of((Object) null), Arguments.of("ok"), Arguments.of(5),
        Arguments.of(new JsonArray().add(new JsonObject().put("amount", 1))));
  }

  @ParameterizedTest(name = "result {0}")
  @MethodSource("nonObjectResults")
  void rejectsResultThatIsNotAnObject(Object result) {
    assertThat(ControllerMethods.checkResult(ControllerMethods.FEE_QUERY, result)).isEqualTo("result must be an object");
    assertThat(ControllerMethods.checkResult(ControllerMethods.PAYMENT_NOTIFY, result)).isEqualTo("result must be an object");
  }

  @Test
  void acceptsAnyObjectResultForMethodsWithoutAShapeCheck() {
    assertThat(ControllerMethods.checkResult(ControllerMethods.PING, new JsonObject())).isNull();
    assertThat(ControllerMethods.checkResult(ControllerMethods.HELLO, new JsonObject().put("anything", 1))).isNull();
  }
}
