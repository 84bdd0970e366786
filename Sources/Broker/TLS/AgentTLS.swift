import NIOSSL

/// Builds the TLS context of the agent port from the `[tls]` table.
///
/// TLS 1.2 is the floor: 1.0 and 1.1 are deprecated (RFC 8996). Client certificates:
/// - `require_client_cert = true`: every client must present one that chains to `ca_file`
///   (the handshake fails otherwise);
/// - `ca_file` alone: a certificate is optional, but one that is presented must chain to it;
/// - neither: clients are not asked for one.
/// A presented certificate binds the connection to the agent its subject names
/// (``CertificateIdentity``).
public enum AgentTLS {
    /// The files of the agent port's TLS (the `[tls]` table's, named after its keys).
    public struct Files: Sendable, Equatable {
        /// PEM certificate chain (`tls.cert_file`).
        public var certFile: String?
        /// PEM private key (`tls.key_file`).
        public var keyFile: String?
        /// PEM CAs that client certificates must chain to (`tls.ca_file`).
        public var caFile: String?
        /// Mutual TLS: every client must present a certificate (`tls.require_client_cert`).
        public var requireClientCert: Bool

        /// The given files.
        public init(certFile: String? = nil, keyFile: String? = nil, caFile: String? = nil, requireClientCert: Bool = false) {
            self.certFile = certFile
            self.keyFile = keyFile
            self.caFile = caFile
            self.requireClientCert = requireClientCert
        }
    }

    /// Loads the certificate chain, key and CAs named by `tls`.
    /// - Throws: ``AgentTLSError`` naming the file that could not be used.
    public static func makeContext(_ tls: Files) throws(AgentTLSError) -> NIOSSLContext {
        guard let certFile = tls.certFile, let keyFile = tls.keyFile else {
            throw AgentTLSError("TLS needs tls.cert_file and tls.key_file")
        }
        let chain = try Self.certificates(certFile, setting: "tls.cert_file", kind: "certificate chain")
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
        } catch {
            // The error text of a key never includes the key itself.
            throw AgentTLSError("tls.key_file \(keyFile): not a readable PEM private key (\(error))")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) },
            privateKey: .privateKey(key)
        )
        configuration.minimumTLSVersion = .tlsv12
        if let caFile = tls.caFile {
            let roots = try Self.certificates(caFile, setting: "tls.ca_file", kind: "certificate bundle")
            configuration.trustRoots = .certificates(roots)
            // Clients are not servers: their certificates carry no host name to check.
            configuration.certificateVerification = tls.requireClientCert ? .noHostnameVerification : .optionalVerification
        } else {
            configuration.certificateVerification = .none
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw AgentTLSError("TLS setup failed: certificate and key do not work together (\(error))")
        }
    }

    /// The certificates of the PEM file `path`, at least one.
    private static func certificates(_ path: String, setting: String, kind: String) throws(AgentTLSError) -> [NIOSSLCertificate] {
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(path)
        } catch {
            throw AgentTLSError("\(setting) \(path): not a readable PEM \(kind) (\(error))")
        }
        guard !certificates.isEmpty else {
            throw AgentTLSError("\(setting) \(path): no certificate in it")
        }
        return certificates
    }
}

/// Why the agent port's TLS context could not be built; one line for the operator.
public struct AgentTLSError: Error, CustomStringConvertible {
    /// What went wrong, naming the file.
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
