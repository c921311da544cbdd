package io.parkgate;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MultiMapConfig;
import com.hazelcast.config.XmlConfigBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Keeps the Kubernetes manifests (k8s/), the Hazelcast file for Kubernetes and the Dockerfile
 * consistent with the application and with each other. Reads the source YAML as written (no
 * kubectl); rendering and schema validation are .ci/k8s-check's job.
 *
 * <p>YAML is parsed with snakeyaml-engine (YAML 1.2, a test-scope dependency), not with the copy
 * Hazelcast shades for its own configuration, which is Hazelcast's internal detail.
 */
class KubernetesManifestsTest {

  private static final Path BASE = Path.of("k8s/base");
  private static final Path OVERLAY = Path.of("k8s/overlays/example");
  private static final Path CLUSTER_XML = Path.of("conf/cluster-kubernetes.xml");

  @Test
  void everyParkgateVariableOfTheDeploymentIsReadByNodeOptions() throws IOException {
    String nodeOptions = Files.readString(Path.of("src/main/java/io/parkgate/config/Settings.java"));
    Set<String> known = new TreeSet<>();
    // every setting's environment variable is named once, in Settings.java
    Matcher m = Pattern.compile("\"(PARKGATE_[A-Z0-9_]+)\"").matcher(nodeOptions);
    while (m.find()) {
      known.add(m.group(1));
    }
    assertThat(known).as("PARKGATE_* names found in Settings.java").isNotEmpty();

    List<String> envNames = env().keySet().stream().filter(n -> n.startsWith("PARKGATE_")).toList();
    assertThat(envNames).as("env names of the parkgate container").doesNotHaveDuplicates();
    assertThat(envNames).as("the Deployment sets the secrets").contains("PARKGATE_TOKEN_SECRET", "PARKGATE_API_KEYS");
    for (String name : envNames) {
      assertThat(known).as("the Deployment sets %s, which Settings.java does not define", name).contains(name);
    }
  }

  @Test
  void containerPortsMatchTheEnvironmentTheServicesAndTheClusterFile() throws Exception {
    Map<String, Integer> ports = containerPorts();
    assertThat(ports).containsOnlyKeys("http", "device", "hazelcast", "eventbus");

    Map<String, Map<String, Object>> env = env();
    assertThat(ports.get("http")).isEqualTo(Integer.parseInt(value(env, "PARKGATE_HTTP_PORT")));
    assertThat(ports.get("device")).isEqualTo(Integer.parseInt(value(env, "PARKGATE_CONTROLLER_PORT")));
    assertThat(ports.get("eventbus")).isEqualTo(Integer.parseInt(value(env, "PARKGATE_CLUSTER_PORT")));
    assertThat(ports.get("hazelcast")).isEqualTo(clusterConfig().getNetworkConfig().getPort());
    assertThat(clusterConfig().getNetworkConfig().isPortAutoIncrement()).isFalse();

    assertThat(serviceTargetPort("service-http.yaml", ports)).isEqualTo(ports.get("http"));
    assertThat(serviceTargetPort("service-device.yaml", ports)).isEqualTo(ports.get("device"));
    assertThat(serviceTargetPort("service-hazelcast.yaml", ports)).isEqualTo(ports.get("hazelcast"));

    Map<String, Object> podLabels = map(map(map(deployment(), "spec"), "template"), "metadata");
    for (String file : List.of("service-http.yaml", "service-device.yaml", "service-hazelcast.yaml")) {
      Map<String, Object> selector = map(map(yaml(BASE.resolve(file)), "spec"), "selector");
      assertThat(selector).as("%s selects the parkgate pods", file).isNotEmpty();
      assertThat(map(podLabels, "labels")).as("pod labels match %s's selector", file).containsAllEntriesOf(selector);
    }

    String dockerfile = Files.readString(Path.of("Dockerfile"));
    Matcher expose = Pattern.compile("(?m)^EXPOSE (.+)$").matcher(dockerfile);
    assertThat(expose.find()).as("Dockerfile has an EXPOSE line").isTrue();
    Set<Integer> exposed = Pattern.compile("\\s+").splitAsStream(expose.group(1).trim())
        .map(Integer::parseInt).collect(Collectors.toSet());
    assertThat(exposed).containsExactlyInAnyOrderElementsOf(ports.values());
  }

  @Test
  void probesUseTheHealthEndpointsOnTheHttpPort() {
    Map<String, Object> container = container();
    assertThat(probePath(container, "livenessProbe")).isEqualTo("/health/live");
    assertThat(probePath(container, "readinessProbe")).isEqualTo("/health/ready");
    assertThat(probePath(container, "startupProbe")).isIn("/health/live", "/health/ready");
    for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
      assertThat(map(map(container, probe), "httpGet").get("port")).as(probe).isEqualTo("http");
    }
  }

  @Test
  void terminationGraceCoversPreStopDrainAndClusterLeave() {
    Map<String, Object> podSpec = map(map(map(deployment(), "spec"), "template"), "spec");
    long graceMs = ((Number) podSpec.get("terminationGracePeriodSeconds")).longValue() * 1000;
    long drainMs = Long.parseLong(value(env(), "PARKGATE_DRAIN_GRACE_MS"));
    List<Object> preStop = list(map(map(map(container(), "lifecycle"), "preStop"), "exec"), "command");
    assertThat(preStop).hasSize(2).first().isEqualTo("sleep");
    long preStopMs = Long.parseLong(String.valueOf(preStop.get(1))) * 1000;
    assertThat(graceMs)
        .as("terminationGracePeriodSeconds >= preStop + PARKGATE_DRAIN_GRACE_MS + 20 s for closing and leaving")
        .isGreaterThanOrEqualTo(preStopMs + drainMs + 20_000);
  }

  @Test
  void podRunsAsTheImageUserWithALockedDownContainer() throws IOException {
    Map<String, Object> podSpec = map(map(map(deployment(), "spec"), "template"), "spec");
    Map<String, Object> podSecurity = map(podSpec, "securityContext");
    Map<String, Object> security = map(container(), "securityContext");
    assertThat(podSecurity).containsEntry("runAsNonRoot", true).containsEntry("runAsUser", 10001);
    assertThat(map(podSecurity, "seccompProfile")).containsEntry("type", "RuntimeDefault");
    assertThat(security)
        .containsEntry("runAsNonRoot", true)
        .containsEntry("runAsUser", 10001)
        .containsEntry("readOnlyRootFilesystem", true)
        .containsEntry("allowPrivilegeEscalation", false);
    assertThat(list(map(security, "capabilities"), "drop")).containsExactly("ALL");
    assertThat(Files.readString(Path.of("Dockerfile"))).containsPattern("(?m)^USER 10001(:10001)?$");

    List<Object> mounts = list(container(), "volumeMounts");
    assertThat(mounts).anySatisfy(mount -> assertThat(asMap(mount)).containsEntry("mountPath", "/tmp"));
  }

  @Test
  void theClusterFileIsMountedFromTheConfigMapItIsPackagedIn() throws IOException {
    Path copy = BASE.resolve("cluster-kubernetes.xml");
    assertThat(Files.mismatch(CLUSTER_XML, copy))
        .as("%s must be an exact copy of %s (kustomize reads files inside the base only)", copy, CLUSTER_XML)
        .isEqualTo(-1L);

    Map<String, Object> generator = null;
    for (Object g : list(yaml(BASE.resolve("kustomization.yaml")), "configMapGenerator")) {
      if (list(asMap(g), "files").contains("cluster-kubernetes.xml")) {
        generator = asMap(g);
      }
    }
    assertThat(generator).as("a configMapGenerator packages cluster-kubernetes.xml").isNotNull();
    String configMap = (String) generator.get("name");

    Map<String, Object> podSpec = map(map(map(deployment(), "spec"), "template"), "spec");
    String volume = null;
    for (Object v : list(podSpec, "volumes")) {
      Map<String, Object> vol = asMap(v);
      if (vol.containsKey("configMap") && configMap.equals(map(vol, "configMap").get("name"))) {
        volume = (String) vol.get("name");
      }
    }
    assertThat(volume).as("a volume from ConfigMap %s", configMap).isNotNull();
    String mountPath = null;
    for (Object m : list(container(), "volumeMounts")) {
      if (volume.equals(asMap(m).get("name"))) {
        mountPath = (String) asMap(m).get("mountPath");
      }
    }
    assertThat(mountPath).as("volume %s is mounted", volume).isNotNull();
    assertThat(value(env(), "PARKGATE_CLUSTER_CONFIG")).isEqualTo(mountPath + "/cluster-kubernetes.xml");
  }

  @Test
  void theClusterFileUsesDnsDiscoveryAndKeepsEverythingElseOfClusterXml() throws Exception {
    Config k8s = clusterConfig();
    Config local = new XmlConfigBuilder("conf/cluster.xml").build();

    JoinConfig join = k8s.getNetworkConfig().getJoin();
    assertThat(join.getKubernetesConfig().isEnabled()).isTrue();
    assertThat(join.getMulticastConfig().isEnabled()).isFalse();
    assertThat(join.getTcpIpConfig().isEnabled()).isFalse();
    assertThat(join.getAutoDetectionConfig().isEnabled()).isFalse();
    assertThat(k8s.getNetworkConfig().getInterfaces().isEnabled()).isFalse();

    String serviceDns = join.getKubernetesConfig().getProperty("service-dns");
    assertThat(serviceDns).startsWith(hazelcastServiceName() + ".");
    // The Deployment overrides it per namespace through Hazelcast's environment variable.
    assertThat(value(env(), "HAZELCAST_KUBERNETES_SERVICE_DNS"))
        .isEqualTo(hazelcastServiceName() + ".$(POD_NAMESPACE).svc.cluster.local");
    assertThat(map(map(env().get("POD_NAMESPACE"), "valueFrom"), "fieldRef"))
        .containsEntry("fieldPath", "metadata.namespace");

    assertThat(k8s.getClusterName()).isEqualTo(local.getClusterName());
    // Kubernetes waits longer before forming a cluster alone (pods start together) and merges
    // split clusters sooner; every other property is the local file's.
    java.util.Properties expected = new java.util.Properties();
    expected.putAll(local.getProperties());
    expected.setProperty("hazelcast.wait.seconds.before.join", "5");
    expected.setProperty("hazelcast.merge.first.run.delay.seconds", "30");
    expected.setProperty("hazelcast.merge.next.run.delay.seconds", "30");
    assertThat(k8s.getProperties()).isEqualTo(expected);
    for (String name : List.of("__vertx.subs")) {
      MultiMapConfig a = k8s.getMultiMapConfig(name);
      MultiMapConfig b = local.getMultiMapConfig(name);
      assertThat(a.getBackupCount()).as(name).isEqualTo(b.getBackupCount());
      assertThat(a.getValueCollectionType()).as(name).isEqualTo(b.getValueCollectionType());
    }
    for (String name : List.of("__vertx.haInfo", "__vertx.nodeInfo")) {
      MapConfig a = k8s.getMapConfig(name);
      MapConfig b = local.getMapConfig(name);
      assertThat(a.getBackupCount()).as(name).isEqualTo(b.getBackupCount());
    }
  }

  @Test
  void theHazelcastServiceIsHeadlessAndPublishesNotReadyPods() {
    Map<String, Object> spec = map(yaml(BASE.resolve("service-hazelcast.yaml")), "spec");
    assertThat(spec).containsEntry("clusterIP", "None").containsEntry("publishNotReadyAddresses", true);
    assertThat(list(spec, "ports")).singleElement()
        .satisfies(p -> assertThat(asMap(p)).containsEntry("port", 5701));
  }

  @Test
  void theConfigMapCarriesTheNodeConfigurationUnchanged() throws IOException {
    assertThat(Files.readString(BASE.resolve("parkgate.yaml")))
        .as("k8s/base/parkgate.yaml is a copy of conf/parkgate.yaml")
        .isEqualTo(Files.readString(Path.of("conf/parkgate.yaml")));
    assertThat(env()).containsKey("PARKGATE_CONFIG");
  }

  @Test
  void theExampleSecretHoldsEveryKeyTheDeploymentReads() {
    Map<String, Object> secret = yaml(OVERLAY.resolve("secret.example.yaml"));
    String secretName = (String) map(secret, "metadata").get("name");
    Map<String, Object> data = map(secret, "stringData");
    int references = 0;
    for (Map<String, Object> variable : env().values()) {
      Map<String, Object> valueFrom = variable.containsKey("valueFrom") ? map(variable, "valueFrom") : Map.of();
      if (valueFrom.containsKey("secretKeyRef")) {
        Map<String, Object> ref = map(valueFrom, "secretKeyRef");
        references++;
        assertThat(ref).containsEntry("name", secretName);
        assertThat(data).containsKey((String) ref.get("key"));
      }
    }
    assertThat(references).as("token, previous token, API keys, cluster secret, previous cluster secret, postgres password").isEqualTo(6);
    assertThat(list(yaml(Path.of("k8s/base/kustomization.yaml")), "resources"))
        .as("the base carries no Secret").noneMatch(r -> String.valueOf(r).contains("secret"));
  }

  @Test
  void onlyParkgatePodsReachTheClusterPorts() {
    // GIVEN the NetworkPolicy of the base, and the container's named ports
    Map<String, Object> policy = yaml(BASE.resolve("networkpolicy.yaml"));
    assertThat(list(yaml(BASE.resolve("kustomization.yaml")), "resources")).contains("networkpolicy.yaml");
    Map<String, Object> spec = map(policy, "spec");
    Map<String, Object> podLabels = map(map(map(map(deployment(), "spec"), "template"), "metadata"), "labels");
    assertThat(map(map(spec, "podSelector"), "matchLabels")).allSatisfy((k, v) -> assertThat(podLabels).containsEntry(k, v));
    // THEN the hazelcast and eventbus ports are open only to pods carrying the parkgate selector,
    // and the public ports to anyone
    Set<String> clusterPorts = Set.of("hazelcast", "eventbus");
    for (Object rule : list(spec, "ingress")) {
      Map<String, Object> r = asMap(rule);
      Set<Object> ports = list(r, "ports").stream().map(p -> asMap(p).get("port")).collect(Collectors.toSet());
      if (ports.stream().anyMatch(clusterPorts::contains)) {
        assertThat(ports).as("a rule opening a cluster port opens nothing else").allMatch(clusterPorts::contains);
        assertThat(list(r, "from")).singleElement().satisfies(from ->
            assertThat(map(map(asMap(from), "podSelector"), "matchLabels")).isEqualTo(map(map(spec, "podSelector"), "matchLabels")));
      } else {
        assertThat(ports).containsExactlyInAnyOrder("http", "device");
      }
    }
    assertThat(list(spec, "ingress").stream().flatMap(r -> list(asMap(r), "ports").stream())
        .map(p -> asMap(p).get("port"))).contains("hazelcast", "eventbus", "http", "device");
  }

  // ---- helpers -------------------------------------------------------------------------------

  private static Map<String, Object> yaml(Path file) {
    try {
      List<Object> docs = new ArrayList<>();
      new Load(LoadSettings.builder().build()).loadAllFromString(Files.readString(file)).forEach(docs::add);
      assertThat(docs).as("%s holds one YAML document", file).hasSize(1);
      return asMap(docs.get(0));
    } catch (IOException e) {
      throw new AssertionError("cannot read " + file, e);
    }
  }

  private static Map<String, Object> deployment() {
    Map<String, Object> d = yaml(BASE.resolve("deployment.yaml"));
    assertThat(d).containsEntry("kind", "Deployment");
    return d;
  }

  private static Map<String, Object> container() {
    List<Object> containers = list(map(map(map(deployment(), "spec"), "template"), "spec"), "containers");
    assertThat(containers).hasSize(1);
    return asMap(containers.get(0));
  }

  /** The container's env entries by name, in order. */
  private static Map<String, Map<String, Object>> env() {
    Map<String, Map<String, Object>> env = new LinkedHashMap<>();
    for (Object e : list(container(), "env")) {
      Map<String, Object> entry = asMap(e);
      assertThat(env.put((String) entry.get("name"), entry)).as("env %s set twice", entry.get("name")).isNull();
    }
    return env;
  }

  private static String value(Map<String, Map<String, Object>> env, String name) {
    assertThat(env).as("the Deployment sets %s", name).containsKey(name);
    Object value = env.get(name).get("value");
    assertThat(value).as("%s has a literal value (a quoted string)", name).isInstanceOf(String.class);
    return (String) value;
  }

  private static Map<String, Integer> containerPorts() {
    Map<String, Integer> ports = new LinkedHashMap<>();
    for (Object p : list(container(), "ports")) {
      Map<String, Object> port = asMap(p);
      ports.put((String) port.get("name"), (Integer) port.get("containerPort"));
    }
    return ports;
  }

  /** The container port a Service's single port targets, resolving a named targetPort. */
  private static int serviceTargetPort(String file, Map<String, Integer> containerPorts) {
    List<Object> servicePorts = list(map(yaml(BASE.resolve(file)), "spec"), "ports");
    assertThat(servicePorts).as(file).hasSize(1);
    Object target = asMap(servicePorts.get(0)).get("targetPort");
    if (target instanceof String name) {
      assertThat(containerPorts).as("%s targets port name %s", file, name).containsKey(name);
      return containerPorts.get(name);
    }
    return (Integer) target;
  }

  private static String probePath(Map<String, Object> container, String probe) {
    return (String) map(map(container, probe), "httpGet").get("path");
  }

  private static String hazelcastServiceName() {
    return (String) map(yaml(BASE.resolve("service-hazelcast.yaml")), "metadata").get("name");
  }

  private static Config clusterConfig() {
    try {
      return new XmlConfigBuilder(CLUSTER_XML.toString()).build();
    } catch (IOException e) {
      throw new AssertionError("cannot read " + CLUSTER_XML, e);
    }
  }

  private static Map<String, Object> map(Map<String, Object> parent, String key) {
    assertThat(parent).as("has %s", key).containsKey(key);
    return asMap(parent.get(key));
  }

  private static List<Object> list(Map<String, Object> parent, String key) {
    assertThat(parent).as("has %s", key).containsKey(key);
    Object value = parent.get(key);
    assertThat(value).as("%s is a list", key).isInstanceOf(List.class);
    @SuppressWarnings("unchecked")
    List<Object> list = (List<Object>) value;
    return list;
  }

  private static Map<String, Object> asMap(Object value) {
    assertThat(value).as("a YAML mapping").isInstanceOf(Map.class);
    @SuppressWarnings("unchecked")
    Map<String, Object> map = (Map<String, Object>) value;
    return map;
  }
}
