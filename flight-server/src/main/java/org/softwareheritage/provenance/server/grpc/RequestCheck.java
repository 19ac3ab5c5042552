package org.softwareheritage.provenance.server.grpc;

import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * Closes a call with INVALID_ARGUMENT at the first request message that {@link #problem} objects
 * to, and ignores the rest of that call: for requests that would otherwise fail past every
 * interceptor with UNKNOWN or INTERNAL.
 */
public abstract class RequestCheck implements ServerInterceptor {
  /** What is wrong with {@code message}, a request of {@code call}, or {@code null}. */
  protected abstract String problem(ServerCall<?, ?> call, Object message);

  @Override
  public final <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    return new SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
      private boolean refused;

      @Override
      public void onMessage(ReqT message) {
        if (refused) {
          return;
        }
        String problem = problem(call, message);
        if (problem != null) {
          refused = true;
          call.close(Status.INVALID_ARGUMENT.withDescription(problem), new Metadata());
        } else {
          super.onMessage(message);
        }
      }

      @Override
      public void onHalfClose() {
        if (!refused) {
          super.onHalfClose();
        }
      }
    };
  }
}
