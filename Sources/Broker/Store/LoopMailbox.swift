import NIOConcurrencyHelpers
import NIOCore

/// Hands work from the Redis client's thread to event loops in batches.
///
/// Completing a promise from another thread costs the loop a task and often a wake-up. One
/// Redis round trip answers many requests at once, so completions are posted here and each
/// loop is woken once for all that arrived while it was busy, not once per reply.
final class LoopMailbox: Sendable {
    private let loop: any EventLoop
    private let items = NIOLockedValueBox<[@Sendable () -> Void]>([])

    init(loop: any EventLoop) {
        self.loop = loop
    }

    /// Runs `work` on the loop soon, with everything else posted before the loop gets to it.
    func post(_ work: @escaping @Sendable () -> Void) {
        let first = self.items.withLockedValue { items in
            items.append(work)
            return items.count == 1
        }
        if first {
            self.loop.execute { self.drain() }
        }
    }

    private func drain() {
        let work = self.items.withLockedValue { items in
            let taken = items
            items.removeAll(keepingCapacity: true)
            return taken
        }
        for item in work {
            item()
        }
    }
}

/// One mailbox per event loop, created on first use.
final class LoopMailboxes: Sendable {
    private let boxes = NIOLockedValueBox<[ObjectIdentifier: LoopMailbox]>([:])

    func mailbox(for loop: any EventLoop) -> LoopMailbox {
        let key = ObjectIdentifier(loop as AnyObject)
        return self.boxes.withLockedValue { boxes in
            if let box = boxes[key] { return box }
            let box = LoopMailbox(loop: loop)
            boxes[key] = box
            return box
        }
    }
}
