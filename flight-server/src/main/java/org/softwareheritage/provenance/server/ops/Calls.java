package org.softwareheritage.provenance.server.ops;

import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.grpc.health.v1.HealthGrpc;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/** What the interceptors of this package need to know about a call. */
final class Calls {
  /** The standard trailer telling gRPC clients how long to wait before retrying. */
  static final Metadata.Key<String> RETRY_PUSHBACK_MS =
      Metadata.Key.of("grpc-retry-pushback-ms", Metadata.ASCII_STRING_MARSHALLER);

  private Calls() {}

  /** Health checks are exempt from authentication, limits and maintenance. */
  static boolean isHealthCheck(ServerCall<?, ?> call) {
    return HealthGrpc.SERVICE_NAME.equals(call.getMethodDescriptor().getServiceName());
  }

  /** The client's IP address (without port), or "unknown". */
  static String peerAddress(ServerCall<?, ?> call) {
    SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    if (remote instanceof InetSocketAddress inet) {
      return inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString();
    }
    return remote == null ? "unknown" : remote.toString();
  }

  /** Closes {@code call} with {@code status} and returns a listener that ignores the rest of it. */
  static <ReqT, RespT> ServerCall.Listener<ReqT> reject(
      ServerCall<ReqT, RespT> call, Status status, Metadata trailers) {
    call.close(status, trailers);
    return new ServerCall.Listener<>() {};
  }

  /** {@code listener}, running {@code ended} once the call has completed or been cancelled. */
  static <ReqT> ServerCall.Listener<ReqT> whenEnded(
      ServerCall.Listener<ReqT> listener, Runnable ended) {
    return new SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onComplete() {
        try {
          super.onComplete();
        } finally {
          ended.run();
        }
      }

      @Override
      public void onCancel() {
        try {
          super.onCancel();
        } finally {
          ended.run();
        }
      }
    };
  }

  static <ReqT, RespT> ServerCall.Listener<ReqT> reject(
      ServerCall<ReqT, RespT> call, Status status) {
    return reject(call, status, new Metadata());
  }
}
