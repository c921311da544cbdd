package io.parkgate.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Reads {@code conf/parkgate.yaml} (or the file given) with vertx-config's YAML store and resolves
 * every setting against the environment and the command-line flags ({@link Settings}).
 */
public final class ConfigLoader {

  public static final String DEFAULT_FILE = "conf/parkgate.yaml";

  private ConfigLoader() {
  }

  /**
   * @param file  the YAML file, or null for {@link #DEFAULT_FILE} when it exists (defaults otherwise)
   * @param flags values given on the command line, by setting key
   */
  public static Future<Map<String, SettingsResolution.Resolved>> resolve(Vertx vertx, String file, Map<String, String> env,
      Map<String, String> flags) {
    String path = file != null ? file : Files.exists(Path.of(DEFAULT_FILE)) ? DEFAULT_FILE : null;
    if (file != null && !Files.isReadable(Path.of(file))) {
      return Future.failedFuture(new ConfigException("config: file not readable: " + file));
    }
    Future<JsonObject> yaml = path == null ? Future.succeededFuture(new JsonObject()) : read(vertx, path);
    return yaml.map(doc -> SettingsResolution.resolve(doc, env, flags));
  }

  private static Future<JsonObject> read(Vertx vertx, String path) {
    ConfigStoreOptions store = new ConfigStoreOptions().setType("file").setFormat("yaml")
        .setConfig(new JsonObject().put("path", path));
    ConfigRetriever retriever = ConfigRetriever.create(vertx,
        new ConfigRetrieverOptions().setIncludeDefaultStores(false).addStore(store).setScanPeriod(-1));
    return retriever.getConfig()
        .recover(e -> Future.failedFuture(new ConfigException("config: " + path + " is not valid YAML: " + e.getMessage())))
        .onComplete(ar -> retriever.close());
  }
}
