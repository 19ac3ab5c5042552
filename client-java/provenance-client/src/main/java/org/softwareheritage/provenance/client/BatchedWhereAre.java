package org.softwareheritage.provenance.client;

import io.grpc.Context;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.softwareheritage.provenance.proto.WhereAreOneRequest;
import org.softwareheritage.provenance.proto.WhereIsOneResult;
import org.softwareheritage.provenance.swhid.Swhid;

/**
 * The results of {@code WhereAreOne} over an iterator of SWHIDs, one batch (one call) at a time:
 * the next batch is read from the input and sent only when the previous one is consumed. Each call
 * runs in its own cancellable context, so closing stops a call left half-read.
 */
final class BatchedWhereAre implements Iterator<ProvenanceResult>, AutoCloseable {
  private final ProvenanceClient client;
  private final Iterator<Swhid> input;
  private final int batchSize;
  private List<Swhid> batch = List.of();
  private int position;
  private Iterator<WhereIsOneResult> call;
  private Context.CancellableContext context;

  BatchedWhereAre(ProvenanceClient client, Iterator<Swhid> input, int batchSize) {
    this.client = client;
    this.input = input;
    this.batchSize = batchSize;
  }

  @Override
  public boolean hasNext() {
    try {
      while (call == null || !call.hasNext()) {
        if (call != null) {
          finishBatch();
        }
        if (!input.hasNext()) {
          return false;
        }
        startBatch();
      }
      return true;
    } catch (StatusRuntimeException e) {
      close();
      throw ProvenanceException.of(e);
    }
  }

  @Override
  public ProvenanceResult next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    if (position == batch.size()) {
      close();
      throw ProvenanceException.protocol(
          "the server sent more than " + batch.size() + " results for " + batch.size() + " SWHIDs");
    }
    try {
      return ProvenanceClient.toResult(batch.get(position++), call.next());
    } catch (StatusRuntimeException e) {
      close();
      throw ProvenanceException.of(e);
    } catch (ProvenanceException e) {
      close();
      throw e;
    }
  }

  private void startBatch() {
    List<Swhid> swhids = new ArrayList<>(batchSize);
    WhereAreOneRequest.Builder request = WhereAreOneRequest.newBuilder();
    while (swhids.size() < batchSize && input.hasNext()) {
      Swhid swhid = input.next();
      swhids.add(swhid);
      request.addSwhid(swhid.toString());
    }
    batch = swhids;
    position = 0;
    context = Context.current().withCancellation();
    Context previous = context.attach();
    try {
      call = client.stub().whereAreOne(request.build());
    } finally {
      context.detach(previous);
    }
  }

  private void finishBatch() {
    int answered = position;
    close();
    if (answered != batch.size()) {
      throw ProvenanceException.protocol(
          "the server sent " + answered + " results for " + batch.size() + " SWHIDs");
    }
  }

  /** Cancels the current call, if any. */
  @Override
  public void close() {
    if (context != null) {
      context.cancel(null);
      context = null;
    }
    call = null;
  }
}
