package org.softwareheritage.provenance.server.grpc;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import java.util.function.BooleanSupplier;

/**
 * Refuses every call, of every API, but health checks and reflection with UNAVAILABLE until a
 * database is served: the server listens while the database loads, so that probes see NOT_SERVING
 * rather than a closed port, and clients see a retryable status rather than an answer from nothing.
 * The one "not loaded yet" of the server: what the APIs answer from is there once a call passes.
 */
public final class LoadingGate implements ServerInterceptor {
  private final BooleanSupplier loaded;

  /** A gate open once {@code loaded} holds. */
  public LoadingGate(BooleanSupplier loaded) {
    this.loaded = loaded;
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    String service = call.getMethodDescriptor().getServiceName();
    if (loaded.getAsBoolean()
        || HealthGrpc.SERVICE_NAME.equals(service)
        || ServerReflectionGrpc.SERVICE_NAME.equals(service)) {
      return next.startCall(call, headers);
    }
    call.close(
        Status.UNAVAILABLE.withDescription("the database is loading, retry later"), new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
