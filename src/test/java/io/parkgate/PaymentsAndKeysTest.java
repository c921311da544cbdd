package io.parkgate;

import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;

/** {@link PaymentsAndKeysContract} on the cluster payment store (the default). */
class PaymentsAndKeysTest extends PaymentsAndKeysContract {

  @BeforeAll
  static void startCluster() {
    startCluster(UnaryOperator.identity());
  }
}
