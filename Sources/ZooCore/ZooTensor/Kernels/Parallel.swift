// Splitting loops over the machine's cores.
//
// A loop nested inside a parallel region (a conv work item, a split sgemm, a chunk of another loop) runs
// on its own thread: the cores are busy already, and a second fan-out only adds dispatch overhead.

import Dispatch
import Foundation

/// Loop-splitting helpers for kernels. Work below `minimumWork` elements per task stays on one thread.
public enum Parallel {
    /// Processors available to this process (the active processor count).
    public static let availableProcessors = Swift.max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Number of worker threads kernels split across: `ZOO_THREADS` when it is set to a valid value (see
    /// `threadSetting`), else every available processor. The programs refuse an invalid value at start.
    public static let coreCount: Int =
        (try? threadSetting(ProcessInfo.processInfo.environment["ZOO_THREADS"])) ?? availableProcessors

    /// Overrides `coreCount` for the kernels the current task runs (`Parallel.$threadOverride.withValue(1) { ... }`):
    /// tests run the same work on one and on two threads in one process. Loops already running are not
    /// affected; oneDNN's own threads are not either (it reads ZOO_THREADS once, when it is loaded).
    @TaskLocal package static var threadOverride: Int?

    /// The thread count kernels split across now: `threadOverride` when set, else `coreCount`.
    public static var threads: Int { threadOverride ?? coreCount }

    /// The thread count a `ZOO_THREADS` value asks for: nil when unset or empty, else a whole number from 1 to
    /// `available` (more threads than processors would only add switching).
    public static func threadSetting(_ value: String?, available: Int = availableProcessors) throws -> Int? {
        guard let text = value?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        guard let n = Int(text), n >= 1, n <= available else {
            throw ThreadSettingError(value: text, available: available)
        }
        return n
    }

    /// A per-thread marker, non-nil while the thread runs a task of `forThreads` (or `forChunks`).
    private static let workerKey: pthread_key_t = {
        var key = pthread_key_t()
        // (Not inside precondition: -Ounchecked release builds do not evaluate its condition.)
        let status = pthread_key_create(&key, nil)
        require(status == 0, "pthread_key_create failed")
        return key
    }()

    /// Whether the calling thread is running a task of a parallel loop; loops started there run serially.
    public static var isInsideParallelRegion: Bool { pthread_getspecific(workerKey) != nil }

    /// Calls `body(t)` for t in 0..<threads, concurrently, each task marked as inside a parallel region.
    /// Runs inline (unmarked) when `threads` ≤ 1.
    public static func forThreads(_ threads: Int, _ body: (Int) -> Void) {
        if threads <= 1 { body(0); return }
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            let previous = pthread_getspecific(workerKey)
            pthread_setspecific(workerKey, UnsafeRawPointer(bitPattern: 1))
            body(t)
            pthread_setspecific(workerKey, previous)
        }
    }

    /// The number of tasks `forChunks` splits `count` items into (1 inside a parallel region).
    @inline(__always)
    public static func taskCount(_ count: Int, minimumWork: Int, costPerItem: Int = 1) -> Int {
        let tasks = Swift.min(threads, Swift.max(1, count * costPerItem / Swift.max(1, minimumWork)), count)
        return tasks > 1 && isInsideParallelRegion ? 1 : tasks
    }

    /// Calls `body(range)` on disjoint chunks covering 0..<count, in parallel when it pays: when the
    /// work (`count · costPerItem`) is at least `minimumWork` per task, and not inside a parallel region.
    @inline(__always)
    public static func forChunks(_ count: Int, minimumWork: Int = 32_768, costPerItem: Int = 1,
                                 _ body: (Range<Int>) -> Void) {
        let tasks = taskCount(count, minimumWork: minimumWork, costPerItem: costPerItem)
        if tasks <= 1 { body(0..<count); return }
        let chunk = (count + tasks - 1) / tasks
        forThreads(tasks) { t in
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

/// An invalid `ZOO_THREADS` value.
public struct ThreadSettingError: Error, CustomStringConvertible {
    public var value: String
    public var available: Int
    public var description: String {
        "ZOO_THREADS=\(value): expected a whole number from 1 to \(available) (the processors available to this process)"
    }
}
