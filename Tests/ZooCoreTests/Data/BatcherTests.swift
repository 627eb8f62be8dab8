// The batcher: layout and scaling, seeded windows, resume, prefetch order, fixed test windows, pixel
// reduction, and the clip store as a source.

import Foundation
import Testing
import ZooCore

/// Sequences whose byte at (sequence s, frame t, y, x, channel c) is a known function of the indices.
func patternSet(lengths: [Int], size: Int = 8, channels: Int = 1) -> VideoSequenceSet {
    let sequences = lengths.enumerated().map { s, length in
        (0..<(length * size * size * channels)).map { i -> UInt8 in
            let c = i % channels, pixel = (i / channels) % (size * size), t = i / (channels * size * size)
            return UInt8((s * 50 + t * 7 + pixel + c * 3) % 256)
        }
    }
    return VideoSequenceSet(height: size, width: size, channels: channels, sequences: sequences)
}

@Suite struct BatcherTests {
    @Test func layoutAndScaling() throws {
        let set = patternSet(lengths: [10, 12], size: 8, channels: 3)
        let batcher = try Batcher(source: set, batchSize: 4, clipLength: 5, order: .random(seed: 1), prefetch: 0)
        let batch = try #require(try batcher.next())
        #expect(batch.frames.shape == [4, 5, 3, 8, 8])
        let values = batch.frames.scalars
        #expect(values.allSatisfy { $0 >= -1 && $0 <= 1 })
        // Element [b, t, c, y, x] is byte (start + t, y, x, c) of the clip's sequence, scaled by v / 127.5 − 1.
        for b in 0..<4 {
            let s = batch.sequenceIndices[b], start = batch.startFrames[b]
            for t in [0, 4] { for c in 0..<3 { for (y, x) in [(0, 0), (3, 5), (7, 7)] {
                let byte = set.sequences[s][(((start + t) * 8 + y) * 8 + x) * 3 + c]
                let value = values[(((b * 5 + t) * 3 + c) * 8 + y) * 8 + x]
                #expect(value == Float(byte) / 127.5 - 1)
            } } }
        }
        #expect(batch.bytes().count == 4 * 5 * 8 * 8 * 3)
        let first = batch.bytes()
        let s0 = batch.sequenceIndices[0], st0 = batch.startFrames[0]
        #expect(Array(first[0..<(5 * 192)]) == Array(set.sequences[s0][(st0 * 192)..<((st0 + 5) * 192)]))
    }

    @Test func windowsAreSeededAndPure() throws {
        let set = patternSet(lengths: [30, 9, 40, 25])
        let a = try Batcher(source: set, batchSize: 8, clipLength: 10, order: .random(seed: 5), prefetch: 0)
        let b = try Batcher(source: set, batchSize: 8, clipLength: 10, order: .random(seed: 5), prefetch: 0)
        let c = try Batcher(source: set, batchSize: 8, clipLength: 10, order: .random(seed: 6), prefetch: 0)
        var seen = Set<Int>(), starts = Set<Int>()
        var differs = false
        for step in 0..<20 {
            let x = try #require(try a.next()), y = try #require(try b.next()), z = try #require(try c.next())
            #expect(x.frames.scalars == y.frames.scalars && x.startFrames == y.startFrames)
            differs = differs || x.sequenceIndices != z.sequenceIndices || x.startFrames != z.startFrames
            // Out of order, the same index gives the same batch.
            #expect(try a.batch(at: step).startFrames == x.startFrames)
            for (s, start) in zip(x.sequenceIndices, x.startFrames) {
                #expect(s != 1, "sequence 1 is shorter than a clip and must be skipped")
                #expect(start + 10 <= set.frameCount(ofSequence: s))
                seen.insert(s)
                starts.insert(start)
            }
        }
        #expect(differs)
        #expect(seen == [0, 2, 3] && starts.count > 15 && a.eligibleSequences == [0, 2, 3])
    }

    /// Every window is drawn, the last one included: over many batches each sequence's starts are exactly
    /// 0...length − clipLength.
    @Test func everyWindowIsDrawnTheLastOneIncluded() throws {
        let set = patternSet(lengths: [13, 10, 11])
        let batcher = try Batcher(source: set, batchSize: 4, clipLength: 10, order: .random(seed: 3), prefetch: 0)
        var starts: [Int: Set<Int>] = [:]
        for index in 0..<100 {
            let batch = try batcher.batch(at: index)
            for (s, start) in zip(batch.sequenceIndices, batch.startFrames) { starts[s, default: []].insert(start) }
        }
        #expect(starts == [0: [0, 1, 2, 3], 1: [0], 2: [0, 1]])
    }

    @Test func prefetchGivesTheSynchronousSequenceAndResumes() throws {
        let set = patternSet(lengths: [20, 33, 17], size: 16, channels: 1)
        let sync = try Batcher(source: set, batchSize: 6, clipLength: 8, order: .random(seed: 9), prefetch: 0)
        let ahead = try Batcher(source: set, batchSize: 6, clipLength: 8, order: .random(seed: 9), prefetch: 3)
        var reference: [[Float]] = []
        for _ in 0..<25 {
            let x = try #require(try sync.next()), y = try #require(try ahead.next())
            #expect(x.frames.scalars == y.frames.scalars)
            reference.append(x.frames.scalars)
        }
        #expect(ahead.step == 25)
        // A batcher started at a saved step continues exactly where the first one was.
        let resumed = try Batcher(source: set, batchSize: 6, clipLength: 8, order: .random(seed: 9), startStep: 10,
                                  prefetch: 2)
        for i in 10..<25 { #expect(try resumed.next()?.frames.scalars == reference[i]) }
    }

    @Test func fixedWindowsComeInOrderAndEnd() throws {
        let set = patternSet(lengths: [20, 5, 20, 12, 20])
        for prefetch in [0, 2] {
            let batcher = try Batcher(source: set, batchSize: 3, clipLength: 10, order: .fixed(startFrame: 4),
                                      prefetch: prefetch)
            #expect(batcher.batchCount == 2)
            let first = try #require(try batcher.next())
            #expect(first.sequenceIndices == [0, 2, 3] && first.startFrames == [4, 4, 2])
            let second = try #require(try batcher.next())
            #expect(second.sequenceIndices == [4] && second.startFrames == [4] && second.batchSize == 1)
            #expect(try batcher.next() == nil)
        }
        #expect(throws: BatcherError.self) {
            try Batcher(source: set, batchSize: 2, clipLength: 21, order: .fixed(startFrame: 0))
        }
    }

    @Test func pixelReductionAveragesBlocks() throws {
        let set = patternSet(lengths: [6], size: 8, channels: 3)
        let full = try Batcher(source: set, batchSize: 1, clipLength: 6, order: .fixed(startFrame: 0), prefetch: 0)
        let half = try Batcher(source: set, batchSize: 1, clipLength: 6, order: .fixed(startFrame: 0),
                               pixelReduction: 2, prefetch: 0)
        let x = try #require(try full.next()).frames, y = try #require(try half.next()).frames
        #expect(y.shape == [1, 6, 3, 4, 4])
        let reference = x.reshaped([1, 6, 3, 4, 2, 4, 2]).mean(axes: [4, 6])
        let error = zip(reference.scalars, y.scalars).map { abs($0 - $1) }.max()!
        #expect(error < 1e-6)
        #expect(throws: BatcherError.self) {
            try Batcher(source: set, batchSize: 1, clipLength: 2, order: .fixed(startFrame: 0), pixelReduction: 3)
        }
    }

    @Test func readsFromAClipStore() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-batcher-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try MovingShapes.writeStore(path: dir + "/s.h5", trainCount: 4, trainFrames: 12, testCount: 2,
                                    testFrames: 10, seed: 3)
        let store = try ClipStore(path: dir + "/s.h5")
        let memory = MovingShapes.generate(count: 4, frameCount: 12, seed: 3 &* 2 &+ 1)
        for source in [try store.split("train") as any VideoSequenceSource, try store.source(split: "train")] {
            let fromStore = try Batcher(source: source, batchSize: 3, clipLength: 8, order: .random(seed: 1),
                                        prefetch: 2)
            let fromMemory = try Batcher(source: memory, batchSize: 3, clipLength: 8, order: .random(seed: 1),
                                         prefetch: 0)
            for _ in 0..<5 { #expect(try fromStore.next()?.frames.scalars == fromMemory.next()?.frames.scalars) }
        }
    }
}
