import Foundation
import Testing

@testable import AgentCore

/// The repository root: this file is `<repo>/Tests/AgentCoreTests/Errors/ErrorCodeTests.swift`.
private let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()  // Errors
    .deletingLastPathComponent()  // AgentCoreTests
    .deletingLastPathComponent()  // Tests
    .deletingLastPathComponent()

/// The contract, kept beside the clone (`<repo>/../shared/protocol-v1.md`).
private let contractPath = repositoryRoot.deletingLastPathComponent()
    .appendingPathComponent("shared/protocol-v1.md").path

@Suite struct ErrorCodeTests {
    @Test(arguments: ErrorCode.allCases)
    func documentedInTheUserDocs(code: ErrorCode) throws {
        let path = repositoryRoot.appendingPathComponent("docs/protocol.md").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("`\(code.rawValue)`"), "docs/protocol.md does not mention `\(code.rawValue)`")
    }

    @Test(
        .enabled(
            if: FileManager.default.fileExists(atPath: contractPath),
            "the contract \(contractPath) is absent (CI keeps shared/ beside the clone)"
        ),
        arguments: ErrorCode.allCases
    )
    func listedInTheContract(code: ErrorCode) throws {
        let text = try String(contentsOfFile: contractPath, encoding: .utf8)
        #expect(text.contains("`\(code.rawValue)`"), "protocol-v1.md does not list `\(code.rawValue)`")
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: contractPath), "the contract is absent"))
    func theContractListsNoCodeWeLack() throws {
        let text = try String(contentsOfFile: contractPath, encoding: .utf8)
        // Rows of the error table look like "| `code` | when |".
        let known = Set(ErrorCode.allCases.map(\.rawValue))
        var inTable = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("## Error codes") {
                inTable = true
                continue
            }
            if inTable && line.hasPrefix("## ") { break }
            guard inTable, line.hasPrefix("| `") else { continue }
            let code = line.dropFirst(3).prefix { $0 != "`" }
            #expect(known.contains(String(code)), "the contract lists `\(code)`, which ErrorCode lacks")
        }
    }

    @Test func rawValuesAreTheWireSpelling() {
        #expect(ErrorCode.allCases.map(\.rawValue) == [
            "bad_json", "bad_request", "unknown_op", "frame_too_large", "unauthenticated",
            "forbidden", "not_found", "unavailable", "overloaded", "internal",
        ])
    }

    @Test(arguments: ErrorCode.allCases)
    func failureReplyShape(code: ErrorCode) throws {
        let error = AgentdError(code, "field \"x\": bad\n")
        let bytes = Reply.failure(id: .number(JSONNumber(7)), error)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text == #"{"id":7,"ok":false,"error":{"code":"\#(code.rawValue)","message":"field \"x\": bad\n"}}"#)
        let parsed = try JSONParser.parse(bytes)
        #expect(parsed == ["id": 7, "ok": false, "error": ["code": .string(code.rawValue), "message": "field \"x\": bad\n"]])
    }

    @Test func failureReplyEchoesStringAndNullIDs() {
        let error = AgentdError.badRequest("op: missing")
        #expect(
            String(decoding: Reply.failure(id: nil, error), as: UTF8.self)
                == #"{"id":null,"ok":false,"error":{"code":"bad_request","message":"op: missing"}}"#
        )
        #expect(
            String(decoding: Reply.failure(id: .string("a\"b"), error), as: UTF8.self)
                == #"{"id":"a\"b","ok":false,"error":{"code":"bad_request","message":"op: missing"}}"#
        )
    }

    @Test func internalErrorsNeverLeakTheirCause() {
        struct Secret: Error, Sendable {}
        let error = AgentdError.internal(cause: Secret())
        let text = String(decoding: Reply.failure(id: nil, error), as: UTF8.self)
        #expect(text == #"{"id":null,"ok":false,"error":{"code":"internal","message":"internal error"}}"#)
        #expect(error.description.contains("Secret"))
    }
}
