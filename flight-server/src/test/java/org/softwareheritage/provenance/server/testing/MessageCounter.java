package org.softwareheritage.provenance.server.testing;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts the messages services hand to the transport: shows whether a server waits for a slow
 * client.
 */
public final class MessageCounter implements ServerInterceptor {
  private final AtomicInteger sent;

  public MessageCounter(AtomicInteger sent) {
    this.sent = sent;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    return next.startCall(
        new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          @Override
          public void sendMessage(R message) {
            sent.incrementAndGet();
            super.sendMessage(message);
          }
        },
        headers);
  }
}
