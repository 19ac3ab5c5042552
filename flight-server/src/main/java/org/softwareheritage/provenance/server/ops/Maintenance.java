package org.softwareheritage.provenance.server.ops;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The red button: while on, every call but health checks answers UNAVAILABLE with a message, and
 * the listener (which turns health NOT_SERVING and ends the calls still running) is told. It is on
 * while the maintenance file exists (checked every {@link #POLL_INTERVAL}; its first line, if any,
 * is the message) or while an operator has switched it on with the admin token.
 */
public final class Maintenance implements ServerInterceptor, AutoCloseable {
  /** How often the maintenance file is looked for. */
  public static final Duration POLL_INTERVAL = Duration.ofSeconds(1);

  private static final Logger LOG = LoggerFactory.getLogger(Maintenance.class);
  private static final String DEFAULT_MESSAGE = "the service is under maintenance, retry later";

  private final Path file;
  private Consumer<Boolean> listener = on -> {};
  private ScheduledFuture<?> watch;
  private boolean fileOn;
  private boolean adminOn;
  private volatile String message;

  /**
   * @param file the file whose presence turns maintenance on, or {@code null}
   */
  public Maintenance(Path file) {
    this.file = file;
  }

  /**
   * Starts watching the file on {@code timer}; {@code listener} is told the current state and every
   * change (true: maintenance on).
   */
  public synchronized void watch(ScheduledExecutorService timer, Consumer<Boolean> listener) {
    this.listener = listener;
    listener.accept(on());
    if (file != null) {
      poll();
      watch =
          timer.scheduleWithFixedDelay(
              this::poll,
              POLL_INTERVAL.toMillis(),
              POLL_INTERVAL.toMillis(),
              TimeUnit.MILLISECONDS);
    }
  }

  private synchronized void poll() {
    boolean present = Files.exists(file);
    String fileMessage = present ? firstLine(file) : null;
    if (present != fileOn) {
      LOG.warn(
          "maintenance file {} {}",
          file,
          present ? "appeared: refusing calls" : "removed: serving again");
    }
    fileOn = present;
    update(fileMessage);
  }

  /** Switches maintenance on or off by an operator's action (the admin endpoint). */
  public synchronized void setByAdmin(boolean on) {
    if (on != adminOn) {
      LOG.warn("maintenance {} by an admin", on ? "switched on" : "switched off");
    }
    adminOn = on;
    update(null);
  }

  /** Whether calls are refused now. */
  public boolean on() {
    return message != null;
  }

  private void update(String fileMessage) {
    boolean wasOn = message != null;
    boolean on = fileOn || adminOn;
    message =
        on ? (fileMessage != null && !fileMessage.isBlank() ? fileMessage : DEFAULT_MESSAGE) : null;
    if (on != wasOn) {
      listener.accept(on);
    }
  }

  private static String firstLine(Path file) {
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8).stream().findFirst().orElse(null);
    } catch (IOException e) {
      return null;
    }
  }

  /** What calls get while maintenance is on: UNAVAILABLE with the message. */
  public Status refusal() {
    String refusal = message;
    return Status.UNAVAILABLE.withDescription(refusal != null ? refusal : DEFAULT_MESSAGE);
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    if (message == null || Calls.isHealthCheck(call)) {
      return next.startCall(call, headers);
    }
    return Calls.reject(call, refusal());
  }

  @Override
  public synchronized void close() {
    if (watch != null) {
      watch.cancel(false);
    }
  }
}
