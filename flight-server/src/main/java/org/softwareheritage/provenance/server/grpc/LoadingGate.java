package org.softwareheritage.provenance.server.grpc;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;

/**
 * Refuses every call but health checks and reflection with UNAVAILABLE until {@link #open} is
 * called: the server listens while the database loads, so that probes see NOT_SERVING rather than
 * a closed port, and clients see a retryable status rather than an answer from nothing.
 */
public final class LoadingGate implements ServerInterceptor {
  private volatile boolean open;

  /** Lets calls through from now on. */
  public void open() {
    open = true;
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
      ServerCallHandler<ReqT, RespT> next) {
    String service = call.getMethodDescriptor().getServiceName();
    if (open || HealthGrpc.SERVICE_NAME.equals(service) || ServerReflectionGrpc.SERVICE_NAME.equals(service)) {
      return next.startCall(call, headers);
    }
    call.close(Status.UNAVAILABLE.withDescription("the database is loading, retry later"), new Metadata());
    return new ServerCall.Listener<>() { };
  }
}
