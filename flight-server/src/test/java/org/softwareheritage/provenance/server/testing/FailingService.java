package org.softwareheritage.provenance.server.testing;

import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import org.softwareheritage.provenance.proto.WhereIsOneRequest;
import org.softwareheritage.provenance.proto.WhereIsOneResult;

/**
 * A service added next to the real ones whose only method fails with INTERNAL (cause kept), as a
 * bug in a handler would: what the operations layer must report to Sentry.
 */
public final class FailingService {
  public static final MethodDescriptor<WhereIsOneRequest, WhereIsOneResult> FAIL =
      MethodDescriptor.<WhereIsOneRequest, WhereIsOneResult>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("test.Failing/Fail")
          .setRequestMarshaller(ProtoUtils.marshaller(WhereIsOneRequest.getDefaultInstance()))
          .setResponseMarshaller(ProtoUtils.marshaller(WhereIsOneResult.getDefaultInstance()))
          .build();

  private FailingService() {}

  public static ServerServiceDefinition definition() {
    return ServerServiceDefinition.builder("test.Failing")
        .addMethod(
            FAIL,
            ServerCalls.asyncUnaryCall(
                (request, responses) ->
                    responses.onError(
                        Status.INTERNAL
                            .withDescription("internal error in Fail")
                            .withCause(
                                new IllegalStateException(
                                    "forced failure for " + request.getSwhid()))
                            .asRuntimeException())))
        .build();
  }
}
