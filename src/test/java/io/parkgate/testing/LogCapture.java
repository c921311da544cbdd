package io.parkgate.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Records what logback is given while open: every event reaching the root logger, with one logger
 * lowered to a chosen level (restored on close). Events are copied, so reading them is thread-safe.
 */
public final class LogCapture implements AutoCloseable {

  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  private final Logger logger;
  private final Level previous;
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  private LogCapture(Class<?> loggerOf, Level level) {
    logger = (Logger) LoggerFactory.getLogger(loggerOf);
    previous = logger.getLevel();
    logger.setLevel(level);
    appender.start();
    root.addAppender(appender);
  }

  /** Starts recording, with {@code loggerOf}'s logger at {@code level}. */
  public static LogCapture of(Class<?> loggerOf, Level level) {
    return new LogCapture(loggerOf, level);
  }

  public List<ILoggingEvent> events() {
    synchronized (appender) { // AppenderBase.doAppend holds the appender's lock while adding
      return List.copyOf(appender.list);
    }
  }

  /** Events from {@code loggerOf}'s logger only. */
  public List<ILoggingEvent> events(Class<?> loggerOf) {
    return events().stream().filter(e -> e.getLoggerName().equals(loggerOf.getName())).toList();
  }

  @Override
  public void close() {
    root.detachAppender(appender);
    appender.stop();
    logger.setLevel(previous);
  }
}
