package org.softwareheritage.provenance.server.ops;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * At most {@code maxCalls} calls run at once, unary and streaming alike (a stream holds its permit
 * until it ends), and at most {@code maxCallsPerClient} of them for one client (see {@link
 * ClientKeys}), so that no client can take every permit; one more is refused with
 * RESOURCE_EXHAUSTED and a retry hint.
 */
public final class ConcurrencyLimit implements ServerInterceptor {
  private static final String RETRY_AFTER_MS = "1000";

  private final int maxCalls;
  private final int maxCallsPerClient;
  private final ClientKeys clients;
  private final Semaphore permits;

  /** Running calls per client; a client is in the map only while it has calls running. */
  private final ConcurrentHashMap<String, Integer> perClient = new ConcurrentHashMap<>();

  ConcurrencyLimit(int maxCalls, int maxCallsPerClient, ClientKeys clients) {
    this.maxCalls = maxCalls;
    this.maxCallsPerClient = maxCallsPerClient;
    this.clients = clients;
    this.permits = new Semaphore(maxCalls);
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    if (Calls.isHealthCheck(call)) {
      return next.startCall(call, headers);
    }
    String client = clients.of(call, headers);
    if (!acquireForClient(client)) {
      return refuse(
          call,
          "too many concurrent calls from "
              + client
              + " (the server runs at most "
              + maxCallsPerClient
              + " per client); retry later");
    }
    if (!permits.tryAcquire()) {
      releaseForClient(client);
      return refuse(
          call,
          "too many concurrent calls (the server runs at most " + maxCalls + "); retry later");
    }
    AtomicBoolean released = new AtomicBoolean();
    Runnable release =
        () -> {
          if (released.compareAndSet(false, true)) {
            permits.release();
            releaseForClient(client);
          }
        };
    ServerCall.Listener<ReqT> listener;
    try {
      listener = next.startCall(call, headers);
    } catch (RuntimeException e) {
      release.run();
      throw e;
    }
    return Calls.whenEnded(listener, release);
  }

  private boolean acquireForClient(String client) {
    AtomicBoolean acquired = new AtomicBoolean();
    perClient.compute(
        client,
        (key, running) -> {
          int count = running == null ? 0 : running;
          if (count >= maxCallsPerClient) {
            return running;
          }
          acquired.set(true);
          return count + 1;
        });
    return acquired.get();
  }

  private void releaseForClient(String client) {
    perClient.computeIfPresent(client, (key, running) -> running == 1 ? null : running - 1);
  }

  private static <ReqT, RespT> ServerCall.Listener<ReqT> refuse(
      ServerCall<ReqT, RespT> call, String message) {
    Metadata trailers = new Metadata();
    trailers.put(Calls.RETRY_PUSHBACK_MS, RETRY_AFTER_MS);
    return Calls.reject(call, Status.RESOURCE_EXHAUSTED.withDescription(message), trailers);
  }
}
