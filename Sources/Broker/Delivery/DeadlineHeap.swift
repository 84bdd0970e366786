import NIOCore

/// A min-heap of timer events by deadline.
///
/// The engine keeps one NIO timer armed for the earliest deadline instead of one timer per
/// message (beanstalkd's `prottick`): the cost of 100k in-flight messages is 100k heap entries,
/// not 100k scheduled tasks. Cancelled events are not removed; they are recognised as stale
/// (their token no longer matches) when they come due.
struct DeadlineHeap<Element> {
    private var items: [(deadline: NIODeadline, element: Element)] = []

    var isEmpty: Bool { self.items.isEmpty }
    var count: Int { self.items.count }
    var nextDeadline: NIODeadline? { self.items.first?.deadline }

    mutating func push(_ element: Element, at deadline: NIODeadline) {
        self.items.append((deadline, element))
        var child = self.items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard self.items[child].deadline < self.items[parent].deadline else { break }
            self.items.swapAt(child, parent)
            child = parent
        }
    }

    /// Drops the elements `isStale` picks and restores the heap order (O(n)).
    mutating func removeAll(where isStale: (Element) -> Bool) {
        self.items.removeAll { isStale($0.element) }
        var index = self.items.count / 2 - 1
        while index >= 0 {
            self.siftDown(from: index)
            index -= 1
        }
    }

    /// Removes and returns the earliest element if it is due at `now`.
    mutating func popDue(now: NIODeadline) -> Element? {
        guard let first = self.items.first, first.deadline <= now else { return nil }
        let last = self.items.removeLast()
        if !self.items.isEmpty {
            self.items[0] = last
            self.siftDown(from: 0)
        }
        return first.element
    }
}

extension DeadlineHeap {
    private mutating func siftDown(from start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < self.items.count && self.items[left].deadline < self.items[smallest].deadline {
                smallest = left
            }
            if right < self.items.count && self.items[right].deadline < self.items[smallest].deadline {
                smallest = right
            }
            if smallest == parent { return }
            self.items.swapAt(parent, smallest)
            parent = smallest
        }
    }
}

extension DeadlineHeap: Sendable where Element: Sendable {}
