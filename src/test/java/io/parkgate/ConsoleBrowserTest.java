package io.parkgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.parkgate.security.ApiKeys;
import io.parkgate.sim.ControllerSimulator;
import io.parkgate.sim.SimulatorOptions;
import io.parkgate.sim.SimulatorStats;
import io.parkgate.testing.OneNode;
import io.parkgate.testing.TestChromium;
import io.parkgate.testing.TestNodes;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The operator console (/console/) in a real browser: Debian's headless Chromium, driven by
 * Selenium, against a real clustered node with simulated controllers on real sockets. It fails on
 * any error the page writes to the browser console; screenshots of each step are saved under
 * {@code target/console-screenshots/}.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ConsoleBrowserTest {

  /** The key an operator signs in with: it may list parks and query fees, nothing else. */
  private static final String OPS_KEY = "pk_console-test-ops-key";

  /** The console polls every 2 s: anything it shows must appear within a few polls. */
  private static final Duration POLL = Duration.ofSeconds(2);
  private static final Duration WITHIN_A_FEW_POLLS = POLL.multipliedBy(5);

  private static final Path WORK = Path.of("target", "console-screenshots");

  /**
   * The only messages the page may log at SEVERE: the browser's own line for an API answer that
   * the console expects and shows in the page (the status of an offline park is a 404 by design).
   * Script errors, CSP violations, failed assets and any other status all fail the test.
   */
  private final List<Pattern> expectedNetworkErrors = new ArrayList<>();

  @RegisterExtension
  static final OneNode NODE = OneNode.of(b -> b.apiKeys(ApiKeys.entry("tests", TestNodes.API_KEY, ApiKeys.SCOPES)
      + ";" + ApiKeys.entry("ops", OPS_KEY, Set.of("parks:read", "fee:read"))));

  private final List<Vertx> simulators = new ArrayList<>();
  private TestChromium chromium;
  private ChromeDriver browser;
  private final List<LogEntry> browserLog = new ArrayList<>();
  private int shot;

  @AfterEach
  void stopEverything() {
    if (chromium != null) {
      chromium.close();
    }
    simulators.forEach(v -> TestNodes.await(v.close()));
  }

  @Test
  void operatorSeesTheSimulatorsParksAndTheCloseReasonOfAKilledController() {
    TestChromium.require();
    // GIVEN three simulated parks that stay, and one (k1) on a simulator of its own, to be killed
    SimulatorStats staying = simulate("g", 3);
    Vertx doomedSimulator = Vertx.vertx();
    simulators.add(doomedSimulator);
    SimulatorStats doomed = simulate(doomedSimulator, "k", 1);
    assertThat(TestNodes.poll(Duration.ofSeconds(10), () -> NODE.http().get("/api/v1/parks?limit=10").json()
        .getJsonArray("items").size() == 4)).as("4 parks listed by the node").isTrue();
    clearScreenshots();
    chromium = TestChromium.start(WORK);
    browser = chromium.driver();
    WebDriverWait wait = new WebDriverWait(browser, WITHIN_A_FEW_POLLS, Duration.ofMillis(100));
    wait.ignoring(StaleElementReferenceException.class);
    try {
      // WHEN the operator opens the console
      browser.get(consoleUrl());
      WebElement key = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("api-key")));
      screenshot("sign-in");
      // AND signs in with a wrong key first: the page says so and stays on the sign-in form
      expectNetworkError("/api/v1/me", 401);
      key.sendKeys("pk_not-a-key", Keys.ENTER);
      wait.withMessage("the sign-in form shows that the key is unknown")
          .until(ExpectedConditions.textToBePresentInElementLocated(By.id("signin-error"), "401"));
      // AND then with the operator's key, submitted with Enter
      key.clear();
      key.sendKeys(OPS_KEY, Keys.ENTER);

      // THEN the cluster and every simulated park are shown
      wait.withMessage("the parks table lists g1, g2, g3 and k1")
          .until(d -> parkLinks().containsAll(List.of("g1", "g2", "g3", "k1")));
      wait.withMessage("the totals count 4 parks online")
          .until(ExpectedConditions.textToBe(By.id("total-online"), "4"));
      assertThat(browser.findElement(By.cssSelector("#nodes tbody")).getText()).contains("(this node)").contains("ready");
      assertThat(rowOf("k1").getText()).contains("v1").contains("online");
      // AND the key is only in the tab's session storage, never in the URL
      assertThat(browser.getCurrentUrl()).doesNotContain(OPS_KEY);
      assertThat(((JavascriptExecutor) browser).executeScript("return sessionStorage.getItem('parkgate.console.apiKey')"))
          .isEqualTo(OPS_KEY);
      screenshot("parks");

      // WHEN the search narrows the table to park IDs starting with "k" (Enter submits it)
      browser.findElement(By.id("search-prefix")).sendKeys("k", Keys.ENTER);
      wait.withMessage("the search by prefix 'k' leaves only k1")
          .until(d -> parkLinks().equals(List.of("k1")));
      screenshot("search");

      // AND the operator opens k1
      browser.findElement(By.linkText("k1")).click();
      wait.withMessage("k1's page shows the park online, with its opening in the timeline")
          .until(d -> text("park-status").contains("online") && text("events").contains("Connected"));
      assertThat(browser.getCurrentUrl()).endsWith("#/parks/k1");
      // AND asks for the fee (the key has fee:read): the gate's answer is shown
      browser.findElement(By.id("fee-button")).click();
      wait.withMessage("the fee answered by k1's simulated gate")
          .until(ExpectedConditions.textToBePresentInElementLocated(By.id("fee-result"), "800 minor units"));
      // (the key lacks payment:read: no payments section)
      assertThat(browser.findElement(By.id("payments-box")).isDisplayed()).isFalse();
      screenshot("park-online");

      // WHEN k1's controller is killed: its socket closes
      expectNetworkError("/api/v1/parks/k1", 404);
      long killedAt = System.nanoTime();
      TestNodes.await(doomedSimulator.close());
      simulators.remove(doomedSimulator);
      assertThat(doomed.connected()).isZero();

      // THEN the timeline shows the close with its reason, newest first, within a few polls
      wait.withMessage("k1's timeline shows the session closed with reason peer_closed")
          .until(d -> firstEventText().contains("peer_closed"));
      long shownMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
      WebElement newest = browser.findElement(By.cssSelector("#events li"));
      assertThat(newest.getAttribute("class")).contains("event-closed");
      assertThat(newest.findElement(By.cssSelector(".reason")).getText()).startsWith("peer_closed");
      // AND the park's status says offline, with the same reason
      wait.withMessage("k1's status shows it offline with its last close")
          .until(d -> text("park-status").contains("offline") && text("park-status").contains("peer_closed"));
      screenshot("park-closed");
      System.out.printf("console: close reason shown %d ms after the controller was killed (polling every %d ms)%n",
          shownMs, POLL.toMillis());

      // AND the other parks are untouched
      assertThat(staying.connected()).isEqualTo(3);
      browser.findElement(By.id("back")).click();
      wait.withMessage("back on the overview, 3 parks online")
          .until(ExpectedConditions.textToBe(By.id("total-online"), "3"));
      screenshot("overview-after");
    } catch (RuntimeException | AssertionError e) {
      screenshot("failure");
      throw e;
    } finally {
      drainBrowserLog();
      saveBrowserLog();
    }
    // AND nothing went wrong in the page: no script error, CSP violation or unexpected status
    assertThat(unexpectedErrors()).as("SEVERE entries in the browser console (see %s)", WORK.resolve("browser-console.log"))
        .isEmpty();
  }

  @Test
  void servesTheConsoleFromTheJarWithHeadersThatForbidInlineScriptAndOtherOrigins() throws Exception {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpResponse<String> redirect = client.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/console"))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(redirect.statusCode()).isEqualTo(302);
    assertThat(redirect.headers().firstValue("location")).hasValue("/console/");
    for (String file : List.of("", "app.js", "app.css", "favicon.svg")) {
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(consoleUrl() + file))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(file).isEqualTo(200);
      assertThat(r.headers().firstValue("content-security-policy")).as(file).hasValueSatisfying(csp ->
          assertThat(csp).contains("default-src 'self'").contains("script-src 'self'").doesNotContain("unsafe"));
      assertThat(r.headers().firstValue("x-content-type-options")).as(file).hasValue("nosniff");
      assertThat(r.headers().firstValue("cache-control")).as(file).hasValue("no-cache");
    }
    HttpResponse<String> missing = client.send(HttpRequest.newBuilder(URI.create(consoleUrl() + "nothing-here.js"))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(missing.statusCode()).isEqualTo(404);
  }

  @Test
  void theConsoleNeverWritesApiDataAsHtml() throws IOException {
    // park IDs and remote addresses are attacker-controlled: text only, and no inline script to inject into
    Path dir = Path.of("src", "main", "resources", "io", "parkgate", "console");
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.toList()) {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        assertThat(text).as(file.toString())
            .doesNotContain("innerHTML").doesNotContain("outerHTML").doesNotContain("insertAdjacentHTML")
            .doesNotContain("document.write").doesNotContain("eval(").doesNotContain("new Function")
            .doesNotContainPattern("(?i)<script(?![^>]*\\ssrc=)").doesNotContainPattern("(?i)\\sstyle=")
            .doesNotContainPattern("(?i)\\son[a-z]+=");
        if (!file.toString().endsWith(".svg")) { // an SVG names its XML namespace by URL
          assertThat(text).as(file.toString()).doesNotContainPattern("(?i)https?://");
        }
      }
    }
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private SimulatorStats simulate(String prefix, int gates) {
    Vertx vertx = Vertx.vertx();
    simulators.add(vertx);
    return simulate(vertx, prefix, gates);
  }

  private static SimulatorStats simulate(Vertx vertx, String prefix, int gates) {
    SimulatorOptions options = new SimulatorOptions("127.0.0.1", NODE.node().controllerPort(), gates, prefix, 800, 0,
        Set.of(), 0, TestNodes.TOKEN_SECRET, false);
    SimulatorStats stats = TestNodes.await(ControllerSimulator.deploy(vertx, options, false));
    assertThat(TestNodes.poll(Duration.ofSeconds(10), () -> stats.connected() == gates))
        .as("all %d simulated gates %s* online", gates, prefix).isTrue();
    return stats;
  }

  private static String baseUrl() {
    return "http://127.0.0.1:" + NODE.node().httpPort();
  }

  private static String consoleUrl() {
    return baseUrl() + "/console/";
  }

  /** Read in one script call: a refresh may replace rows between a find and a read. */
  @SuppressWarnings("unchecked")
  private List<String> parkLinks() {
    return (List<String>) ((JavascriptExecutor) browser).executeScript(
        "return Array.from(document.querySelectorAll('#parks tbody th a'), a => a.textContent)");
  }

  private WebElement rowOf(String parkId) {
    return browser.findElement(By.xpath("//table[@id='parks']/tbody/tr[th/a[text()='" + parkId + "']]"));
  }

  private String text(String id) {
    return browser.findElement(By.id(id)).getText();
  }

  private String firstEventText() {
    return (String) ((JavascriptExecutor) browser).executeScript(
        "const li = document.querySelector('#events li'); return li ? li.textContent : ''");
  }

  private void expectNetworkError(String path, int status) {
    expectedNetworkErrors.add(Pattern.compile(Pattern.quote(baseUrl() + path)
        + " - Failed to load resource: the server responded with a status of " + status + "\\b.*"));
  }

  private void drainBrowserLog() {
    if (browser != null) {
      browserLog.addAll(browser.manage().logs().get(LogType.BROWSER).getAll());
    }
  }

  private List<String> unexpectedErrors() {
    return browserLog.stream()
        .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
        .map(LogEntry::getMessage)
        .filter(m -> expectedNetworkErrors.stream().noneMatch(p -> p.matcher(m).matches()))
        .toList();
  }

  private void saveBrowserLog() {
    try {
      Files.createDirectories(WORK);
      Files.write(WORK.resolve("browser-console.log"), browserLog.stream().map(LogEntry::toString).toList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Screenshots of an earlier run must not pass for this run's. */
  private static void clearScreenshots() {
    try (Stream<Path> files = Files.exists(WORK) ? Files.list(WORK) : Stream.empty()) {
      for (Path file : files.filter(f -> f.toString().endsWith(".png") || f.toString().endsWith(".log")).toList()) {
        Files.delete(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void screenshot(String name) {
    if (browser == null) {
      return;
    }
    try {
      Files.createDirectories(WORK);
      Path png = browser.getScreenshotAs(OutputType.FILE).toPath();
      Files.copy(png, WORK.resolve(String.format("%02d-%s.png", ++shot, name)), StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException | RuntimeException e) {
      System.err.println("console: screenshot " + name + " failed: " + e);
    }
  }
}
