package org.softwareheritage.provenance.server.flight;

import io.grpc.ServerCall;
import org.apache.arrow.flight.impl.Flight;
import org.softwareheritage.provenance.server.grpc.RequestCheck;

/**
 * Refuses a FlightDescriptor that is neither a path nor a command with INVALID_ARGUMENT: Arrow
 * Flight's service converts it before the producer sees it, and fails with INTERNAL.
 */
public final class FlightDescriptorCheck extends RequestCheck {
  @Override
  protected String problem(ServerCall<?, ?> call, Object message) {
    if (message instanceof Flight.FlightDescriptor descriptor
        && descriptor.getType() != Flight.FlightDescriptor.DescriptorType.PATH
        && descriptor.getType() != Flight.FlightDescriptor.DescriptorType.CMD) {
      return "a FlightDescriptor is a PATH or a CMD, not " + descriptor.getType();
    }
    return null;
  }
}
