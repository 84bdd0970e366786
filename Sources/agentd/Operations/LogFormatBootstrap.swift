import AgentdConfig
import AgentdLogging
import Logging

/// The log handler for `log_format`.
enum LogFormatBootstrap {
    static func factory(_ format: AgentdConfiguration.LogFormat, level: Logger.Level) -> @Sendable (String) -> any LogHandler {
        switch format {
        case .text:
            return { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        case .json:
            return { label in
                var handler = JSONLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }
}
