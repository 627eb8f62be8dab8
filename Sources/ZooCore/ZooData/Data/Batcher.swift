// Batches of clips from uint8 sequences: seeded random windows for training, fixed windows for testing,
// prepared ahead on a background thread.

import Foundation
import ZooTensor

/// Cuts clips of `clipLength` frames from a `VideoSequenceSource` and turns them into `VideoBatch`es.
///
/// - `.random(seed:)` (training): batch `i` holds `batchSize` windows, each from a sequence drawn
///   uniformly and a start drawn uniformly among the windows that fit. The draws are a pure function of
///   (seed, i), so the batcher's whole state is `step`: save it with a checkpoint and pass it back as
///   `startStep` to resume with exactly the batches an uninterrupted run would have seen.
/// - `.fixed(startFrame:)` (testing): one window per sequence starting at `startFrame` (moved earlier
///   when the sequence is too short for it), in sequence order; the last batch may be smaller, and
///   `next()` returns nil after it.
///
/// With `prefetch > 0` a background thread prepares the next batches into a bounded queue. It makes the
/// same batches in the same order as the synchronous path, so results never depend on timing.
public final class Batcher {
    /// How windows are chosen.
    public enum Order: Sendable, Equatable {
        /// Random windows from random sequences, seeded (training).
        case random(seed: UInt64)
        /// One window per sequence at a fixed start, in order (testing).
        case fixed(startFrame: Int)
    }

    /// Where the frames come from.
    public let source: any VideoSequenceSource
    /// Clips per batch.
    public let batchSize: Int
    /// Frames per clip (T).
    public let clipLength: Int
    /// Window choice.
    public let order: Order
    /// Each output pixel averages a `pixelReduction` x `pixelReduction` block (1: frames as stored).
    public let pixelReduction: Int
    /// Index of the batch `next()` returns next; the batcher's complete state.
    public private(set) var step: Int
    /// Sequences long enough for a clip (indexes into `source`).
    public let eligibleSequences: [Int]
    private let prefetcher: Prefetcher?

    /// Creates a batcher.
    /// - Parameters:
    ///   - batchSize: clips per batch.
    ///   - clipLength: frames per clip; sequences shorter than this are skipped (at least one must fit).
    ///   - order: `.random(seed:)` for training, `.fixed(startFrame:)` for evaluation.
    ///   - pixelReduction: average blocks of this many pixels per side (2 turns a 64x64 store into 32x32
    ///     clips); frame sizes must divide.
    ///   - startStep: the first batch index (a saved `step`, to resume).
    ///   - prefetch: batches prepared ahead on a background thread (0: prepare on demand).
    ///   - shard: in data-parallel training, this process's share: the windows of each global batch of
    ///     `batchSize` clips are chosen as without a shard and only the shard's rows are read (`batchSize`
    ///     must divide by the shard's count).
    /// - Throws: `BatcherError` when no sequence holds a clip or the frame size does not divide.
    public init(source: any VideoSequenceSource, batchSize: Int, clipLength: Int, order: Order,
                pixelReduction: Int = 1, startStep: Int = 0, prefetch: Int = 2, shard: BatchShard? = nil) throws {
        require(batchSize > 0 && clipLength > 0 && startStep >= 0 && prefetch >= 0 && pixelReduction > 0,
                     "Batcher needs positive batchSize, clipLength, pixelReduction and non-negative "
                        + "startStep, prefetch")
        let eligible = (0..<source.sequenceCount).filter { source.frameCount(ofSequence: $0) >= clipLength }
        guard !eligible.isEmpty else {
            let longest = (0..<source.sequenceCount).map(source.frameCount(ofSequence:)).max() ?? 0
            throw BatcherError("no sequence holds a clip of \(clipLength) frames (\(source.sequenceCount) sequences, "
                               + "longest \(longest))")
        }
        if let shard, batchSize % shard.count != 0 {
            throw BatcherError("a batch of \(batchSize) clips does not split over \(shard.count) processes")
        }
        guard source.height % pixelReduction == 0 && source.width % pixelReduction == 0 else {
            throw BatcherError("\(source.height)x\(source.width) frames do not divide by pixel reduction "
                               + "\(pixelReduction)")
        }
        self.source = source
        self.batchSize = batchSize
        self.clipLength = clipLength
        self.order = order
        self.pixelReduction = pixelReduction
        self.step = startStep
        self.eligibleSequences = eligible
        let plan = BatchPlan(source: source, eligible: eligible, batchSize: batchSize, clipLength: clipLength,
                             order: order, pixelReduction: pixelReduction, shard: shard)
        self.plan = plan
        prefetcher = prefetch > 0 ? Prefetcher(plan: plan, first: startStep, capacity: prefetch) : nil
    }

    private let plan: BatchPlan

    deinit { prefetcher?.stop() }

    /// Batches in one pass (`.fixed`), or nil for the endless `.random` order.
    public var batchCount: Int? { plan.batchCount }

    /// The batch at `index`, made now on this thread (a pure function of the index).
    public func batch(at index: Int) throws -> VideoBatch { try plan.make(index) }

    /// The next batch (from the prefetch queue when there is one), or nil after the last `.fixed` batch.
    public func next() throws -> VideoBatch? {
        if let count = plan.batchCount, step >= count { return nil }
        let batch = try prefetcher?.take(step) ?? plan.make(step)
        step += 1
        return batch
    }

    /// Where window `b` of batch `index` comes from: (sequence, start frame).
    public func window(batch index: Int, clip b: Int) -> (sequence: Int, start: Int) {
        plan.windows(index)[b]
    }
}

/// A batcher that cannot make clips from its source.
public struct BatcherError: Error, CustomStringConvertible {
    /// What is wrong.
    public var description: String
    init(_ description: String) { self.description = description }
}

/// Everything needed to make batch i, shared with the prefetch thread (immutable).
private struct BatchPlan: @unchecked Sendable {
    let source: any VideoSequenceSource
    let eligible: [Int]
    let batchSize: Int
    let clipLength: Int
    let order: Batcher.Order
    let pixelReduction: Int
    let shard: BatchShard?

    var batchCount: Int? {
        if case .fixed = order { return (eligible.count + batchSize - 1) / batchSize }
        return nil
    }

    /// The (sequence, start) of each clip of batch `index`.
    func windows(_ index: Int) -> [(sequence: Int, start: Int)] {
        switch order {
        case let .random(seed):
            // A generator of its own per batch: the draws depend on (seed, index) only.
            var mixer = RandomGenerator(seed: seed)
            var rng = RandomGenerator(seed: mixer.next() ^ (UInt64(index) &* 0x9E37_79B9_7F4A_7C15))
            return (0..<batchSize).map { _ in
                let sequence = eligible[rng.int(below: eligible.count)]
                let windowCount = source.frameCount(ofSequence: sequence) - clipLength + 1
                return (sequence, rng.int(below: windowCount))
            }
        case let .fixed(startFrame):
            let first = index * batchSize
            return (first..<min(first + batchSize, eligible.count)).map { i in
                let sequence = eligible[i]
                let latest = source.frameCount(ofSequence: sequence) - clipLength
                return (sequence, max(0, min(startFrame, latest)))
            }
        }
    }

    /// Reads and scales the clips of batch `index` into [B, T, C, H/r, W/r] in [-1, 1].
    func make(_ index: Int) throws -> VideoBatch {
        var windows = windows(index)
        if let shard { windows = Array(windows[shard.rows(global: windows.count)]) }
        let c = source.channels, h = source.height, w = source.width, r = pixelReduction
        let oh = h / r, ow = w / r
        let frameBytes = h * w * c
        let storage = TensorStorage(uninitializedCount: windows.count * clipLength * c * oh * ow)
        let out = storage.pointer
        let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: clipLength * frameBytes)
        defer { scratch.deallocate() }
        // v / 127.5 − 1 (a table for whole pixels; the block average divides by 127.5 r² first).
        let table = (0..<256).map { Float($0) / 127.5 - 1 }
        let denominator = 127.5 * Float(r * r)
        for (b, window) in windows.enumerated() {
            try source.copyFrames(sequence: window.sequence, start: window.start, count: clipLength, into: scratch)
            for t in 0..<clipLength {
                let frame = scratch + t * frameBytes
                for channel in 0..<c {
                    let plane = out + ((b * clipLength + t) * c + channel) * oh * ow
                    if r == 1 {
                        for i in 0..<(h * w) { plane[i] = table[Int(frame[i * c + channel])] }
                        continue
                    }
                    for y in 0..<oh {
                        for x in 0..<ow {
                            var sum = 0
                            for dy in 0..<r {
                                let row = frame + ((y * r + dy) * w + x * r) * c + channel
                                for dx in 0..<r { sum += Int(row[dx * c]) }
                            }
                            plane[y * ow + x] = Float(sum) / denominator - 1
                        }
                    }
                }
            }
        }
        let frames = Tensor(shape: [windows.count, clipLength, c, oh, ow], storage: storage)
        return VideoBatch(frames: frames, sequenceIndices: windows.map(\.sequence), startFrames: windows.map(\.start))
    }
}

/// A background thread that makes batches first, first+1, … into a bounded queue, in order.
///
/// `stop()` waits until the thread has finished and dropped its plan, so once a batcher is gone no read
/// of its source is still running (an HDF5 store can then be closed safely).
private final class Prefetcher: @unchecked Sendable {
    private let condition = NSCondition()
    private var ready: [Int: Result<VideoBatch, Error>] = [:]
    private var nextToMake: Int
    private var consumed: Int
    private var stopped = false
    private var finished = false
    private var plan: BatchPlan?
    private let capacity: Int
    private let batchCount: Int?

    init(plan: BatchPlan, first: Int, capacity: Int) {
        nextToMake = first
        consumed = first
        self.capacity = capacity
        self.plan = plan
        batchCount = plan.batchCount
        let thread = Thread { [self] in
            self.produce()
            condition.lock()
            self.plan = nil
            finished = true
            condition.broadcast()
            condition.unlock()
        }
        thread.name = "zoo.batcher.prefetch"
        thread.start()
    }

    /// Makes batches until stopped or, for a finite pass, until the last one is made.
    private func produce() {
        while true {
            condition.lock()
            while !stopped && nextToMake - consumed >= capacity { condition.wait() }
            if stopped || (batchCount.map { nextToMake >= $0 } ?? false) {
                condition.unlock()
                return
            }
            let index = nextToMake
            nextToMake += 1
            let plan = self.plan!
            condition.unlock()
            let result = Result { try plan.make(index) }
            condition.lock()
            ready[index] = result
            condition.broadcast()
            condition.unlock()
        }
    }

    /// The batch at `index` (which must be the next one in order), waiting for the thread if needed.
    func take(_ index: Int) throws -> VideoBatch {
        condition.lock()
        defer { condition.unlock() }
        require(index == consumed, "prefetched batches are taken in order (expected \(consumed), got \(index))")
        while ready[index] == nil { condition.wait() }
        let result = ready.removeValue(forKey: index)!
        consumed += 1
        condition.broadcast()
        return try result.get()
    }

    /// Stops the thread and waits for it to finish.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        while !finished { condition.wait() }
        ready.removeAll()
        condition.unlock()
    }
}
