package org.softwareheritage.provenance.server.grpc;

import com.google.protobuf.FieldMask;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.function.Supplier;
import org.softwareheritage.provenance.proto.ProvenanceServiceGrpc;
import org.softwareheritage.provenance.proto.WhereAreOneRequest;
import org.softwareheritage.provenance.proto.WhereIsOneRequest;
import org.softwareheritage.provenance.proto.WhereIsOneResult;
import org.softwareheritage.provenance.server.query.LookupBatch;
import org.softwareheritage.provenance.server.query.ProvenanceQueries;
import org.softwareheritage.provenance.server.query.ResultFields;
import org.softwareheritage.provenance.swhid.InvalidSwhidException;
import org.softwareheritage.provenance.swhid.Swhid;

/**
 * {@code swh.provenance.ProvenanceService}, wire-compatible with the upstream server: invalid
 * input is INVALID_ARGUMENT naming the value, unknown SWHIDs NOT_FOUND (WhereIsOne) or unset
 * fields (WhereAreOne), and WhereAreOne streams only as fast as the client reads.
 */
public final class ProvenanceGrpcService extends ProvenanceServiceGrpc.ProvenanceServiceImplBase {
  /**
   * Bytes a WhereAreOne stream may have queued before it waits for the client. gRPC's default
   * (32 KiB, a few hundred results) makes the producer stop and resume for every few hundred
   * results; 1 MiB keeps the stream busy while memory per call stays bounded.
   */
  private static final int ON_READY_THRESHOLD_BYTES = 1 << 20;

  private final Supplier<ProvenanceQueries> database;

  /** Answers from what {@code database} supplies (set before the {@link LoadingGate} opens). */
  public ProvenanceGrpcService(Supplier<ProvenanceQueries> database) {
    this.database = database;
  }

  @Override
  public void whereIsOne(WhereIsOneRequest request, StreamObserver<WhereIsOneResult> responses) {
    ProvenanceQueries queries = database.get();
    try {
      ResultFields fields = fields(request.hasMask(), request.getMask());
      Swhid swhid = Swhid.parse(request.getSwhid());
      if (Context.current().isCancelled()) {
        responses.onError(Status.CANCELLED.withDescription("call cancelled by the client").asRuntimeException());
        return;
      }
      LookupBatch batch = new LookupBatch(1);
      queries.lookUp(new byte[] {(byte) swhid.type().ordinal()}, swhid.hash(), 0, 1, fields, batch);
      if (batch.rows[0] < 0) {
        responses.onError(Status.NOT_FOUND.withDescription("unknown SWHID " + swhid).asRuntimeException());
        return;
      }
      responses.onNext(result(queries, request.getSwhid(), batch, 0, fields));
      responses.onCompleted();
    } catch (IllegalArgumentException e) {
      responses.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
    } catch (RuntimeException e) {
      responses.onError(internal("WhereIsOne", e));
    }
  }

  @Override
  public void whereAreOne(WhereAreOneRequest request, StreamObserver<WhereIsOneResult> responses) {
    ProvenanceQueries queries = database.get();
    ResultFields fields;
    Swhid[] swhids;
    try {
      fields = fields(request.hasMask(), request.getMask());
      swhids = parseAll(request.getSwhidList());
    } catch (IllegalArgumentException e) {
      responses.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
      return;
    }
    new ResultStream((ServerCallStreamObserver<WhereIsOneResult>) responses, queries, request.getSwhidList(), swhids,
        fields).start();
  }

  /**
   * Sends one result per requested SWHID while the transport is ready, resuming from the
   * on-ready callback: memory stays bounded however slowly the client reads. SWHIDs are looked
   * up {@value #CHUNK} at a time (see {@link ProvenanceQueries#lookUp}), and results are built
   * from the request's own text and the bytes of the answers, with no string formatting. gRPC
   * runs the callbacks of one call one at a time, so no locking is needed.
   */
  private static final class ResultStream {
    private static final int CHUNK = 1024;

    private final ServerCallStreamObserver<WhereIsOneResult> call;
    private final ProvenanceQueries queries;
    private final List<String> texts;
    private final Swhid[] swhids;
    private final ResultFields fields;
    private final byte[] types = new byte[CHUNK];
    private final byte[] hashes = new byte[CHUNK * Swhid.HASH_LENGTH];
    private final LookupBatch batch = new LookupBatch(CHUNK);
    /** The looked-up chunk is SWHIDs [chunkStart, chunkEnd). */
    private int chunkStart;
    private int chunkEnd;
    private int next;
    private boolean done;

    ResultStream(ServerCallStreamObserver<WhereIsOneResult> call, ProvenanceQueries queries, List<String> texts,
        Swhid[] swhids, ResultFields fields) {
      this.call = call;
      this.queries = queries;
      this.texts = texts;
      this.swhids = swhids;
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
        while (!done && next < swhids.length && call.isReady()) {
          if (call.isCancelled() || Context.current().isCancelled()) {
            done = true;
            return;
          }
          if (next == chunkEnd) {
            lookUp(next);
          }
          call.onNext(result(queries, texts.get(next), batch, next - chunkStart, fields));
          next++;
        }
        if (!done && next == swhids.length) {
          done = true;
          call.onCompleted();
        }
      } catch (RuntimeException e) {
        done = true;
        call.onError(internal("WhereAreOne", e));
      }
    }

    private void lookUp(int from) {
      chunkStart = from;
      chunkEnd = Math.min(swhids.length, from + CHUNK);
      for (int i = from; i < chunkEnd; i++) {
        types[i - from] = (byte) swhids[i].type().ordinal();
        System.arraycopy(swhids[i].hash(), 0, hashes, (i - from) * Swhid.HASH_LENGTH, Swhid.HASH_LENGTH);
      }
      queries.lookUp(types, hashes, 0, chunkEnd - from, fields, batch);
    }
  }

  private static Swhid[] parseAll(List<String> texts) {
    Swhid[] swhids = new Swhid[texts.size()];
    for (int i = 0; i < swhids.length; i++) {
      try {
        swhids[i] = Swhid.parse(texts.get(i));
      } catch (InvalidSwhidException e) {
        throw new IllegalArgumentException("swhid[" + i + "]: " + e.getMessage(), e);
      }
    }
    return swhids;
  }

  private static ResultFields fields(boolean hasMask, FieldMask mask) {
    return hasMask ? ResultFields.of(mask.getPathsList()) : ResultFields.ALL;
  }

  /**
   * The result for SWHID {@code i} of a looked-up batch, built from the request's own text (a
   * valid request SWHID is exactly the text of the answer) and the bytes of the answers.
   */
  private static WhereIsOneResult result(ProvenanceQueries queries, String swhid, LookupBatch batch, int i,
      ResultFields fields) {
    WhereIsOneResult.Builder result = WhereIsOneResult.newBuilder();
    if (fields.swhid()) {
      result.setSwhid(swhid);
    }
    if (fields.anchor() && batch.anchorRows[i] >= 0) {
      result.setAnchorBytes(UnsafeByteOperations.unsafeWrap(queries.index().nodes().swhidBytes(batch.anchorRows[i])));
    }
    if (fields.origin() && batch.originRows[i] >= 0) {
      result.setOrigin(queries.index().origins().url(batch.originRows[i]));
    }
    return result.build();
  }

  /**
   * INTERNAL, keeping {@code e} as the server-side cause (never sent to the client): the call
   * monitor logs it and reports it to Sentry with the method and request.
   */
  private static RuntimeException internal(String method, RuntimeException e) {
    return Status.INTERNAL.withDescription("internal error in " + method).withCause(e).asRuntimeException();
  }
}
