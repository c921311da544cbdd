package io.parkgate;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
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
  private static final Path COMPONENTS = Path.of("k8s/components");

  @Test
  void everyParkgateVariableOfTheDeploymentIsReadByTheNode() throws IOException {
    Set<String> known = new TreeSet<>();
    // every setting's environment variable is named once, in Settings.java
    Matcher m = Pattern.compile("\"(PARKGATE_[A-Z0-9_]+)\"")
        .matcher(Files.readString(Path.of("src/main/java/io/parkgate/config/Settings.java")));
    while (m.find()) {
      known.add(m.group(1));
    }
    assertThat(known).as("PARKGATE_* names found in Settings.java").isNotEmpty();
    // the log format and level are logback's variables
    Matcher logback = Pattern.compile("\\$\\{(PARKGATE_[A-Z0-9_]+)")
        .matcher(Files.readString(Path.of("src/main/resources/logback.xml")));
    while (logback.find()) {
      known.add(logback.group(1));
    }

    List<String> envNames = env().keySet().stream().filter(n -> n.startsWith("PARKGATE_")).toList();
    assertThat(envNames).as("env names of the parkgate container").doesNotHaveDuplicates();
    assertThat(envNames).as("the Deployment sets the secrets").contains("PARKGATE_TOKEN_SECRET", "PARKGATE_API_KEYS");
    List<String> componentEnv = new ArrayList<>();
    for (Object e : list(container(yaml(COMPONENTS.resolve("legacy/deployment-legacy-port.yaml"))), "env")) {
      componentEnv.add((String) asMap(e).get("name"));
    }
    for (String name : concat(envNames, componentEnv)) {
      assertThat(known).as("the manifests set %s, which neither Settings.java nor logback.xml reads", name)
          .contains(name);
    }
  }

  @Test
  void logsAreJsonLines() {
    assertThat(value(env(), "PARKGATE_LOG_FORMAT")).as("the appender name logback.xml switches to").isEqualTo("json");
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
  void theDrainOutlastsTheLongestRequest() {
    long drainMs = Long.parseLong(value(env(), "PARKGATE_DRAIN_GRACE_MS"));
    // requests.maxTimeoutMs as the pods see it: the environment, else the mounted parkgate.yaml
    long maxTimeoutMs = env().containsKey("PARKGATE_MAX_REQUEST_TIMEOUT_MS")
        ? Long.parseLong(value(env(), "PARKGATE_MAX_REQUEST_TIMEOUT_MS"))
        : Long.parseLong(setting(BASE.resolve("parkgate.yaml"), "maxTimeoutMs"));
    assertThat(drainMs).as("a request accepted just before SIGTERM may wait requests.maxTimeoutMs")
        .isGreaterThan(maxTimeoutMs);
  }

  @Test
  void theControllerListenerServesTheMountedCertificateSecret() {
    // GIVEN the TLS variables and the volume mounted where they point
    String cert = value(env(), "PARKGATE_TLS_CERT");
    String key = value(env(), "PARKGATE_TLS_KEY");
    Map<String, Object> mount = null;
    for (Object m : list(container(), "volumeMounts")) {
      if (cert.startsWith(asMap(m).get("mountPath") + "/")) {
        mount = asMap(m);
      }
    }
    assertThat(mount).as("a volume is mounted where PARKGATE_TLS_CERT points").isNotNull();
    String dir = (String) mount.get("mountPath");
    assertThat(mount).as("no subPath: a renewed Secret must replace the files in place").doesNotContainKey("subPath");
    assertThat(cert).isEqualTo(dir + "/tls.crt");
    assertThat(key).isEqualTo(dir + "/tls.key");
    Map<String, Object> secret = null;
    for (Object v : list(podSpec(), "volumes")) {
      if (mount.get("name").equals(asMap(v).get("name"))) {
        secret = map(asMap(v), "secret");
      }
    }
    // THEN it is a kubernetes.io/tls Secret's keys, the name cert-manager's example writes to
    assertThat(secret).as("the volume is a Secret").isNotNull();
    assertThat(secret).doesNotContainEntry("optional", true);
    assertThat(list(secret, "items")).extracting(i -> asMap(i).get("key")).containsExactlyInAnyOrder("tls.crt", "tls.key");
    Map<String, Object> certificate = map(yaml(COMPONENTS.resolve("cert-manager/controller-certificate.yaml")), "spec");
    assertThat(certificate).containsEntry("secretName", secret.get("secretName"));
    assertThat(list(certificate, "usages")).contains("server auth");
    assertThat(list(certificate, "dnsNames")).isNotEmpty();
    assertThat(map(certificate, "privateKey")).containsEntry("rotationPolicy", "Always");
    assertThat(map(certificate, "issuerRef")).containsKeys("kind", "name");
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
  void theClusterFileFindsMembersThroughTheKubernetesApiWithTheRbacItNeeds() throws Exception {
    Config k8s = clusterConfig();
    Config local = new XmlConfigBuilder("conf/cluster.xml").build();

    JoinConfig join = k8s.getNetworkConfig().getJoin();
    assertThat(join.getKubernetesConfig().isEnabled()).isTrue();
    assertThat(join.getMulticastConfig().isEnabled()).isFalse();
    assertThat(join.getTcpIpConfig().isEnabled()).isFalse();
    assertThat(join.getAutoDetectionConfig().isEnabled()).isFalse();
    assertThat(k8s.getNetworkConfig().getInterfaces().isEnabled()).isFalse();

    // API mode, not DNS: only API mode tells a member its zone (ZONE_AWARE needs it)
    Map<String, String> properties = join.getKubernetesConfig().getProperties();
    assertThat(properties).doesNotContainKey("service-dns")
        .containsEntry("service-name", hazelcastServiceName())
        .containsEntry("resolve-not-ready-addresses", "true");
    Set<String> defined = new TreeSet<>();
    for (java.lang.reflect.Field f : com.hazelcast.kubernetes.KubernetesProperties.class.getFields()) {
      if (f.get(null) instanceof com.hazelcast.config.properties.PropertyDefinition d) {
        defined.add(d.key());
      }
    }
    assertThat(defined).as("Hazelcast's Kubernetes discovery properties").contains("service-name");
    assertThat(defined).as("an unknown <kubernetes> property stops the member at start").containsAll(properties.keySet());
    // an environment variable would override the file, and service-dns switches to DNS mode
    assertThat(env().keySet()).noneMatch(n -> n.startsWith("HAZELCAST_KUBERNETES_"));
    assertThat(map(map(env().get("POD_NAME"), "valueFrom"), "fieldRef")).containsEntry("fieldPath", "metadata.name");

    // the service account and what it may read: endpoints and the pod itself, the node's zone
    List<Map<String, Object>> rbac = yamlAll(BASE.resolve("rbac.yaml"));
    assertThat(list(yaml(BASE.resolve("kustomization.yaml")), "resources")).contains("rbac.yaml");
    String account = (String) podSpec().get("serviceAccountName");
    assertThat(podSpec()).containsEntry("automountServiceAccountToken", true);
    assertThat(rbac).anySatisfy(o -> assertThat(o).containsEntry("kind", "ServiceAccount")
        .satisfies(sa -> assertThat(map(sa, "metadata")).containsEntry("name", account)));
    assertThat(granted(rbac, "Role", account)).contains("get,list endpoints", "get,list pods",
        "get,list endpointslices");
    assertThat(granted(rbac, "ClusterRole", account)).containsExactly("get nodes");

    assertThat(k8s.getClusterName()).isEqualTo(local.getClusterName());
    // Kubernetes waits longer before forming a cluster alone (pods start together) and merges
    // split clusters sooner; every other property is the local file's.
    java.util.Properties expected = new java.util.Properties();
    expected.putAll(local.getProperties());
    expected.setProperty("hazelcast.wait.seconds.before.join", "5");
    expected.setProperty("hazelcast.merge.first.run.delay.seconds", "30");
    expected.setProperty("hazelcast.merge.next.run.delay.seconds", "30");
    assertThat(k8s.getProperties()).isEqualTo(expected);
  }

  @Test
  void everyMapOfTheGridHasItsMergePolicyAndBackupsWrittenDown() throws IOException {
    Config k8s = clusterConfig();
    // the maps the node creates, as the code names them
    Set<String> maps = new TreeSet<>();
    try (var files = Files.list(Path.of("src/main/java/io/parkgate/cluster"))) {
      for (Path f : files.toList()) {
        Matcher m = Pattern.compile("static final String \\w*MAP_NAME = \"([^\"]+)\"").matcher(Files.readString(f));
        while (m.find()) {
          maps.add(m.group(1));
        }
      }
    }
    assertThat(maps).contains("parkgate.parks", "parkgate.payment-records", "parkgate.payment-parks",
        "parkgate.park-events", "parkgate.park-flaps");
    maps.addAll(List.of("__vertx.haInfo", "__vertx.nodeInfo"));
    for (String name : maps) {
      assertThat(k8s.getMapConfigs()).as("%s has its own <map> in %s", name, CLUSTER_XML).containsKey(name);
      assertThat(k8s.getMapConfig(name).getMergePolicyConfig().getPolicy()).as("%s: merge policy", name)
          .isIn("PutIfAbsentMergePolicy", "LatestUpdateMergePolicy");
      // the merge policy's needs: LatestUpdate reads the per-entry update time
      if (k8s.getMapConfig(name).getMergePolicyConfig().getPolicy().equals("LatestUpdateMergePolicy")) {
        assertThat(k8s.getMapConfig(name).isPerEntryStatsEnabled()).as("%s: per-entry stats", name).isTrue();
      }
    }
    assertThat(k8s.getMultiMapConfigs()).containsKey("__vertx.subs");
    assertThat(k8s.getMultiMapConfig("__vertx.subs").getValueCollectionType())
        .isEqualTo(MultiMapConfig.ValueCollectionType.SET);
    // what a lost entry costs decides the backups (docs/operations.md, "Data in the grid")
    for (String name : List.of("parkgate.parks", "parkgate.payment-records", "parkgate.payment-parks",
        "parkgate.webhook-queues", "parkgate.webhook-deliveries", "__vertx.nodeInfo")) {
      assertThat(k8s.getMapConfig(name).getBackupCount()).as("%s: backups", name).isEqualTo(2);
    }
    for (String name : List.of("parkgate.park-events", "parkgate.park-flaps", "__vertx.haInfo")) {
      assertThat(k8s.getMapConfig(name).getBackupCount()).as("%s: backups", name).isEqualTo(1);
    }
  }

  @Test
  void theClusterFileStartsAMemberThatCreatesEveryMap() {
    // GIVEN the Kubernetes file with discovery and zones taken out (no API server, no zones here)
    Config config = clusterConfig();
    config.setClusterName("k8s-file-" + java.util.UUID.randomUUID());
    config.getNetworkConfig().setPortAutoIncrement(true).setPortCount(100);
    config.getNetworkConfig().getJoin().getKubernetesConfig().setEnabled(false);
    config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    config.getPartitionGroupConfig().setEnabled(false);
    config.setProperty("hazelcast.wait.seconds.before.join", "0");
    config.setProperty("hazelcast.socket.bind.any", "false");
    // WHEN a member starts with it (Hazelcast checks the merge policies' needs here) and creates them
    com.hazelcast.core.HazelcastInstance member = com.hazelcast.core.Hazelcast.newHazelcastInstance(config);
    try {
      for (String name : config.getMapConfigs().keySet()) {
        member.getMap(name).put("k", "v");
        // THEN each one works as configured
        assertThat(member.getMap(name).get("k")).as(name).isEqualTo("v");
      }
      member.getMultiMap("__vertx.subs").put("k", "v");
    } finally {
      member.shutdown();
    }
  }

  @Test
  void podsAreOnePerNodeAndSpreadOverZonesAsTheGridPlacesBackups() throws IOException {
    // GIVEN the pods' labels
    Map<String, Object> podLabels = map(map(map(deployment(), "spec"), "template"), "metadata");
    // THEN no two pods share a node, whatever the scheduler would prefer
    Map<String, Object> antiAffinity = map(map(podSpec(), "affinity"), "podAntiAffinity");
    assertThat(antiAffinity).doesNotContainKey("preferredDuringSchedulingIgnoredDuringExecution");
    assertThat(list(antiAffinity, "requiredDuringSchedulingIgnoredDuringExecution")).singleElement().satisfies(term -> {
      assertThat(asMap(term)).containsEntry("topologyKey", "kubernetes.io/hostname");
      assertThat(map(podLabels, "labels")).containsAllEntriesOf(map(map(asMap(term), "labelSelector"), "matchLabels"));
    });
    // AND they spread strictly over at least two zones, which is where ZONE_AWARE puts backups
    assertThat(list(podSpec(), "topologySpreadConstraints")).singleElement().satisfies(c -> assertThat(asMap(c))
        .containsEntry("topologyKey", "topology.kubernetes.io/zone")
        .containsEntry("whenUnsatisfiable", "DoNotSchedule")
        .containsEntry("maxSkew", 1)
        .containsEntry("minDomains", 2));
    assertThat(clusterConfig().getPartitionGroupConfig().isEnabled()).isTrue();
    assertThat(clusterConfig().getPartitionGroupConfig().getGroupType())
        .isEqualTo(com.hazelcast.config.PartitionGroupConfig.MemberGroupType.ZONE_AWARE);

    // AND the single-zone component changes exactly the grouping (and relaxes the spread)
    Path singleZone = COMPONENTS.resolve("single-zone/cluster-kubernetes.xml");
    String group = "<partition-group[^>]*/>";
    assertThat(withoutComments(Files.readString(singleZone)).replaceAll(group, "GROUP"))
        .as("%s is %s but for <partition-group>", singleZone, CLUSTER_XML)
        .isEqualTo(withoutComments(Files.readString(CLUSTER_XML)).replaceAll(group, "GROUP"));
    assertThat(new XmlConfigBuilder(singleZone.toString()).build().getPartitionGroupConfig().isEnabled()).isFalse();
    assertThat(Files.readString(COMPONENTS.resolve("single-zone/kustomization.yaml")))
        .contains("behavior: merge", "whenUnsatisfiable: ScheduleAnyway").doesNotContain("minDomains");
  }

  @Test
  void theLegacyListenerIsOffUnlessItsComponentIsListed() {
    // GIVEN the base and the example overlay: no legacy port anywhere
    assertThat(containerPorts()).doesNotContainKey("legacy");
    assertThat(env()).doesNotContainKey("PARKGATE_LEGACY_PORT");
    assertThat(yaml(OVERLAY.resolve("kustomization.yaml"))).doesNotContainKey("components");
    // WHEN the component is listed THEN the port, the variable, the Service and the policy agree
    Map<String, Object> patched = container(yaml(COMPONENTS.resolve("legacy/deployment-legacy-port.yaml")));
    Map<String, Object> port = asMap(list(patched, "ports").get(0));
    assertThat(port).containsEntry("name", "legacy");
    Map<String, Object> variable = asMap(list(patched, "env").get(0));
    assertThat(variable).containsEntry("name", "PARKGATE_LEGACY_PORT")
        .containsEntry("value", String.valueOf(port.get("containerPort")));
    Map<String, Object> service = map(yaml(COMPONENTS.resolve("legacy/service-legacy.yaml")), "spec");
    assertThat(asMap(list(service, "ports").get(0))).containsEntry("targetPort", "legacy");
    assertThat(service).containsEntry("externalTrafficPolicy", "Local").containsKey("loadBalancerSourceRanges");
    assertThat(map(service, "selector")).isEqualTo(map(yaml(BASE.resolve("service-device.yaml")), "spec").get("selector"));
    Map<String, Object> component = yaml(COMPONENTS.resolve("legacy/kustomization.yaml"));
    assertThat(component).containsEntry("kind", "Component");
    assertThat(String.valueOf(component.get("patches"))).contains("NetworkPolicy", "port: legacy");
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
    assertThat(references).as("token, previous token, API keys, cluster secret, previous cluster secret, postgres password,"
        + " webhook secrets").isEqualTo(7);
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

  /** Every document of a multi-document YAML file. */
  private static List<Map<String, Object>> yamlAll(Path file) {
    try {
      List<Map<String, Object>> docs = new ArrayList<>();
      new Load(LoadSettings.builder().build()).loadAllFromString(Files.readString(file))
          .forEach(d -> docs.add(asMap(d)));
      return docs;
    } catch (IOException e) {
      throw new AssertionError("cannot read " + file, e);
    }
  }

  /**
   * "verbs resource" for every rule of the Role or ClusterRole of {@code kind} that a binding of the
   * same file grants to the service account {@code account}.
   */
  private static List<String> granted(List<Map<String, Object>> rbac, String kind, String account) {
    Set<String> roles = new TreeSet<>();
    for (Map<String, Object> o : rbac) {
      if ((kind + "Binding").equals(o.get("kind")) && kind.equals(map(o, "roleRef").get("kind"))
          && list(o, "subjects").stream().anyMatch(s -> account.equals(asMap(s).get("name")))) {
        roles.add((String) map(o, "roleRef").get("name"));
      }
    }
    List<String> out = new ArrayList<>();
    for (Map<String, Object> o : rbac) {
      if (kind.equals(o.get("kind")) && roles.contains(map(o, "metadata").get("name"))) {
        for (Object rule : list(o, "rules")) {
          String verbs = String.join(",", list(asMap(rule), "verbs").stream().map(String::valueOf).toList());
          list(asMap(rule), "resources").forEach(r -> out.add(verbs + " " + r));
        }
      }
    }
    return out;
  }

  /** A leaf value of the generated parkgate.yaml (which repeats section keys, so no YAML parser). */
  private static String setting(Path file, String leaf) {
    try {
      Matcher m = Pattern.compile("(?m)^\\s+" + leaf + ":\\s+(\\S+)").matcher(Files.readString(file));
      assertThat(m.find()).as("%s sets %s", file, leaf).isTrue();
      return m.group(1);
    } catch (IOException e) {
      throw new AssertionError("cannot read " + file, e);
    }
  }

  private static String withoutComments(String xml) {
    return xml.replaceAll("(?s)<!--.*?-->", "").replaceAll("(?m)^\\s*$\\n", "");
  }

  private static <T> List<T> concat(List<T> a, List<T> b) {
    List<T> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  private static Map<String, Object> podSpec() {
    return map(map(map(deployment(), "spec"), "template"), "spec");
  }

  private static Map<String, Object> deployment() {
    Map<String, Object> d = yaml(BASE.resolve("deployment.yaml"));
    assertThat(d).containsEntry("kind", "Deployment");
    return d;
  }

  private static Map<String, Object> container() {
    return container(deployment());
  }

  /** The single container of a Deployment (or of a patch of one). */
  private static Map<String, Object> container(Map<String, Object> deployment) {
    List<Object> containers = list(map(map(map(deployment, "spec"), "template"), "spec"), "containers");
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
