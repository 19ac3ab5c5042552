package org.softwareheritage.provenance.server.ops;

import io.grpc.Context;
import io.grpc.Contexts;
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
 * The server-side maximum duration of a call: the call's context gets a deadline of at most {@code
 * maxCallTime} (a shorter client deadline wins), the work stops when the context is cancelled, and
 * a call still running then is ended by its {@link CallGuard}: closed with DEADLINE_EXCEEDED, and
 * its stream reset if the client does not take that status.
 */
public final class CallTimeLimit implements ServerInterceptor {
  private final Duration maxCallTime;
  private final ScheduledExecutorService timer;

  public CallTimeLimit(Duration maxCallTime, ScheduledExecutorService timer) {
    this.maxCallTime = maxCallTime;
    this.timer = timer;
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    CallGuard.Guard guard = CallGuard.current();
    if (guard == null) {
      return next.startCall(call, headers);
    }
    Context.CancellableContext context =
        Context.current().withDeadlineAfter(maxCallTime.toNanos(), TimeUnit.NANOSECONDS, timer);
    context.addListener(
        cancelled -> {
          if (cancelled.cancellationCause() instanceof TimeoutException) {
            guard.end(
                Status.DEADLINE_EXCEEDED.withDescription(
                    "call exceeded its deadline (server maximum per call: " + maxCallTime + ")"));
          }
        },
        Runnable::run);
    ServerCall.Listener<ReqT> listener = Contexts.interceptCall(context, call, headers, next);
    return Calls.whenEnded(listener, () -> context.cancel(null));
  }
}
