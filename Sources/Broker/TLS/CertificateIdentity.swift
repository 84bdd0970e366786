import NIOSSL
import X509

/// The agent a client certificate names: its subject's common name (CN).
///
/// With mutual TLS the certificate is the client's identity (the original design's
/// certificate-based auth): its connection may say hello only as that agent id.
enum CertificateIdentity {
    /// The last CN of `certificate`'s subject (the most specific one, as X.509 orders names),
    /// or nil when it has none or cannot be parsed.
    static func agentID(of certificate: NIOSSLCertificate) -> String? {
        guard let der = try? certificate.toDERBytes(), let parsed = try? Certificate(derEncoded: der) else {
            return nil
        }
        var name: String?
        for relativeName in parsed.subject {
            for attribute in relativeName where attribute.type == .RDNAttributeType.commonName {
                name = attribute.value.description
            }
        }
        return name
    }
}
