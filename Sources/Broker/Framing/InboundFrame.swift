/// One frame as cut from the byte stream by `FrameDecoder`.
public enum InboundFrame: Sendable, Equatable {
    /// A line without its `\n` (and without a `\r` before it).
    case line([UInt8])
    /// A line longer than `max_frame_bytes`; the session replies `frame_too_large` and closes.
    case tooLarge
}
