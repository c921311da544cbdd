package io.parkgate.testing;

import io.parkgate.ParkgateNode;
import io.parkgate.config.ParkgateConfig;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real clustered node for a test class, in a cluster of its own: started before the class's
 * first test, closed after its last. Register it as
 * {@code @RegisterExtension static final OneNode NODE = OneNode.of(b -> b.heartbeatIntervalMs(250));}
 * instead of writing the same {@code @BeforeAll}/{@code @AfterAll} pair in every class.
 */
public final class OneNode implements BeforeAllCallback, AfterAllCallback {

  private final UnaryOperator<ParkgateConfig.Builder> customize;
  private ParkgateConfig config;
  private ParkgateNode node;
  private Http http;

  private OneNode(UnaryOperator<ParkgateConfig.Builder> customize) {
    this.customize = customize;
  }

  /** A node with {@link TestNodes#config} defaults, changed by {@code customize}. */
  public static OneNode of(UnaryOperator<ParkgateConfig.Builder> customize) {
    return new OneNode(customize);
  }

  /** A node with {@link TestNodes#config} defaults. */
  public static OneNode withDefaults() {
    return new OneNode(b -> b);
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    config = customize.apply(TestNodes.config(TestNodes.newClusterName())).build();
    node = TestNodes.start(config);
    http = node.httpPort() > 0 ? new Http(node.httpPort()) : null;
  }

  @Override
  public void afterAll(ExtensionContext context) {
    TestNodes.close(node);
  }

  public ParkgateNode node() {
    return node;
  }

  /** The configuration the node was started with. */
  public ParkgateConfig config() {
    return config;
  }

  /** A client of the node's HTTP port sending the test API key (null when HTTP is off). */
  public Http http() {
    return http;
  }
}
