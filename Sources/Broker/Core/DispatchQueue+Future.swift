import AgentCore
import Dispatch
import NIOCore

extension DispatchQueue {
    /// Runs `body` on this queue and answers through a future of `loop`, so callers on an event
    /// loop never wait for the queue.
    func future<T: Sendable>(
        on loop: any EventLoop,
        _ body: @escaping @Sendable () throws(AgentdError) -> T
    ) -> EventLoopFuture<T> {
        let promise = loop.makePromise(of: T.self)
        self.async {
            do {
                promise.succeed(try body())
            } catch {
                promise.fail(error)
            }
        }
        return promise.futureResult
    }
}
