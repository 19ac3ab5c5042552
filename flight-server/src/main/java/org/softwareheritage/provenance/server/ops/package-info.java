/**
 * What production adds around the APIs, for gRPC and Flight alike: authentication, limits,
 * maintenance (the red button), metrics, Sentry, the access log, and the operators' HTTP endpoint.
 */
package org.softwareheritage.provenance.server.ops;
