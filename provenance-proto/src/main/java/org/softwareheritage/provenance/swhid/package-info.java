/**
 * SWHIDs: the value type shared by the server and the clients, parsed strictly (core SWHIDs only),
 * from strings or from ASCII bytes without creating objects.
 */
package org.softwareheritage.provenance.swhid;
