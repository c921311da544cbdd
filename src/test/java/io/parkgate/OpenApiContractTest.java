package io.parkgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.parkgate.bus.ErrorCode;
import io.parkgate.bus.ParkIds;
import io.parkgate.config.Settings;
import io.parkgate.testing.Http;
import io.parkgate.testing.TestNodes;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Keeps {@code src/main/resources/openapi.yaml} true to the code, both ways: every route of the
 * router is described and every described operation is a route; every {@link ErrorCode} a caller
 * can see is documented with its HTTP status; the node serves the file itself at /openapi.yaml.
 * Validation against the OpenAPI 3.1 schema is not done here (no validator on the classpath).
 *
 * <p>YAML is parsed with snakeyaml-engine (a test-scope dependency), not Hazelcast's shaded copy.
 */
class OpenApiContractTest {

  /**
   * Operations described in openapi.yaml that the router may not serve yet. An entry that the
   * router serves is checked like any other route; remove it from here once it has landed.
   */
  static final Set<String> PENDING_ROUTES = Set.of();

  /**
   * Codes documented in openapi.yaml that {@link ErrorCode} may not have yet. An entry that
   * ErrorCode has is checked like any other code (status included); remove it once it has landed.
   */
  static final Set<String> PENDING_CODES = Set.of();

  /** Codes used only between nodes, never answered over HTTP, hence not documented. */
  static final Set<String> INTERNAL_CODES = Set.of("PARK_MOVED");

  /** The scope each secured operation needs; every other operation is open. */
  static final Map<String, String> SCOPES = Map.ofEntries(
      Map.entry("GET /api/v1/parks", "parks:read"),
      Map.entry("GET /api/v1/parks/{parkId}", "parks:read"),
      Map.entry("GET /api/v1/parks/{parkId}/events", "parks:read"),
      Map.entry("GET /api/v1/cluster", "parks:read"),
      Map.entry("GET /api/v1/parks/{parkId}/fee", "fee:read"),
      Map.entry("POST /api/v1/parks/{parkId}/payments", "payment:write"),
      Map.entry("GET /api/v1/parks/{parkId}/payments", "payment:read"),
      Map.entry("GET /api/v1/payments/{paymentId}", "payment:read"),
      Map.entry("POST /api/v1/payments/{paymentId}/cancel", "payment:write"),
      Map.entry("GET /api/v1/webhooks/deliveries", "webhooks:read"),
      Map.entry("POST /api/v1/webhooks/deliveries/{deliveryId}/resend", "webhooks:write"),
      Map.entry("POST /api/v1/admin/rebalance", "admin"),
      Map.entry("POST /api/v1/admin/nodes/{nodeId}/evacuate", "admin"),
      Map.entry("DELETE /api/v1/admin/nodes/{nodeId}/evacuate", "admin"));

  /** Operations that need a known key of any scope (security: apiKey with no scope). */
  static final Set<String> ANY_KEY = Set.of("GET /api/v1/me");

  /** Failure statuses whose body is not the Error schema (readiness answers 503 with Health). */
  private static final Set<String> NOT_ERROR_SCHEMA = Set.of("GET /health/ready 503", "GET /health/controllers 503");

  private static final String RESOURCE = "openapi.yaml";
  private static final List<String> HTTP_METHODS =
      List.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
  /** A row of the error table in info.description: {@code | `CODE` | 503 | meaning |}. */
  private static final Pattern TABLE_ROW = Pattern.compile("(?m)^\\|\\s*`?([A-Z][A-Z0-9_]*)`?\\s*\\|\\s*(\\d{3})\\s*\\|");

  private static String text;
  private static Map<String, Object> spec;
  private static ParkgateNode node;

  @BeforeAll
  static void load() throws IOException {
    try (InputStream in = OpenApiContractTest.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      assertThat(in).as("%s on the classpath", RESOURCE).isNotNull();
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    spec = map(new Load(LoadSettings.builder().build()).loadFromString(text));
  }

  @AfterAll
  static void stop() {
    TestNodes.close(node);
  }

  /** A real node, started by the first test that needs one. */
  private static synchronized ParkgateNode node() {
    if (node == null) {
      node = TestNodes.start(TestNodes.config(TestNodes.newClusterName()).build());
    }
    return node;
  }

  // ---- (a) routes ------------------------------------------------------------------------------

  @Test
  void everyRouteIsDescribedAndEveryDescribedOperationIsARoute() {
    Set<String> routes = new TreeSet<>(node().httpRoutes());
    Set<String> described = operations().keySet();
    assertThat(routes).as("the node's HTTP routes").isNotEmpty();
    assertThat(described).as("PENDING_ROUTES are described in openapi.yaml").containsAll(PENDING_ROUTES);

    assertThat(diff(routes, described)).as("routes of ApiVerticle.router() missing from openapi.yaml").isEmpty();
    Set<String> notServed = diff(described, routes);
    notServed.removeAll(PENDING_ROUTES);
    assertThat(notServed).as("operations in openapi.yaml that the router does not serve").isEmpty();
  }

  // ---- (b) error codes -------------------------------------------------------------------------

  @Test
  void everyErrorCodeIsDocumentedWithItsHttpStatus() {
    Map<String, Integer> table = errorTable();
    Set<String> enumCodes = errorEnum();

    // code -> doc, strictly: every code a caller can see is in the enum and the table, same status
    for (ErrorCode code : ErrorCode.values()) {
      if (INTERNAL_CODES.contains(code.name())) {
        assertThat(enumCodes).as("internal code %s must not be documented", code).doesNotContain(code.name());
        continue;
      }
      assertThat(enumCodes).as("ErrorCode.%s in the Error schema's enum", code).contains(code.name());
      assertThat(table).as("ErrorCode.%s in the error table of info.description", code).containsKey(code.name());
      assertThat(table.get(code.name()))
          .as("HTTP status of %s: openapi.yaml's table vs ErrorCode.httpStatus()", code)
          .isEqualTo(code.httpStatus());
    }

    // doc -> code: a documented name that ErrorCode lacks must be pending
    Set<String> known = Arrays.stream(ErrorCode.values()).map(Enum::name).collect(Collectors.toSet());
    Set<String> unknown = diff(enumCodes, known);
    unknown.removeAll(PENDING_CODES);
    assertThat(unknown).as("codes in openapi.yaml that ErrorCode does not have (nor PENDING_CODES)").isEmpty();
  }

  @Test
  void theErrorTableAndTheErrorEnumListTheSameCodes() {
    Matcher m = TABLE_ROW.matcher(description());
    List<String> rows = new ArrayList<>();
    while (m.find()) {
      rows.add(m.group(1));
    }
    assertThat(rows).as("rows of the error table").doesNotHaveDuplicates();
    assertThat(errorEnum()).as("the Error schema's enum vs the error table").isEqualTo(new TreeSet<>(rows));
    assertThat(errorTable().values()).as("documented statuses").allSatisfy(s -> assertThat(s).isBetween(400, 599));
  }

  /**
   * Each error response admits only codes whose documented status is the response's status
   * (responses narrow the Error schema with {@code const} or {@code enum} on {@code error}), and
   * its examples use those codes. Every operation documents 500; every API operation 400, 401, 403.
   */
  @Test
  void everyErrorResponseCarriesOnlyCodesOfItsStatus() {
    Map<String, Integer> table = errorTable();
    operations().forEach((operation, op) -> {
      Map<String, Object> responses = map(op.get("responses"));
      assertThat(responses).as("%s responses", operation).containsKey("200").containsKey("500");
      if (SCOPES.containsKey(operation)) {
        assertThat(responses).as("%s responses", operation).containsKeys("400", "401", "403");
      }
      responses.forEach((status, r) -> {
        int code = Integer.parseInt(status);
        Map<String, Object> response = resolve(r);
        Object content = response.get("content") == null ? null : map(response.get("content")).get("application/json");
        Map<String, Object> json = content == null ? null : map(content);
        if (json == null || !refersToError(json.get("schema"))) {
          if (code >= 400) {
            assertThat(operation + " " + status).as("an error status that does not answer the Error schema")
                .isIn(NOT_ERROR_SCHEMA);
          }
          return;
        }
        Set<String> codes = narrowedCodes(json.get("schema"));
        assertThat(codes).as("%s %s: the codes it can carry (const/enum on error)", operation, status).isNotEmpty();
        for (String c : codes) {
          assertThat(table.get(c)).as("%s %s carries %s, documented with status", operation, status, c).isEqualTo(code);
        }
        Map<String, Object> examples = json.get("examples") == null ? Map.of() : map(json.get("examples"));
        assertThat(examples).as("%s %s examples", operation, status).isNotEmpty();
        examples.forEach((name, e) -> assertThat(map(map(e).get("value")).get("error"))
            .as("%s %s example %s", operation, status, name).isIn(codes));
      });
    });
  }

  // ---- security and parameters -----------------------------------------------------------------

  @Test
  void apiOperationsNeedAKeyWithTheirScopeAndTheOthersAreOpen() {
    Map<String, Object> schemes = map(map(spec.get("components")).get("securitySchemes"));
    Map<String, Object> apiKey = map(schemes.get("apiKey"));
    assertThat(apiKey).containsEntry("type", "http").containsEntry("scheme", "bearer");

    operations().forEach((operation, op) -> {
      List<Object> security = list(op.get("security"));
      String scope = SCOPES.get(operation);
      if (ANY_KEY.contains(operation)) {
        assertThat(security).as("%s security", operation).containsExactly(Map.of("apiKey", List.of()));
        assertThat(op).as("%s x-required-scope", operation).doesNotContainKey("x-required-scope");
      } else if (scope == null) {
        assertThat(operation).as("only /api/v1/ operations need a key").doesNotContain(" /api/");
        assertThat(security).as("%s is open: security: []", operation).isEmpty();
        assertThat(op).as("%s x-required-scope", operation).doesNotContainKey("x-required-scope");
      } else {
        assertThat(op.get("x-required-scope")).as("%s x-required-scope", operation).isEqualTo(scope);
        assertThat(security).as("%s security", operation).containsExactly(Map.of("apiKey", List.of(scope)));
        assertThat((String) op.get("description")).as("%s description names its scope", operation)
            .contains("`" + scope + "`");
      }
    });
    assertThat(operations().keySet()).as("operations with a scope").containsAll(SCOPES.keySet());
  }

  @Test
  void parametersMatchTheCode() {
    Map<String, Object> params = map(map(spec.get("components")).get("parameters"));
    Map<String, Object> parkId = map(map(params.get("parkId")).get("schema"));
    assertThat(parkId.get("pattern")).as("parkId pattern vs ParkIds.PATTERN")
        .isEqualTo("^" + ParkIds.PATTERN.pattern() + "$");

    Map<String, Object> timeout = map(map(params.get("timeoutMs")).get("schema"));
    assertThat(((Number) timeout.get("default")).longValue()).as("timeoutMs default vs requests.defaultTimeoutMs")
        .isEqualTo(Settings.REQUESTS_DEFAULT_TIMEOUT_MS.defaultValue());
    assertThat(((Number) timeout.get("minimum")).longValue()).isEqualTo(1);
    assertThat(((Number) timeout.get("maximum")).longValue()).as("timeoutMs maximum vs requests.maxTimeoutMs")
        .isEqualTo(Settings.REQUESTS_MAX_TIMEOUT_MS.defaultValue());
    for (String name : List.of("lane", "plate")) {
      assertThat(map(map(params.get(name)).get("schema")).get("maxLength")).as(name).isEqualTo(64);
    }

    // every {template} of a path is declared as a path parameter of its operations
    operations().forEach((operation, op) -> {
      Set<String> templated = new TreeSet<>();
      Matcher m = Pattern.compile("\\{([^}]+)}").matcher(operation);
      while (m.find()) {
        templated.add(m.group(1));
      }
      Set<String> declared = new TreeSet<>();
      for (Object p : op.get("parameters") == null ? List.of() : list(op.get("parameters"))) {
        Map<String, Object> param = resolve(p);
        if ("path".equals(param.get("in"))) {
          declared.add((String) param.get("name"));
        }
      }
      assertThat(declared).as("%s path parameters", operation).isEqualTo(templated);
    });
  }

  @Test
  void everyRefResolves() {
    List<String> refs = new ArrayList<>();
    collectRefs(spec, refs);
    assertThat(refs).isNotEmpty();
    for (String ref : refs) {
      assertThat(ref).as("local refs only").startsWith("#/");
      assertThat(pointer(ref)).as("target of %s", ref).isNotNull();
    }
  }

  // ---- (c) served ------------------------------------------------------------------------------

  @Test
  void theNodeServesThisFileAtOpenApiYaml() {
    Http.Response r = new Http(node().httpPort()).get("/openapi.yaml");
    assertThat(r.status()).isEqualTo(200);
    // Http parses JSON; a YAML body is kept as is under "unparsed"
    assertThat(r.json()).isNotNull();
    assertThat(r.json().getString("unparsed")).as("body of GET /openapi.yaml").isEqualTo(text);
    assertThat(spec.get("openapi")).isEqualTo("3.1.0");
  }

  /**
   * What Http does not show: the media types the description promises, and the 401 challenge
   * header. Uses GET /api/v1/parks without a key (the test nodes are configured with keys).
   */
  @Test
  void theDocumentedMediaTypesAndChallengeAreServed() throws Exception {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    String base = "http://127.0.0.1:" + node().httpPort();

    HttpResponse<String> yaml = client.send(HttpRequest.newBuilder(URI.create(base + "/openapi.yaml"))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    Map<String, Object> content = map(map(map(map(operations().get("GET /openapi.yaml").get("responses")).get("200"))
        .get("content")));
    assertThat(yaml.headers().firstValue("content-type")).as("content-type of /openapi.yaml")
        .hasValueSatisfying(ct -> assertThat(content).containsKey(ct));

    HttpResponse<String> noKey = client.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/parks"))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(noKey.statusCode()).as("GET /api/v1/parks without a key").isEqualTo(401);
    Map<String, Object> unauthorized = resolve(map(operations().get("GET /api/v1/parks").get("responses")).get("401"));
    for (String header : map(unauthorized.get("headers")).keySet()) {
      assertThat(noKey.headers().firstValue(header)).as("documented header %s of a 401", header).isPresent();
    }
    assertThat(noKey.headers().firstValue("www-authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
    assertThat(noKey.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(new io.vertx.core.json.JsonObject(noKey.body()).getString("error")).isEqualTo("UNAUTHORIZED");
  }

  // ---- reading the description -----------------------------------------------------------------

  /** "METHOD /path" -> operation object, for every operation of every path. */
  private static Map<String, Map<String, Object>> operations() {
    Map<String, Map<String, Object>> out = new TreeMap<>();
    map(spec.get("paths")).forEach((path, item) -> map(item).forEach((key, op) -> {
      if (HTTP_METHODS.contains(key)) {
        out.put(key.toUpperCase() + " " + path, map(op));
      }
    }));
    return out;
  }

  private static String description() {
    return (String) map(spec.get("info")).get("description");
  }

  /** The error table of info.description: code -> HTTP status. */
  private static Map<String, Integer> errorTable() {
    Map<String, Integer> out = new LinkedHashMap<>();
    Matcher m = TABLE_ROW.matcher(description());
    while (m.find()) {
      out.put(m.group(1), Integer.parseInt(m.group(2)));
    }
    assertThat(out).as("error table rows `| CODE | status |` in info.description").isNotEmpty();
    return out;
  }

  private static Set<String> errorEnum() {
    Map<String, Object> error = map(map(map(map(spec.get("components")).get("schemas")).get("Error")).get("properties"));
    List<Object> values = list(map(error.get("error")).get("enum"));
    assertThat(values).as("Error.error enum").doesNotHaveDuplicates();
    return values.stream().map(String::valueOf).collect(Collectors.toCollection(TreeSet::new));
  }

  private static boolean refersToError(Object schema) {
    List<String> refs = new ArrayList<>();
    collectRefs(schema, refs);
    return refs.contains("#/components/schemas/Error");
  }

  /** The codes a response schema admits: allOf [Error, {properties: {error: {const | enum}}}]. */
  private static Set<String> narrowedCodes(Object schema) {
    Set<String> out = new TreeSet<>();
    Map<String, Object> s = map(schema);
    List<Object> parts = s.containsKey("allOf") ? list(s.get("allOf")) : List.of(s);
    for (Object part : parts) {
      Object props = map(part).get("properties");
      Object error = props == null ? null : map(props).get("error");
      if (error == null) {
        continue;
      }
      Map<String, Object> e = map(error);
      if (e.containsKey("const")) {
        out.add((String) e.get("const"));
      }
      if (e.containsKey("enum")) {
        list(e.get("enum")).forEach(v -> out.add((String) v));
      }
    }
    return out;
  }

  /** Follows a {@code $ref} (once) to its target. */
  private static Map<String, Object> resolve(Object node) {
    Map<String, Object> m = map(node);
    return m.containsKey("$ref") ? map(pointer((String) m.get("$ref"))) : m;
  }

  private static Object pointer(String ref) {
    Object at = spec;
    for (String token : ref.substring(2).split("/")) {
      if (!(at instanceof Map<?, ?> m)) {
        return null;
      }
      at = m.get(token.replace("~1", "/").replace("~0", "~"));
    }
    return at;
  }

  private static void collectRefs(Object node, List<String> out) {
    if (node instanceof Map<?, ?> m) {
      m.forEach((k, v) -> {
        if ("$ref".equals(k) && v instanceof String s) {
          out.add(s);
        } else {
          collectRefs(v, out);
        }
      });
    } else if (node instanceof List<?> l) {
      l.forEach(v -> collectRefs(v, out));
    }
  }

  private static Set<String> diff(Set<String> a, Set<String> b) {
    Set<String> out = new TreeSet<>(a);
    out.removeAll(b);
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    assertThat(o).isInstanceOf(Map.class);
    return (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object o) {
    assertThat(o).isInstanceOf(List.class);
    return (List<Object>) o;
  }
}
