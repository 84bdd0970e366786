import AgentCore
import Foundation

/// JSON given on the command line: the text itself, `@FILE` for a file's contents, or `@-`
/// for standard input.
enum JSONInput {
    /// Reads and parses `argument` as a JSON object.
    ///
    /// - Parameters:
    ///   - argument: the option's value as typed.
    ///   - option: the option's name for messages, e.g. `--content`.
    /// - Returns: the object.
    /// - Throws: ``CommandFailure`` (exit 2) when the file cannot be read, the text is not
    ///   JSON, or it is JSON but not an object (agentd takes only objects there).
    static func object(_ argument: String, option: String) throws(CommandFailure) -> JSONObject {
        let bytes = try Self.bytes(argument, option: option)
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw .usage("\(option): not valid JSON: \(error)")
        }
        guard let object = value.objectValue else {
            throw .usage("\(option): must be a JSON object ({...})")
        }
        return object
    }

    /// Reads and parses `argument` as any JSON value; text that is not JSON is taken as a
    /// string (so `--input yes` works without quotes).
    static func value(_ argument: String, option: String) throws(CommandFailure) -> JSONValue {
        let bytes = try Self.bytes(argument, option: option)
        if let value = try? JSONParser.parse(bytes) { return value }
        return .string(String(decoding: bytes, as: UTF8.self))
    }

    private static func bytes(_ argument: String, option: String) throws(CommandFailure) -> [UInt8] {
        guard argument.hasPrefix("@") else { return Array(argument.utf8) }
        let path = String(argument.dropFirst())
        if path == "-" {
            return Array(FileHandle.standardInput.readDataToEndOfFile())
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .usage("\(option): cannot read file '\(path)'")
        }
        return Array(data)
    }
}
