package org.softwareheritage.provenance.server.ops;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Keycloak-issued access tokens (nimbus-jose-jwt): RS256 only, signed by a key of the JWKS (a URL,
 * cached and refreshed when an unknown {@code kid} shows up, with the last good set kept through an
 * outage; or a file), with the expected issuer, the required audience (Keycloak adds {@code aud}
 * only with an audience mapper), an expiry, {@code typ: Bearer} (an ID token is not an access
 * token), and the required role among {@code realm_access.roles} or {@code
 * resource_access.<audience>.roles}.
 */
public final class KeycloakJwtVerifier implements TokenVerifier {
  private static final long OUTAGE_TOLERANCE_MS = 24 * 60 * 60 * 1000L;

  private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
  private final String audience;
  private final String requiredRole;
  private final boolean remoteKeys;

  /**
   * @param jwks an http(s) URL or a file path
   * @param requiredRole the role callers must hold, or {@code null} for any valid token
   */
  public KeycloakJwtVerifier(String jwks, String issuer, String audience, String requiredRole)
      throws IOException {
    this.audience = audience;
    this.requiredRole = requiredRole;
    this.remoteKeys = isUrl(jwks);
    processor.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.RS256, source(jwks)));
    processor.setJWTClaimsSetVerifier(
        new DefaultJWTClaimsVerifier<>(
            audience,
            new JWTClaimsSet.Builder().issuer(issuer).claim("typ", "Bearer").build(),
            Set.of("exp", "sub")));
  }

  private static boolean isUrl(String jwks) {
    return jwks.startsWith("http://") || jwks.startsWith("https://");
  }

  private static JWKSource<SecurityContext> source(String jwks) throws IOException {
    if (isUrl(jwks)) {
      return JWKSourceBuilder.<SecurityContext>create(URI.create(jwks).toURL())
          .outageTolerant(OUTAGE_TOLERANCE_MS)
          .build();
    }
    try {
      return new ImmutableJWKSet<>(JWKSet.load(Path.of(jwks).toFile()));
    } catch (ParseException e) {
      throw new IOException("JWKS file " + jwks + ": " + e.getMessage(), e);
    }
  }

  /** With a JWKS URL, a token signed by an unknown key makes {@link #verify} fetch the keys. */
  @Override
  public boolean mayBlock() {
    return remoteKeys;
  }

  @Override
  public String verify(String token) throws TokenRejectedException {
    JWTClaimsSet claims;
    try {
      claims = processor.process(token, null);
    } catch (ParseException | BadJOSEException | JOSEException e) {
      throw new TokenRejectedException("JWT rejected: " + e.getMessage(), false);
    }
    String identity = identity(claims);
    if (requiredRole != null && !hasRole(claims, requiredRole)) {
      throw new TokenRejectedException(identity + " lacks role " + requiredRole, true);
    }
    return identity;
  }

  private static String identity(JWTClaimsSet claims) {
    Object name = claims.getClaim("preferred_username");
    return name instanceof String text ? text : claims.getSubject();
  }

  private boolean hasRole(JWTClaimsSet claims, String role) {
    if (roles(claims.getClaim("realm_access")).contains(role)) {
      return true;
    }
    return claims.getClaim("resource_access") instanceof Map<?, ?> clients
        && roles(clients.get(audience)).contains(role);
  }

  private static List<?> roles(Object access) {
    return access instanceof Map<?, ?> map && map.get("roles") instanceof List<?> roles
        ? roles
        : List.of();
  }
}
