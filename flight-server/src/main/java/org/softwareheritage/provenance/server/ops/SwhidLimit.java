package org.softwareheritage.provenance.server.ops;

import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/** Refuses a request naming more SWHIDs than the limit (WhereAreOne), with INVALID_ARGUMENT. */
public final class SwhidLimit implements ServerInterceptor {
  private final int maxSwhids;

  public SwhidLimit(int maxSwhids) {
    this.maxSwhids = maxSwhids;
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    ServerCall.Listener<ReqT> listener = next.startCall(call, headers);
    return new SimpleForwardingServerCallListener<>(listener) {
      private boolean rejected;

      @Override
      public void onMessage(ReqT message) {
        if (message instanceof SwhidRequest request && request.swhidCount() > maxSwhids) {
          rejected = true;
          call.close(
              Status.INVALID_ARGUMENT.withDescription(
                  "the request names "
                      + request.swhidCount()
                      + " SWHIDs; at most "
                      + maxSwhids
                      + " are allowed per request"),
              new Metadata());
          return;
        }
        super.onMessage(message);
      }

      @Override
      public void onHalfClose() {
        if (!rejected) {
          super.onHalfClose();
        }
      }
    };
  }
}
