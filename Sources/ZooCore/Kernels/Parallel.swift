// Splitting loops over the machine's cores.

import Dispatch
import Foundation

/// Loop-splitting helpers for kernels. Work below `minimumWork` elements per task stays on one thread.
public enum Parallel {
    /// Number of worker threads kernels split across (the active processor count).
    public static let coreCount = Swift.max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Calls `body(range)` on disjoint chunks covering 0..<count, in parallel when it pays.
    @inline(__always)
    public static func forChunks(_ count: Int, minimumWork: Int = 32_768, costPerItem: Int = 1,
                                 _ body: (Range<Int>) -> Void) {
        let total = count * costPerItem
        let tasks = Swift.min(coreCount, Swift.max(1, total / minimumWork), count)
        if tasks <= 1 { body(0..<count); return }
        let chunk = (count + tasks - 1) / tasks
        DispatchQueue.concurrentPerform(iterations: tasks) { t in
            let start = t * chunk
            let end = Swift.min(count, start + chunk)
            if start < end { body(start..<end) }
        }
    }

    /// Calls `body(i)` for each i in 0..<count, spread over the cores when `count` > 1 and the work is big.
    @inline(__always)
    public static func forEach(_ count: Int, costPerItem: Int, _ body: (Int) -> Void) {
        forChunks(count, costPerItem: costPerItem) { range in for i in range { body(i) } }
    }
}
