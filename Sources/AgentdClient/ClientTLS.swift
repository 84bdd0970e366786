import NIOCore
import NIOSSL

/// How ``AgentdClient`` speaks TLS to agentd.
public struct ClientTLS: Sendable {
    /// PEM CA bundle the server's certificate must chain to; nil = the system's trust store.
    public var caFile: String?
    /// PEM client certificate for mutual TLS; its subject's CN is the agent id agentd allows.
    public var certificateFile: String?
    /// PEM private key of `certificateFile`.
    public var keyFile: String?
    /// The name to expect in the server's certificate (and send as SNI); nil = the host
    /// connected to.
    public var serverName: String?

    /// TLS with the given trust and, optionally, a client certificate.
    public init(caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil, serverName: String? = nil) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.serverName = serverName
    }

    /// The TLS context for connections made with these settings.
    func makeContext() throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        if let caFile = self.caFile {
            configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
        }
        if let certificateFile = self.certificateFile {
            configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(certificateFile).map { .certificate($0) }
            guard let keyFile = self.keyFile else { throw AgentdClientError.tlsSetup("a client certificate needs its key file") }
            configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem))
        }
        return try NIOSSLContext(configuration: configuration)
    }

    /// The name to send as SNI and check the certificate against, for a connection to `host`.
    /// SNI carries names only: for an IP address it is nil, and the certificate's IP entries
    /// are checked against the peer address instead.
    func hostname(connectingTo host: String) -> String? {
        let name = self.serverName ?? host
        let isAddress = (try? SocketAddress(ipAddress: name, port: 0)) != nil
        return isAddress ? nil : name
    }
}
