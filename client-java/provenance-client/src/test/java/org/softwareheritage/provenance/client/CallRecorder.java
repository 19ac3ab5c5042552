package org.softwareheritage.provenance.client;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;

/**
 * Records the method and {@code authorization} header of every call a server receives, and the
 * calls cancelled before they completed (by the client or its deadline); optionally delays every
 * call before it is handled.
 */
public final class CallRecorder implements ServerInterceptor {
  /** One received call. */
  public record Call(String method, String authorization) {}

  /**
   * Starts every call on the server's workers: the delay must not hold a transport thread (the
   * server starts WhereIsOne there), which the in-JVM client shares and needs to end its call at
   * its deadline.
   */
  static final ServerCallExecutorSupplier ON_WORKERS =
      new ServerCallExecutorSupplier() {
        @Override
        public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata headers) {
          return null;
        }
      };

  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private final List<String> cancelled = new CopyOnWriteArrayList<>();
  private volatile long delayMillis;

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getBareMethodName();
    calls.add(new Call(method, headers.get(BearerToken.AUTHORIZATION)));
    if (delayMillis > 0) {
      try {
        Thread.sleep(delayMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(
        next.startCall(call, headers)) {
      @Override
      public void onCancel() {
        cancelled.add(method);
        super.onCancel();
      }
    };
  }

  /** Makes every following call wait {@code millis} before it is handled. */
  void delay(long millis) {
    delayMillis = millis;
  }

  public List<Call> calls() {
    return calls;
  }

  /** The methods of the calls cancelled before they completed. */
  List<String> cancelled() {
    return cancelled;
  }

  long count(String method) {
    return calls.stream().filter(c -> c.method().equals(method)).count();
  }

  void clear() {
    calls.clear();
    cancelled.clear();
  }
}
