import org.softwareheritage.provenance.client.ProvenanceClient;
import org.softwareheritage.provenance.swhid.Swhid;

/** The README's three lines: where does one SWHID come from? Arguments: HOST:PORT SWHID. */
public class Demo {
  public static void main(String[] args) {
    try (ProvenanceClient client = ProvenanceClient.builder().target(args[0]).build()) {
      System.out.println(client.whereIs(Swhid.parse(args[1])).qualified().orElseThrow());
    }
  }
}
