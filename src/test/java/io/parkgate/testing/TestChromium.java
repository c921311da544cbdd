package io.parkgate.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * Debian's headless Chromium driven through its ChromeDriver, installed by {@code scripts/test-env}
 * (packages {@code chromium} and {@code chromium-driver}). Without them a test that needs them
 * fails under CI (CI=true) and is skipped, saying why, elsewhere: the same rule as
 * {@link TestPostgres}. Close it to quit the browser and delete its profile.
 */
public final class TestChromium implements AutoCloseable {

  public static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  public static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  /**
   * Selenium looks for a DevTools (CDP) binding matching the browser at every start and warns when
   * there is none; none is on the classpath on purpose (the console log is read through the driver).
   * Held here because java.util.logging keeps loggers only weakly.
   */
  private static final Logger CDP_FINDER = Logger.getLogger("org.openqa.selenium.devtools.CdpVersionFinder");

  private final ChromeDriver driver;
  private final Path profile;

  private TestChromium(ChromeDriver driver, Path profile) {
    this.driver = driver;
    this.profile = profile;
  }

  /** Fails or skips the calling test when Chromium or ChromeDriver is missing. */
  public static void require() {
    for (Path binary : new Path[] {CHROMIUM, CHROMEDRIVER}) {
      if (!Files.isExecutable(binary)) {
        String why = binary + " is missing: run scripts/test-env first (scripts/test does), which installs"
            + " Debian's chromium and chromium-driver";
        if ("true".equals(System.getenv("CI"))) {
          throw new IllegalStateException(why);
        }
        Assumptions.abort(why);
      }
    }
  }

  /**
   * A new headless browser with a fresh profile under target/, recording everything the page
   * writes to its console (read it with {@code driver().manage().logs().get(LogType.BROWSER)});
   * ChromeDriver's own log goes to {@code logDir}. As root Chromium needs --no-sandbox; the
   * background-networking switches keep it from calling home on a machine without internet.
   */
  public static TestChromium start(Path logDir) {
    require();
    CDP_FINDER.setLevel(Level.SEVERE);
    Path profile;
    try {
      Files.createDirectories(logDir);
      profile = Files.createTempDirectory(Path.of("target"), "chromium-profile-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-quic", "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-extensions", "--window-size=1280,1000",
        "--user-data-dir=" + profile.toAbsolutePath());
    LoggingPreferences logging = new LoggingPreferences();
    logging.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logging);
    // the driver's path is given, so Selenium Manager (which would download one) is never asked
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort()
        .withLogFile(logDir.resolve("chromedriver.log").toFile())
        .build();
    return new TestChromium(new ChromeDriver(service, options), profile);
  }

  public ChromeDriver driver() {
    return driver;
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } finally {
      try (Stream<Path> files = Files.walk(profile)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        System.err.println("chromium: could not delete " + profile + ": " + e);
      }
    }
  }
}
