package org.softwareheritage.provenance.server.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.UnknownFieldSet;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.PrototypeMarshaller;
import io.grpc.ServerCall;
import io.grpc.ServerInterceptors;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.StatusRuntimeException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Answers INVALID_ARGUMENT to a request that is not a valid protobuf message (truncated, invalid
 * UTF-8 in a string). grpc-java closes such a call with UNKNOWN, "Application error processing
 * RPC", past every interceptor: here the request marshaller never fails; it hands on the empty
 * message with the parse error in a reserved unknown field, and an interceptor of the service
 * closes the call with that error.
 */
final class UnparsableRequests {
  /** The highest field number protobuf allows: no message of the service uses it. */
  private static final int ERROR_FIELD = (1 << 29) - 1;

  private UnparsableRequests() {}

  /** {@code service} with every request parsed as described above. */
  static ServerServiceDefinition refused(ServerServiceDefinition service) {
    ServiceDescriptor original = service.getServiceDescriptor();
    ServiceDescriptor.Builder descriptor =
        ServiceDescriptor.newBuilder(original.getName())
            .setSchemaDescriptor(original.getSchemaDescriptor());
    List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
    for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
      ServerMethodDefinition<?, ?> tolerant = tolerant(method);
      methods.add(tolerant);
      descriptor.addMethod(tolerant.getMethodDescriptor());
    }
    ServerServiceDefinition.Builder rebuilt = ServerServiceDefinition.builder(descriptor.build());
    methods.forEach(rebuilt::addMethod);
    return ServerInterceptors.intercept(rebuilt.build(), new RefuseUnparsed());
  }

  /**
   * {@code method} with a tolerant parser if its requests are generated messages; others never
   * fail.
   */
  private static <ReqT, RespT> ServerMethodDefinition<ReqT, RespT> tolerant(
      ServerMethodDefinition<ReqT, RespT> method) {
    MethodDescriptor<ReqT, RespT> descriptor = method.getMethodDescriptor();
    if (!(descriptor.getRequestMarshaller() instanceof PrototypeMarshaller<ReqT> parser)) {
      return method;
    }
    return ServerMethodDefinition.create(
        descriptor.toBuilder().setRequestMarshaller(new TolerantMarshaller<>(parser)).build(),
        method.getServerCallHandler());
  }

  /**
   * Parses as {@code parser} does; a message it cannot parse becomes the empty message carrying the
   * error.
   */
  private record TolerantMarshaller<T>(PrototypeMarshaller<T> parser)
      implements PrototypeMarshaller<T> {
    @Override
    public InputStream stream(T value) {
      return parser.stream(value);
    }

    @Override
    public T parse(InputStream stream) {
      try {
        return parser.parse(stream);
      } catch (StatusRuntimeException e) {
        String reason =
            e.getCause() instanceof InvalidProtocolBufferException invalid
                ? invalid.getMessage()
                : e.getStatus().getDescription();
        UnknownFieldSet error =
            UnknownFieldSet.newBuilder()
                .addField(
                    ERROR_FIELD,
                    UnknownFieldSet.Field.newBuilder()
                        .addLengthDelimited(ByteString.copyFromUtf8(String.valueOf(reason)))
                        .build())
                .build();
        @SuppressWarnings("unchecked")
        T marked =
            (T)
                ((Message) parser.getMessagePrototype())
                    .toBuilder().setUnknownFields(error).build();
        return marked;
      }
    }

    @Override
    public T getMessagePrototype() {
      return parser.getMessagePrototype();
    }

    @Override
    public Class<T> getMessageClass() {
      return parser.getMessageClass();
    }
  }

  /** Refuses a call whose request carries a parse error. */
  private static final class RefuseUnparsed extends RequestCheck {
    @Override
    protected String problem(ServerCall<?, ?> call, Object message) {
      if (message instanceof Message parsed && parsed.getUnknownFields().hasField(ERROR_FIELD)) {
        ByteString reason =
            parsed.getUnknownFields().getField(ERROR_FIELD).getLengthDelimitedList().get(0);
        return "the request is not a valid "
            + call.getMethodDescriptor().getBareMethodName()
            + " request: "
            + reason.toString(StandardCharsets.UTF_8);
      }
      return null;
    }
  }
}
