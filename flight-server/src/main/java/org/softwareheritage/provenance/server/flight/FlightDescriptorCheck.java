package org.softwareheritage.provenance.server.flight;

import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import org.apache.arrow.flight.impl.Flight;

/**
 * Refuses a FlightDescriptor that is neither a path nor a command with INVALID_ARGUMENT: Arrow
 * Flight's service converts it before the producer sees it, and fails with INTERNAL.
 */
public final class FlightDescriptorCheck implements ServerInterceptor {
  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
      ServerCallHandler<ReqT, RespT> next) {
    return new SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
      private boolean refused;

      @Override
      public void onMessage(ReqT message) {
        if (message instanceof Flight.FlightDescriptor descriptor
            && descriptor.getType() != Flight.FlightDescriptor.DescriptorType.PATH
            && descriptor.getType() != Flight.FlightDescriptor.DescriptorType.CMD) {
          refused = true;
          call.close(Status.INVALID_ARGUMENT.withDescription("a FlightDescriptor is a PATH or a CMD, not "
              + descriptor.getType()), new Metadata());
        } else if (!refused) {
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
