package org.softwareheritage.provenance.server.ops;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The server-side maximum duration of a call: the call's context gets a deadline of at most
 * {@code maxCallTime} (a shorter client deadline wins), the work stops when the context is
 * cancelled, and a call still running then is closed with DEADLINE_EXCEEDED.
 */
public final class CallTimeLimit implements ServerInterceptor {
  private final Duration maxCallTime;
  private final ScheduledExecutorService timer;

  public CallTimeLimit(Duration maxCallTime, ScheduledExecutorService timer) {
    this.maxCallTime = maxCallTime;
    this.timer = timer;
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
      ServerCallHandler<ReqT, RespT> next) {
    if (Calls.isHealthCheck(call)) {
      return next.startCall(call, headers);
    }
    Context.CancellableContext context =
        Context.current().withDeadlineAfter(maxCallTime.toNanos(), TimeUnit.NANOSECONDS, timer);
    SerializedCall<ReqT, RespT> serialized = new SerializedCall<>(call);
    context.addListener(cancelled -> {
      if (cancelled.cancellationCause() instanceof TimeoutException) {
        serialized.closeIfOpen(Status.DEADLINE_EXCEEDED.withDescription(
            "call exceeded its deadline (server maximum per call: " + maxCallTime + ")"));
      }
    }, Runnable::run);
    ServerCall.Listener<ReqT> listener = Contexts.interceptCall(context, serialized, headers, next);
    return Calls.whenEnded(listener, () -> context.cancel(null));
  }

  /**
   * A call whose outbound operations are serialized, so the timer thread can close it while a
   * worker thread streams; whatever is sent after the close is dropped.
   */
  private static final class SerializedCall<ReqT, RespT> extends SimpleForwardingServerCall<ReqT, RespT> {
    private boolean closed;

    SerializedCall(ServerCall<ReqT, RespT> call) {
      super(call);
    }

    synchronized void closeIfOpen(Status status) {
      if (!closed) {
        closed = true;
        super.close(status, new Metadata());
      }
    }

    @Override
    public synchronized void sendHeaders(Metadata headers) {
      if (!closed) {
        super.sendHeaders(headers);
      }
    }

    @Override
    public synchronized void sendMessage(RespT message) {
      if (!closed) {
        super.sendMessage(message);
      }
    }

    @Override
    public synchronized void close(Status status, Metadata trailers) {
      if (!closed) {
        closed = true;
        super.close(status, trailers);
      }
    }

    @Override
    public synchronized boolean isReady() {
      return !closed && super.isReady();
    }
  }
}
