package org.softwareheritage.provenance.server.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.softwareheritage.provenance.server.testing.Golden.swhid;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.arrow.flight.CallHeaders;
import org.apache.arrow.flight.Criteria;
import org.apache.arrow.flight.FlightCallHeaders;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.HeaderCallOption;
import org.apache.arrow.flight.Location;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softwareheritage.provenance.proto.ProvenanceServiceGrpc;
import org.softwareheritage.provenance.proto.WhereIsOneRequest;
import org.softwareheritage.provenance.server.storage.ProvenanceTable;
import org.softwareheritage.provenance.server.testing.ExampleDirectory;
import org.softwareheritage.provenance.server.testing.OpsServer;
import org.softwareheritage.provenance.server.testing.SelfSignedCertificate;
import org.softwareheritage.provenance.server.testing.Settings;

/**
 * Bearer tokens (a static token file, Keycloak JWTs checked against a JWKS file of locally
 * generated RSA keys) on gRPC and Flight alike, health exempt; and TLS round trips.
 */
class AuthenticationTest {
  private static final String ISSUER = "https://auth.example.org/realms/SoftwareHeritage";
  private static final String AUDIENCE = "swh-provenance";
  private static final String ROLE = "swh.provenance.read";
  private static final WhereIsOneRequest KNOWN =
      WhereIsOneRequest.newBuilder().setSwhid(swhid("cnt", "01")).build();
  private static final String CERTS_PATH = "/realms/SoftwareHeritage/protocol/openid-connect/certs";
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private static RSAKey signingKey;
  private static RSAKey otherKeySameKid;
  private static RSAKey unknownKey;

  @TempDir Path directory;

  @BeforeAll
  static void keys() throws Exception {
    signingKey = new RSAKeyGenerator(2048).keyID("key-1").generate();
    otherKeySameKid = new RSAKeyGenerator(2048).keyID("key-1").generate();
    unknownKey = new RSAKeyGenerator(2048).keyID("key-2").generate();
  }

  private static JWTClaimsSet.Builder accessToken() {
    Instant now = Instant.now();
    return new JWTClaimsSet.Builder()
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .subject("f9a1-user")
        .claim("preferred_username", "webapp")
        .claim("typ", "Bearer")
        .issueTime(Date.from(now))
        .expirationTime(Date.from(now.plus(Duration.ofMinutes(5))))
        .claim("realm_access", Map.of("roles", List.of("offline_access", ROLE)));
  }

  private static String signed(RSAKey key, JWTClaimsSet claims) throws Exception {
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256)
                .keyID(key.getKeyID())
                .type(JOSEObjectType.JWT)
                .build(),
            claims);
    jwt.sign(new RSASSASigner(key));
    return jwt.serialize();
  }

  private Settings keycloak() throws Exception {
    Settings settings = new Settings();
    settings.jwks =
        Files.writeString(
                directory.resolve("jwks.json"), new JWKSet(signingKey.toPublicJWK()).toString())
            .toString();
    settings.jwtIssuer = ISSUER;
    settings.jwtAudience = AUDIENCE;
    settings.jwtRequiredRole = ROLE;
    return settings;
  }

  @Test
  void keycloakTokensOnGrpcAndFlight() throws Exception {
    Instant now = Instant.now();
    SignedJWT hs256 =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("key-1").build(),
            accessToken().build());
    hs256.sign(new MACSigner(signingKey.toPublicJWK().toRSAPublicKey().getEncoded()));
    Map<String, String> rejected =
        Map.of(
            "expired",
                signed(
                    signingKey,
                    accessToken()
                        .issueTime(Date.from(now.minus(Duration.ofHours(2))))
                        .expirationTime(Date.from(now.minus(Duration.ofHours(1))))
                        .build()),
            "wrong issuer",
                signed(
                    signingKey,
                    accessToken()
                        .issuer("https://evil.example.org/realms/SoftwareHeritage")
                        .build()),
            "wrong audience", signed(signingKey, accessToken().audience("another-client").build()),
            "no audience", signed(signingKey, accessToken().audience((String) null).build()),
            "bad signature", signed(otherKeySameKid, accessToken().build()),
            "unknown kid", signed(unknownKey, accessToken().build()),
            "alg none", new PlainJWT(accessToken().build()).serialize(),
            "HS256 with the public key", hs256.serialize(),
            "ID token", signed(signingKey, accessToken().claim("typ", "ID").build()),
            "garbage", "not-a-jwt");
    String valid = signed(signingKey, accessToken().build());
    String withoutRole =
        signed(
            signingKey,
            accessToken()
                .claim("realm_access", Map.of("roles", List.of("offline_access")))
                .build());
    String clientRole =
        signed(
            signingKey,
            accessToken()
                .claim("realm_access", Map.of())
                .claim("resource_access", Map.of(AUDIENCE, Map.of("roles", List.of(ROLE))))
                .build());

    try (OpsServer server =
            OpsServer.start(
                ExampleDirectory.write(directory.resolve("db")), keycloak().build(), Map.of());
        BufferAllocator allocator = new RootAllocator();
        FlightClient flight =
            FlightClient.builder(allocator, Location.forGrpcInsecure("127.0.0.1", server.port()))
                .build()) {
      assertEquals(swhid("rev", "03"), whereIsOne(server.channel(), valid));
      assertEquals(swhid("rev", "03"), whereIsOne(server.channel(), clientRole));
      assertEquals(ProvenanceTable.values().length, listFlights(flight, valid));
      assertEquals(
          ServingStatus.SERVING,
          HealthGrpc.newBlockingStub(server.channel())
              .check(HealthCheckRequest.getDefaultInstance())
              .getStatus(),
          "health checks need no token");

      assertUnauthenticated(server, flight, null, "no token");
      rejected.forEach((reason, token) -> assertUnauthenticated(server, flight, token, reason));

      StatusRuntimeException denied =
          assertThrows(
              StatusRuntimeException.class, () -> whereIsOne(server.channel(), withoutRole));
      assertEquals(Status.Code.PERMISSION_DENIED, denied.getStatus().getCode());
      assertEquals("the token lacks the required role", denied.getStatus().getDescription());
      FlightRuntimeException flightDenied =
          assertThrows(FlightRuntimeException.class, () -> listFlights(flight, withoutRole));
      assertEquals(FlightStatusCode.UNAUTHORIZED, flightDenied.status().code());
    }
  }

  @Test
  void jwksUrlRefreshedOnAnUnknownKeyAndKeptThroughAnOutage() throws Exception {
    AtomicReference<JWKSet> published = new AtomicReference<>(new JWKSet(signingKey.toPublicJWK()));
    HttpServer keycloak = keycloakPublishing(published::get);
    Settings settings = keycloak();
    settings.jwks = certsUrl(keycloak);
    try (OpsServer server =
        OpsServer.start(
            ExampleDirectory.write(directory.resolve("db")), settings.build(), Map.of())) {
      assertEquals(
          swhid("rev", "03"),
          whereIsOne(server.channel(), signed(signingKey, accessToken().build())));
      published.set(new JWKSet(List.of(signingKey.toPublicJWK(), unknownKey.toPublicJWK())));
      assertEquals(
          swhid("rev", "03"),
          whereIsOne(server.channel(), signed(unknownKey, accessToken().build())),
          "a key rotated in on the Keycloak side is fetched when a token names it");
      keycloak.stop(0);
      assertEquals(
          swhid("rev", "03"),
          whereIsOne(server.channel(), signed(signingKey, accessToken().build())),
          "known keys keep working while Keycloak is down");
    } finally {
      keycloak.stop(0);
    }
  }

  @Test
  void aSlowKeyFetchStallsNoOtherCall() throws Exception {
    CountDownLatch fetching = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger fetches = new AtomicInteger();
    HttpServer keycloak =
        keycloakPublishing(
            () -> {
              if (fetches.incrementAndGet() == 1) {
                return new JWKSet(signingKey.toPublicJWK());
              }
              fetching.countDown();
              try {
                release.await(20, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return new JWKSet(List.of(signingKey.toPublicJWK(), unknownKey.toPublicJWK()));
            });
    Settings settings = keycloak();
    settings.jwks = certsUrl(keycloak);
    ExecutorService caller = Executors.newSingleThreadExecutor();
    try (OpsServer server =
        OpsServer.start(
            ExampleDirectory.write(directory.resolve("db")), settings.build(), Map.of())) {
      String known = signed(signingKey, accessToken().build());
      assertEquals(swhid("rev", "03"), whereIsOne(server.channel(), known));
      Future<String> rotated =
          caller.submit(
              () -> whereIsOne(server.channel(), signed(unknownKey, accessToken().build())));
      assertTrue(fetching.await(10, TimeUnit.SECONDS), "the unknown key is fetched");
      // the same connection, so the same transport thread: it must not be the one waiting for
      // Keycloak
      long start = System.nanoTime();
      assertEquals(swhid("rev", "03"), whereIsOne(server.channel(), known));
      assertEquals(
          ServingStatus.SERVING,
          HealthGrpc.newBlockingStub(server.channel())
              .check(HealthCheckRequest.getDefaultInstance())
              .getStatus());
      assertTrue(
          System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5),
          "answered while the fetch is pending");
      release.countDown();
      assertEquals(swhid("rev", "03"), rotated.get(20, TimeUnit.SECONDS));
    } finally {
      release.countDown();
      caller.shutdownNow();
      keycloak.stop(0);
    }
  }

  @Test
  void staticTokenFile() throws Exception {
    Settings settings = new Settings();
    settings.authTokenFile =
        Files.writeString(
            directory.resolve("tokens"), "# web API\nwebapp s3cret-1\n\nlegacy-token\n");
    try (OpsServer server =
            OpsServer.start(
                ExampleDirectory.write(directory.resolve("db")), settings.build(), Map.of());
        BufferAllocator allocator = new RootAllocator();
        FlightClient flight =
            FlightClient.builder(allocator, Location.forGrpcInsecure("127.0.0.1", server.port()))
                .build()) {
      assertEquals(swhid("rev", "03"), whereIsOne(server.channel(), "s3cret-1"));
      assertEquals(swhid("rev", "03"), whereIsOne(server.channel(), "legacy-token"));
      assertEquals(ProvenanceTable.values().length, listFlights(flight, "s3cret-1"));
      assertUnauthenticated(server, flight, "s3cret-2", "unknown token");
      assertUnauthenticated(server, flight, "webapp", "a name is not a token");
      assertUnauthenticated(server, flight, null, "no token");
    }
  }

  @Test
  void tlsRoundTripOnGrpcAndFlight() throws Exception {
    SelfSignedCertificate certificate = SelfSignedCertificate.write(directory);
    Settings settings = new Settings();
    settings.tlsCert = certificate.certificate();
    settings.tlsKey = certificate.privateKey();
    try (OpsServer server =
            OpsServer.start(
                ExampleDirectory.write(directory.resolve("db")), settings.build(), Map.of());
        BufferAllocator allocator = new RootAllocator();
        InputStream trusted = Files.newInputStream(certificate.certificate());
        FlightClient flight =
            FlightClient.builder(allocator, Location.forGrpcTls("localhost", server.port()))
                .trustedCertificates(trusted)
                .build()) {
      ManagedChannel tls =
          NettyChannelBuilder.forAddress("localhost", server.port())
              .sslContext(
                  GrpcSslContexts.forClient()
                      .trustManager(certificate.certificate().toFile())
                      .build())
              .build();
      try {
        assertEquals(swhid("rev", "03"), whereIsOne(tls, null));
      } finally {
        tls.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      assertEquals(ProvenanceTable.values().length, listFlights(flight, null));
      StatusRuntimeException plaintext =
          assertThrows(StatusRuntimeException.class, () -> whereIsOne(server.channel(), null));
      assertEquals(Status.Code.UNAVAILABLE, plaintext.getStatus().getCode());
    }
  }

  private static void assertUnauthenticated(
      OpsServer server, FlightClient flight, String token, String reason) {
    StatusRuntimeException grpc =
        assertThrows(
            StatusRuntimeException.class, () -> whereIsOne(server.channel(), token), reason);
    assertEquals(Status.Code.UNAUTHENTICATED, grpc.getStatus().getCode(), reason);
    assertEquals(
        BearerAuthentication.UNAUTHENTICATED_MESSAGE, grpc.getStatus().getDescription(), reason);
    FlightRuntimeException overFlight =
        assertThrows(FlightRuntimeException.class, () -> listFlights(flight, token), reason);
    assertEquals(FlightStatusCode.UNAUTHENTICATED, overFlight.status().code(), reason);
    assertEquals(BearerAuthentication.UNAUTHENTICATED_MESSAGE, overFlight.getMessage(), reason);
  }

  /**
   * A Keycloak stand-in whose certs endpoint answers with what {@code keys} returns at each
   * request.
   */
  private static HttpServer keycloakPublishing(Supplier<JWKSet> keys) throws IOException {
    HttpServer keycloak = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 4);
    keycloak.createContext(
        CERTS_PATH,
        exchange -> {
          byte[] body = keys.get().toString().getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    keycloak.start();
    return keycloak;
  }

  private static String certsUrl(HttpServer keycloak) {
    return "http://127.0.0.1:" + keycloak.getAddress().getPort() + CERTS_PATH;
  }

  private static String whereIsOne(ManagedChannel channel, String token) {
    var stub = ProvenanceServiceGrpc.newBlockingStub(channel);
    if (token != null) {
      Metadata headers = new Metadata();
      headers.put(AUTHORIZATION, "Bearer " + token);
      stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }
    return stub.whereIsOne(KNOWN).getAnchor();
  }

  private static int listFlights(FlightClient flight, String token) {
    CallHeaders headers = new FlightCallHeaders();
    if (token != null) {
      headers.insert("authorization", "Bearer " + token);
    }
    int[] count = {0};
    Consumer<Object> counter = info -> count[0]++;
    flight.listFlights(Criteria.ALL, new HeaderCallOption(headers)).forEach(counter);
    return count[0];
  }
}
