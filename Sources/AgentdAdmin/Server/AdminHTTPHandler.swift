import NIOCore
import NIOHTTP1

/// Serves one admin connection: a request at a time (NIO's `HTTPServerPipelineHandler`
/// before it holds back pipelined ones), each answered by the responder, keep-alive as the
/// client asks.
///
/// Request bodies are read and dropped: no route takes one, and keeping none means a large
/// body costs no memory.
final class AdminHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let responder: AdminResponder
    private var head: HTTPRequestHead?

    init(responder: AdminResponder) {
        self.responder = responder
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body:
            break
        case .end:
            guard let head = self.head else { return }
            self.head = nil
            let request = AdminRequest(head: head, remoteAddress: context.remoteAddress?.ipAddress ?? "unknown")
            let headOnly = head.method == .HEAD
            let keepAlive = head.isKeepAlive
            let version = head.version
            // The responder's future may complete on another thread (the registry's queue);
            // the write happens back on this channel's loop.
            self.responder.respond(to: request, on: context.eventLoop)
                .hop(to: context.eventLoop)
                .assumeIsolated()
                .whenSuccess { response in
                    self.write(response, version: version, keepAlive: keepAlive, headOnly: headOnly, context: context)
                }
        }
    }

    private func write(
        _ response: AdminResponse,
        version: HTTPVersion,
        keepAlive: Bool,
        headOnly: Bool,
        context: ChannelHandlerContext
    ) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: String(response.body.count))
        // Every answer is a snapshot of now; no cache should keep one.
        headers.add(name: "Cache-Control", value: "no-store")
        for (name, value) in response.headers {
            headers.add(name: name, value: value)
        }
        var head = HTTPResponseHead(version: version, status: response.status, headers: headers)
        head.headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        context.write(self.wrapOutboundOut(.head(head)), promise: nil)
        if !headOnly && !response.body.isEmpty {
            let buffer = context.channel.allocator.buffer(bytes: response.body)
            context.write(self.wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        let done = context.writeAndFlushPromise(self.wrapOutboundOut(.end(nil)))
        if !keepAlive {
            done.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A bad request was already answered 400 by NIO's error handler before this one; the
        // connection cannot be trusted to be in step any more.
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // An idle keep-alive connection (IdleStateHandler) is closed; nothing is lost.
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}

extension ChannelHandlerContext {
    fileprivate func writeAndFlushPromise(_ data: NIOAny) -> EventLoopPromise<Void> {
        let promise = self.eventLoop.makePromise(of: Void.self)
        self.writeAndFlush(data, promise: promise)
        return promise
    }
}
