package io.parkgate;

import io.parkgate.config.ConfigException;
import io.parkgate.config.ParkgateConfig;
import io.parkgate.config.Settings;
import io.parkgate.config.SettingsResolution;
import io.parkgate.config.SettingsDoc;
import io.parkgate.security.ApiKeys;
import io.parkgate.sim.ControllerSimulator;
import io.parkgate.sim.SimulatorOptions;
import io.parkgate.sim.SimulatorStats;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** The command line: {@code run} (default), {@code demo}, {@code simulate}. */
@Command(name = "parkgate", mixinStandardHelpOptions = true, version = "parkgate 0.1.0",
    description = "Gateway between parking-lot gate controllers and payment apps.",
    subcommands = {Main.Run.class, Main.Demo.class, Main.Simulate.class, Main.Token.class, Main.ClusterSecret.class, Main.ApiKey.class,
        Main.Config.class})
public final class Main implements Runnable {

  private static final Logger LOG = LoggerFactory.getLogger(Main.class);
  private static final long SHUTDOWN_WAIT_SECONDS = 60;

  public static void main(String[] args) {
    System.setProperty("java.net.preferIPv4Stack", System.getProperty("java.net.preferIPv4Stack", "true"));
    System.setProperty("hazelcast.logging.type", "slf4j");
    int code = commandLine().execute(withDefaultCommand(args));
    if (code != 0) {
      System.exit(code);
    }
  }

  /** The command line with every subcommand's flags, those of the settings table included. */
  static CommandLine commandLine() {
    return NodeOptions.addSettingFlags(new CommandLine(new Main()));
  }

  /** {@code run} is the default: no subcommand (or only options) means run. */
  static String[] withDefaultCommand(String[] args) {
    Set<String> passThrough = Set.of("-h", "--help", "-V", "--version");
    if (args.length == 0 || (args[0].startsWith("-") && !passThrough.contains(args[0]))) {
      String[] withRun = new String[args.length + 1];
      withRun[0] = "run";
      System.arraycopy(args, 0, withRun, 1, args.length);
      return withRun;
    }
    return args;
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  @Command(name = "run", mixinStandardHelpOptions = true,
      description = "Start one clustered parkgate node (controller listener + HTTP API).")
  static final class Run implements java.util.concurrent.Callable<Integer> {
    @Mixin
    NodeOptions node;

    @Override
    public Integer call() {
      ParkgateConfig config;
      try {
        config = node.toConfig();
      } catch (ConfigException e) {
        System.err.println("invalid configuration: " + e.getMessage());
        return 2;
      }
      return startAndWait(() -> ParkgateNode.start(config), n -> Future.succeededFuture(), drainThenClose(config));
    }
  }

  @Command(name = "demo", mixinStandardHelpOptions = true,
      description = "One node plus 3 simulated parks (g3 goes silent after 30 s), with curl commands to try.")
  static final class Demo implements java.util.concurrent.Callable<Integer> {
    @Mixin
    NodeOptions node;

    @Option(names = "--blackhole-after", defaultValue = "30", description = "seconds before g3 goes silent (default ${DEFAULT-VALUE})")
    long blackholeAfter;

    @Override
    public Integer call() {
      ParkgateConfig config;
      String secret = "demo-" + UUID.randomUUID();
      String apiKey = ApiKeys.generate();
      try {
        java.util.Map<String, String> env = new java.util.HashMap<>(System.getenv());
        env.put(Settings.TOKEN_SECRET.env(), secret);
        env.put(Settings.API_KEYS.env(), ApiKeys.entry("demo", apiKey, ApiKeys.SCOPES));
        env.putIfAbsent(Settings.CLUSTER_NAME.env(), "parkgate-demo-" + UUID.randomUUID());
        config = SettingsResolution.toConfig(node.resolve(env));
      } catch (ConfigException e) {
        System.err.println("invalid configuration: " + e.getMessage());
        return 2;
      }
      if (config.httpPort() == null || config.controllerPort() == null) {
        System.err.println("the demo needs both listeners: --http-port and --controller-port cannot be off");
        return 2;
      }
      return startAndWait(() -> ParkgateNode.start(config), n -> {
        SimulatorOptions sim = new SimulatorOptions("127.0.0.1", n.controllerPort(), 3, "g", 800, 20,
            Set.of("g3"), blackholeAfter, config.tokenSecret(), false);
        return ControllerSimulator.deploy(n.vertx(), sim, false)
            .compose(stats -> waitForGates(n.vertx(), stats, 3, 10_000))
            .onSuccess(v -> printDemo(n.httpPort(), blackholeAfter, apiKey));
      }, drainThenClose(config));
    }
  }

  @Command(name = "simulate", mixinStandardHelpOptions = true,
      description = "Run N simulated gate controllers speaking protocol v1 until killed.")
  static final class Simulate implements java.util.concurrent.Callable<Integer> {
    @Option(names = "--host", defaultValue = "127.0.0.1", description = "server host (default ${DEFAULT-VALUE})")
    String host;
    @Option(names = "--port", defaultValue = "8282", description = "server controller port (default ${DEFAULT-VALUE})")
    int port;
    @Option(names = {"--controllers", "--gates"}, required = true,
        description = "number of controllers, park IDs <prefix>1..<prefix>N (--gates: its old name)")
    int controllers;
    @Option(names = "--prefix", defaultValue = "g", description = "park ID prefix (default ${DEFAULT-VALUE})")
    String prefix;
    @Option(names = "--amount", defaultValue = "800", description = "fee answered, minor units (default ${DEFAULT-VALUE})")
    long amount;
    @Option(names = "--delay-ms", defaultValue = "0", description = "time to answer each request (default ${DEFAULT-VALUE})")
    long delayMs;
    @Option(names = "--blackhole", split = ",", description = "park IDs that go silent (comma separated)")
    List<String> blackhole;
    @Option(names = "--blackhole-after", defaultValue = "0", description = "seconds after hello before they go silent (default ${DEFAULT-VALUE})")
    long blackholeAfter;
    @Option(names = "--protocol", defaultValue = "v1", description = "v1 or legacy (default ${DEFAULT-VALUE})")
    String protocol;
    @Option(names = "--tls-trust", description = "connect with TLS, trusting this PEM certificate or CA")
    String tlsTrust;
    @Option(names = "--source-addresses", split = ",",
        description = "local addresses to connect from, round-robin (e.g. 127.0.0.2,127.0.0.3: more ephemeral ports)")
    List<String> sourceAddresses;
    @Option(names = "--events-per-second", defaultValue = "0",
        description = "vehicle entries and exits the gates report (event.report), in all, spread over the gates (default ${DEFAULT-VALUE})")
    double eventsPerSecond;
    @Option(names = "--event-backlog", defaultValue = "0",
        description = "events the first gate holds at its first hello, as after an outage, sent as fast as parkgate takes them (default ${DEFAULT-VALUE})")
    int eventBacklog;
    @Option(names = "--event-backlog-after", defaultValue = "0",
        description = "seconds after the start the backlog appears, as when an outage ends (default ${DEFAULT-VALUE}: at once)")
    long eventBacklogAfter;
    @Option(names = "--stats-file",
        description = "write the counters (per payment: notifications, barrier openings) as JSON to this file every second")
    String statsFile;

    @Override
    public Integer call() {
      if (controllers < 0 || port <= 0 || port > 65535 || delayMs < 0 || blackholeAfter < 0
          || !(protocol.equals("v1") || protocol.equals("legacy")) || eventsPerSecond < 0 || eventBacklog < 0 || eventBacklogAfter < 0) {
        System.err.println("invalid arguments: --controllers >= 0, --port 1..65535, --delay-ms >= 0, --blackhole-after >= 0,"
            + " --protocol v1|legacy, --events-per-second >= 0, --event-backlog >= 0, --event-backlog-after >= 0");
        return 2;
      }
      String secret = System.getenv(Settings.TOKEN_SECRET.env());
      if (protocol.equals("v1") && (secret == null || secret.length() < 16)) {
        LOG.warn("PARKGATE_TOKEN_SECRET is not set: controllers send a placeholder token (fine only against"
            + " a node started with --insecure-accept-any-token)");
        secret = null;
      }
      SimulatorOptions options = new SimulatorOptions(host, port, controllers, prefix, amount, delayMs,
          blackhole == null ? Set.of() : new HashSet<>(blackhole), blackholeAfter, secret, protocol.equals("legacy"),
          tlsTrust, sourceAddresses).withEvents(eventsPerSecond, eventBacklog, eventBacklogAfter);
      Vertx vertx = Vertx.vertx();
      LOG.info("simulating {} controllers {}1..{}{} against {}:{}", controllers, prefix, prefix, controllers, host, port);
      return startAndWait(() -> ControllerSimulator.deploy(vertx, options, true).map(stats -> {
        if (statsFile != null) {
          vertx.setPeriodic(1_000, t -> writeStats(vertx, stats));
        }
        return vertx;
      }), v -> Future.succeededFuture(), Vertx::close);
    }

    /** Written aside, then moved over the file, so a reader never sees half of it. */
    private void writeStats(Vertx vertx, io.parkgate.sim.SimulatorStats stats) {
      String tmp = statsFile + ".tmp";
      vertx.fileSystem().writeFile(tmp, stats.toJson().toBuffer())
          .compose(v -> vertx.fileSystem().move(tmp, statsFile, new io.vertx.core.file.CopyOptions().setReplaceExisting(true)))
          .onFailure(e -> LOG.warn("cannot write {}: {}", statsFile, e.getMessage()));
    }
  }

  @Command(name = "config", mixinStandardHelpOptions = true,
      description = "Print the effective configuration (file, environment, flags) with secrets masked, and check it.")
  static final class Config implements java.util.concurrent.Callable<Integer> {
    @Mixin
    NodeOptions node;

    @Option(names = "--markdown", description = "print the README's configuration table (made from the settings table)")
    boolean markdown;

    @Option(names = "--yaml", description = "print conf/parkgate.yaml: every setting with its default")
    boolean yaml;

    @Override
    public Integer call() {
      if (markdown || yaml) {
        System.out.print(markdown ? SettingsDoc.markdownTable() : SettingsDoc.yaml());
        return 0;
      }
      try {
        Map<String, SettingsResolution.Resolved> resolved = node.resolve(System.getenv());
        for (SettingsResolution.Resolved r : resolved.values()) {
          System.out.printf("%-36s = %-24s # %s%n", r.key(), r.shown(), r.source());
        }
        ParkgateConfig config = SettingsResolution.toConfig(resolved);
        System.out.printf("# derived: %d instances per listener, idle timeout %d ms%n", config.listenInstances(),
            config.idleTimeoutMs());
        System.out.println("# configuration is valid");
        return 0;
      } catch (ConfigException e) {
        System.err.println("invalid configuration: " + e.getMessage());
        return 2;
      }
    }
  }

  @Command(name = "token", mixinStandardHelpOptions = true,
      description = {"Print the hello token of a park, signed with PARKGATE_TOKEN_SECRET.",
          "With --parks-file, print \"parkId,token\" CSV for every park ID in the file (one per line;"
              + " blank lines and lines starting with # are skipped; - reads standard input), for"
              + " handing thousands of tokens to a vendor at once."})
  static final class Token implements java.util.concurrent.Callable<Integer> {
    @picocli.CommandLine.Parameters(paramLabel = "PARK_ID", arity = "0..1", description = "the park ID")
    String parkId;

    @picocli.CommandLine.Option(names = "--parks-file", paramLabel = "FILE",
        description = "park IDs, one per line (- for standard input): prints CSV parkId,token")
    String parksFile;

    @Override
    public Integer call() throws java.io.IOException {
      if ((parkId == null) == (parksFile == null)) {
        System.err.println("give either one PARK_ID or --parks-file FILE");
        return 2;
      }
      String secret = tokenSecretFromEnvironment();
      if (secret == null) {
        return 2;
      }
      io.parkgate.security.ParkTokens tokens = new io.parkgate.security.ParkTokens(secret, null);
      if (parkId != null) {
        if (!io.parkgate.bus.ParkIds.isValid(parkId)) {
          System.err.println("invalid park ID: must match " + io.parkgate.bus.ParkIds.PATTERN.pattern());
          return 2;
        }
        System.out.println(tokens.sign(parkId));
        return 0;
      }
      List<String> lines = "-".equals(parksFile)
          ? new java.io.BufferedReader(new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8))
              .lines().toList()
          : java.nio.file.Files.readAllLines(java.nio.file.Path.of(parksFile));
      // every ID is checked before anything is printed: a half-written CSV must not reach a vendor
      List<String> ids = new java.util.ArrayList<>();
      java.util.Set<String> seen = new java.util.HashSet<>();
      int bad = 0;
      for (int i = 0; i < lines.size(); i++) {
        String id = lines.get(i).strip();
        if (id.isEmpty() || id.startsWith("#")) {
          continue;
        }
        if (!io.parkgate.bus.ParkIds.isValid(id)) {
          System.err.println(parksFile + ":" + (i + 1) + ": invalid park ID '" + id + "': must match "
              + io.parkgate.bus.ParkIds.PATTERN.pattern());
          bad++;
        } else if (seen.add(id)) {
          ids.add(id);
        }
      }
      if (bad > 0) {
        System.err.println(bad + " invalid park IDs: nothing printed");
        return 2;
      }
      StringBuilder csv = new StringBuilder("parkId,token\n");
      ids.forEach(id -> csv.append(id).append(',').append(tokens.sign(id)).append('\n'));
      System.out.print(csv);
      System.out.flush();
      return 0;
    }
  }

  /** The token secret of the environment, or null (said on stderr) when unset or too short. */
  private static String tokenSecretFromEnvironment() {
    String secret = System.getenv(Settings.TOKEN_SECRET.env());
    if (secret == null || secret.length() < 16) {
      System.err.println(Settings.TOKEN_SECRET.env() + " must be set (at least 16 characters)");
      return null;
    }
    return secret;
  }

  @Command(name = "cluster-secret", mixinStandardHelpOptions = true,
      description = "Print the cluster secret a node derives from PARKGATE_TOKEN_SECRET when PARKGATE_CLUSTER_SECRET"
          + " is unset: set it as PARKGATE_CLUSTER_SECRET before rotating the token secret (docs/security.md).")
  static final class ClusterSecret implements java.util.concurrent.Callable<Integer> {
    @Override
    public Integer call() {
      String secret = tokenSecretFromEnvironment();
      if (secret == null) {
        return 2;
      }
      System.out.println(io.parkgate.security.ClusterCredentials.derivedFromTokenSecret(secret));
      return 0;
    }
  }

  @Command(name = "apikey", mixinStandardHelpOptions = true,
      description = "Make a new HTTP API key: prints the key (give it to the client) and the PARKGATE_API_KEYS entry (its hash).")
  static final class ApiKey implements java.util.concurrent.Callable<Integer> {
    @picocli.CommandLine.Parameters(index = "0", paramLabel = "NAME", description = "who the key is for")
    String name;

    @picocli.CommandLine.Parameters(index = "1", paramLabel = "SCOPES", split = ",",
        description = "comma-separated scopes: fee:read, payment:write, payment:read, parks:read, webhooks:read,"
            + " webhooks:write, admin")
    List<String> scopes;

    @Override
    public Integer call() {
      if (!name.matches("[A-Za-z0-9._-]{1,64}") || !ApiKeys.SCOPES.containsAll(scopes)) {
        System.err.println("NAME must be 1-64 of [A-Za-z0-9._-]; SCOPES among " + ApiKeys.SCOPES);
        return 2;
      }
      String key = ApiKeys.generate();
      System.out.println("key:   " + key);
      System.out.println("entry: " + ApiKeys.entry(name, key, new java.util.LinkedHashSet<>(scopes)));
      return 0;
    }
  }

  /** Starts something, installs a shutdown hook that closes it, and returns; Vert.x keeps the JVM alive. */
  private static java.util.function.Function<ParkgateNode, Future<Void>> drainThenClose(ParkgateConfig config) {
    return node -> node.drain(config.drainGraceMs()).eventually(node::close);
  }

  private static <T> int startAndWait(Supplier<Future<T>> start, java.util.function.Function<T, Future<?>> then,
      java.util.function.Function<T, Future<Void>> stop) {
    T started;
    try {
      // the main thread is not a Vert.x thread: await blocks it, within the bound
      started = start.get().compose(t -> then.apply(t).map(t)).await(SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      System.err.println("start failed: not started within " + SHUTDOWN_WAIT_SECONDS + " s");
      return 1;
    } catch (Exception e) {
      // await rethrows the failure as it is, checked or not
      System.err.println("start failed: " + e.getMessage());
      return 1;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("shutting down");
      try {
        stop.apply(started).await(SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS);
        LOG.info("stopped");
      } catch (Exception e) {
        LOG.warn("stop did not finish cleanly within {} s: {}", SHUTDOWN_WAIT_SECONDS, e.toString());
      }
    }, "parkgate-shutdown"));
    return 0;
  }

  private static Future<Void> waitForGates(Vertx vertx, SimulatorStats stats, int n, long withinMs) {
    io.vertx.core.Promise<Void> promise = io.vertx.core.Promise.promise();
    long deadline = System.currentTimeMillis() + withinMs;
    vertx.setPeriodic(50, t -> {
      if (stats.connected() >= n) {
        vertx.cancelTimer(t);
        promise.tryComplete();
      } else if (System.currentTimeMillis() > deadline) {
        vertx.cancelTimer(t);
        promise.tryFail("only " + stats.connected() + " of " + n + " simulated controllers connected");
      }
    });
    return promise.future();
  }

  private static void printDemo(int httpPort, long blackholeAfter, String apiKey) {
    String base = "http://127.0.0.1:" + httpPort + "/api/v1/parks";
    String auth = "-H \"Authorization: Bearer $KEY\" ";
    System.out.println(String.join("\n", Arrays.asList(
        "",
        "parkgate demo is running: parks g1, g2 and g3 are connected; g3 goes silent after " + blackholeAfter + " s.",
        "Demo API key (all scopes): " + apiKey,
        "Try:",
        "  KEY=" + apiKey,
        "  curl -s " + auth + "'" + base + "/g1/fee?plate=ABC123'",
        "  curl -s " + auth + "-X POST -H 'content-type: application/json' -d '{\"paymentId\":\"pay-1\",\"amount\":800,\"plate\":\"ABC123\"}' " + base + "/g1/payments",
        "  curl -s " + auth + base + "/g2",
        "  curl -s " + auth + base,
        "  curl -s " + auth + "'" + base + "/g3/fee?timeoutMs=1000'    # after " + blackholeAfter + " s: 504 GATE_TIMEOUT, then 503 GATE_UNRESPONSIVE at once",
        "  curl -s " + auth + base + "/nowhere/fee                 # 503 GATE_OFFLINE at once",
        "  curl -s " + base + "/g1/fee                             # 401 UNAUTHORIZED without a key",
        "  curl -s " + auth + base + "/g3/events                   # g3's history: why it went offline",
        "Operator console: " + base.replace("/api/v1/parks", "/console/") + "  (sign in with the key above)",
        "Stop with Ctrl-C.",
        "")));
  }
}
