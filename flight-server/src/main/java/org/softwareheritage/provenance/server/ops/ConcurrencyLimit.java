package org.softwareheritage.provenance.server.ops;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * At most {@code maxCalls} calls run at once, unary and streaming alike (a stream holds its permit
 * until it ends); one more is refused with RESOURCE_EXHAUSTED and a retry hint.
 */
public final class ConcurrencyLimit implements ServerInterceptor {
  private static final String RETRY_AFTER_MS = "1000";

  private final int maxCalls;
  private final Semaphore permits;

  public ConcurrencyLimit(int maxCalls) {
    this.maxCalls = maxCalls;
    this.permits = new Semaphore(maxCalls);
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
      ServerCallHandler<ReqT, RespT> next) {
    if (Calls.isHealthCheck(call)) {
      return next.startCall(call, headers);
    }
    if (!permits.tryAcquire()) {
      Metadata trailers = new Metadata();
      trailers.put(Calls.RETRY_PUSHBACK_MS, RETRY_AFTER_MS);
      return Calls.reject(call, Status.RESOURCE_EXHAUSTED.withDescription(
          "too many concurrent calls (the server runs at most " + maxCalls + "); retry later"), trailers);
    }
    AtomicBoolean released = new AtomicBoolean();
    Runnable release = () -> {
      if (released.compareAndSet(false, true)) {
        permits.release();
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
}
