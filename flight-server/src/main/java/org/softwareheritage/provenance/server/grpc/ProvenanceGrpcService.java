package org.softwareheritage.provenance.server.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.FieldMask;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.BindableService;
import io.grpc.Context;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;
import org.softwareheritage.provenance.proto.ProvenanceServiceGrpc;
import org.softwareheritage.provenance.proto.WhereIsOneRequest;
import org.softwareheritage.provenance.proto.WhereIsOneResult;
import org.softwareheritage.provenance.server.query.LookupBatch;
import org.softwareheritage.provenance.server.query.ProvenanceQueries;
import org.softwareheritage.provenance.server.query.ResultFields;
import org.softwareheritage.provenance.swhid.Swhid;

/**
 * {@code swh.provenance.ProvenanceService}, wire-compatible with the upstream server: invalid input
 * (an unparsable message included) is INVALID_ARGUMENT naming the value, unknown SWHIDs NOT_FOUND
 * (WhereIsOne) or unset fields (WhereAreOne), and WhereAreOne streams only as fast as the client
 * reads. WhereAreOne requests are read compactly ({@link ParsedWhereAreOne}), not as the generated
 * message. Failures map to statuses through {@link CallErrors}.
 */
public final class ProvenanceGrpcService
    implements ProvenanceServiceGrpc.AsyncService, BindableService {
  /** WhereAreOne as clients call it, its request read as {@link ParsedWhereAreOne}. */
  static final MethodDescriptor<ParsedWhereAreOne, WhereIsOneResult> WHERE_ARE_ONE =
      ProvenanceServiceGrpc.getWhereAreOneMethod().toBuilder(
              ParsedWhereAreOne.MARSHALLER,
              ProtoUtils.marshaller(WhereIsOneResult.getDefaultInstance()))
          .build();

  /**
   * Bytes a WhereAreOne stream may have queued before it waits for the client. gRPC's default (32
   * KiB, a few hundred results) makes the producer stop and resume for every few hundred results; 1
   * MiB keeps the stream busy while memory per call stays bounded.
   */
  private static final int ON_READY_THRESHOLD_BYTES = 1 << 20;

  private final Supplier<ProvenanceQueries> database;

  /** Answers from what {@code database} supplies (set before the {@link LoadingGate} opens). */
  public ProvenanceGrpcService(Supplier<ProvenanceQueries> database) {
    this.database = database;
  }

  /**
   * The service as the server registers it: requests that are not valid protobuf answer
   * INVALID_ARGUMENT.
   */
  public static ServerServiceDefinition definition(Supplier<ProvenanceQueries> database) {
    return UnparsableRequests.refused(new ProvenanceGrpcService(database).bindService());
  }

  @Override
  public ServerServiceDefinition bindService() {
    ServerServiceDefinition generated = ProvenanceServiceGrpc.bindService(this);
    ServiceDescriptor service =
        ServiceDescriptor.newBuilder(ProvenanceServiceGrpc.SERVICE_NAME)
            .setSchemaDescriptor(generated.getServiceDescriptor().getSchemaDescriptor())
            .addMethod(ProvenanceServiceGrpc.getWhereIsOneMethod())
            .addMethod(WHERE_ARE_ONE)
            .build();
    return ServerServiceDefinition.builder(service)
        .addMethod(
            generated.getMethod(ProvenanceServiceGrpc.getWhereIsOneMethod().getFullMethodName()))
        .addMethod(WHERE_ARE_ONE, ServerCalls.asyncServerStreamingCall(this::whereAreOne))
        .build();
  }

  @Override
  public void whereIsOne(WhereIsOneRequest request, StreamObserver<WhereIsOneResult> responses) {
    ProvenanceQueries queries = database.get();
    try {
      ResultFields fields = fields(request.hasMask(), request.getMask());
      Swhid swhid = Swhid.parse(request.getSwhid());
      if (Context.current().isCancelled()) {
        responses.onError(
            Status.CANCELLED.withDescription("call cancelled by the client").asRuntimeException());
        return;
      }
      LookupBatch batch = new LookupBatch(1);
      queries.lookUp(new byte[] {(byte) swhid.type().ordinal()}, swhid.hash(), 0, 1, fields, batch);
      if (batch.rows[0] < 0) {
        responses.onError(
            Status.NOT_FOUND.withDescription("unknown SWHID " + swhid).asRuntimeException());
        return;
      }
      responses.onNext(result(queries, request.getSwhidBytes(), batch, 0, fields));
      responses.onCompleted();
    } catch (RuntimeException e) {
      responses.onError(CallErrors.exception(e, "WhereIsOne"));
    }
  }

  private void whereAreOne(ParsedWhereAreOne request, StreamObserver<WhereIsOneResult> responses) {
    ProvenanceQueries queries = database.get();
    ResultFields fields;
    try {
      if (request.problem() != null) {
        throw RequestException.invalid(request.problem());
      }
      fields = fields(request.mask() != null, request.mask());
    } catch (RuntimeException e) {
      responses.onError(CallErrors.exception(e, "WhereAreOne"));
      return;
    }
    new ResultStream(
            (ServerCallStreamObserver<WhereIsOneResult>) responses, queries, request, fields)
        .start();
  }

  /**
   * Sends one result per requested SWHID while the transport is ready, resuming from the on-ready
   * callback: memory stays bounded however slowly the client reads. SWHIDs are looked up {@value
   * #CHUNK} at a time (see {@link ProvenanceQueries#lookUp}), and results are built from bytes: the
   * request's SWHIDs written back as text, the answers' bytes. gRPC runs the callbacks of one call
   * one at a time, so no locking is needed.
   */
  private static final class ResultStream {
    private static final int CHUNK = 1024;

    private final ServerCallStreamObserver<WhereIsOneResult> call;
    private final ProvenanceQueries queries;
    private final ParsedWhereAreOne request;
    private final ResultFields fields;
    private final LookupBatch batch = new LookupBatch(CHUNK);

    /** The looked-up chunk is SWHIDs [chunkStart, chunkEnd). */
    private int chunkStart;

    private int chunkEnd;
    private int next;
    private boolean done;

    ResultStream(
        ServerCallStreamObserver<WhereIsOneResult> call,
        ProvenanceQueries queries,
        ParsedWhereAreOne request,
        ResultFields fields) {
      this.call = call;
      this.queries = queries;
      this.request = request;
      this.fields = fields;
    }

    void start() {
      call.setOnReadyThreshold(ON_READY_THRESHOLD_BYTES);
      call.setOnCancelHandler(() -> done = true);
      call.setOnReadyHandler(this::send);
      send();
    }

    private void send() {
      try {
        while (!done && next < request.count() && call.isReady()) {
          if (call.isCancelled() || Context.current().isCancelled()) {
            done = true;
            return;
          }
          if (next == chunkEnd) {
            lookUp(next);
          }
          call.onNext(result(next));
          next++;
        }
        if (!done && next == request.count()) {
          done = true;
          call.onCompleted();
        }
      } catch (RuntimeException e) {
        done = true;
        call.onError(CallErrors.exception(e, "WhereAreOne"));
      } catch (OutOfMemoryError e) {
        done = true;
        call.onError(
            Status.RESOURCE_EXHAUSTED
                .withDescription("the server ran out of memory for this call; retry later")
                .asRuntimeException());
      }
    }

    private void lookUp(int from) {
      chunkStart = from;
      chunkEnd = Math.min(request.count(), from + CHUNK);
      queries.lookUp(request.types(), request.hashes(), from, chunkEnd - from, fields, batch);
    }

    /** The result of SWHID {@code i} of the request, in the looked-up chunk. */
    private WhereIsOneResult result(int i) {
      byte[] text = new byte[Swhid.TEXT_LENGTH];
      request.writeText(i, text, 0);
      return ProvenanceGrpcService.result(
          queries, UnsafeByteOperations.unsafeWrap(text), batch, i - chunkStart, fields);
    }
  }

  private static ResultFields fields(boolean hasMask, FieldMask mask) {
    try {
      return hasMask ? ResultFields.of(mask.getPathsList()) : ResultFields.ALL;
    } catch (IllegalArgumentException e) {
      throw RequestException.invalid(e.getMessage(), e);
    }
  }

  /**
   * The result for SWHID {@code i} of a looked-up batch, built from the request's own text (a valid
   * request SWHID is exactly the text of the answer) and the bytes of the answers.
   */
  private static WhereIsOneResult result(
      ProvenanceQueries queries, ByteString swhid, LookupBatch batch, int i, ResultFields fields) {
    WhereIsOneResult.Builder result = WhereIsOneResult.newBuilder();
    if (fields.swhid()) {
      result.setSwhidBytes(swhid);
    }
    if (fields.anchor() && batch.anchorRows[i] >= 0) {
      result.setAnchorBytes(
          UnsafeByteOperations.unsafeWrap(queries.index().nodes().swhidBytes(batch.anchorRows[i])));
    }
    if (fields.origin() && batch.originRows[i] >= 0) {
      result.setOrigin(queries.index().origins().url(batch.originRows[i]));
    }
    return result.build();
  }
}
