package org.softwareheritage.provenance.server.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The operators' HTTP endpoint ({@code --metrics-bind}): {@code GET /metrics} is the Prometheus
 * scrape; {@code PUT /maintenance} and {@code DELETE /maintenance} switch the red button on and
 * off, with {@code Authorization: Bearer ADMIN_TOKEN} (refused when no admin token is set).
 */
public final class OpsEndpoint implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService executor;

  private OpsEndpoint(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Listens on {@code address}.
   *
   * @param adminToken the token of {@code /maintenance}, or {@code null} to refuse every change
   */
  public static OpsEndpoint start(
      InetSocketAddress address, Metrics metrics, Maintenance maintenance, String adminToken)
      throws IOException {
    HttpServer server;
    try {
      server = HttpServer.create(address, 16);
    } catch (IOException e) {
      throw new IOException("cannot listen on " + address + " for metrics: " + e.getMessage(), e);
    }
    server.createContext(
        "/metrics",
        exchange -> {
          if (!"GET".equals(exchange.getRequestMethod())) {
            respond(exchange, 405, "only GET\n");
            return;
          }
          exchange
              .getResponseHeaders()
              .set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
          respond(exchange, 200, metrics.scrape());
        });
    server.createContext(
        "/maintenance",
        exchange -> {
          if (!authorized(exchange, adminToken)) {
            respond(exchange, 401, "admin token required\n");
            return;
          }
          switch (exchange.getRequestMethod()) {
            case "PUT", "POST" -> {
              maintenance.setByAdmin(true);
              respond(exchange, 200, "maintenance on\n");
            }
            case "DELETE" -> {
              maintenance.setByAdmin(false);
              respond(exchange, 200, "maintenance off\n");
            }
            case "GET" -> respond(exchange, 200, maintenance.on() ? "on\n" : "off\n");
            default -> respond(exchange, 405, "PUT, DELETE or GET\n");
          }
        });
    ExecutorService executor =
        Executors.newSingleThreadExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "ops-http");
              thread.setDaemon(true);
              return thread;
            });
    server.setExecutor(executor);
    server.start();
    return new OpsEndpoint(server, executor);
  }

  private static boolean authorized(HttpExchange exchange, String adminToken) {
    String header = exchange.getRequestHeaders().getFirst("Authorization");
    return adminToken != null
        && header != null
        && MessageDigest.isEqual(
            ("Bearer " + adminToken).getBytes(StandardCharsets.UTF_8),
            header.getBytes(StandardCharsets.UTF_8));
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** The port listened on. */
  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
