package io.parkgate.testing;

/** Reads a node's Prometheus scrape at /metrics. */
public final class Metrics {

  private Metrics() {
  }

  /**
   * The sum of every sample of {@code name} whose labels contain each of {@code labels}
   * (e.g. {@code reason="slow_consumer"}); 0 when there is none.
   */
  public static double value(Http http, String name, String... labels) {
    String text = http.get("/metrics").json().getString("unparsed", "");
    double sum = 0;
    for (String line : text.split("\n")) {
      if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) {
        continue;
      }
      boolean matches = true;
      for (String label : labels) {
        matches &= line.contains(label);
      }
      if (matches) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }
}
