// The clip store as a `VideoSequenceSource` for the batcher: one split read window by window from
// the file (`ClipStoreSplit`), or held in memory (`ClipSplitData`), and writing generated sets.

/// One split of an open clip store, read from the file window by window.
import ZooTensor

public struct ClipStoreSplit: VideoSequenceSource, @unchecked Sendable {
    /// The open store.
    public let store: ClipStore
    /// The split's index.
    public let index: ClipSplitIndex

    public var sequenceCount: Int { index.sequenceCount }
    public var height: Int { store.metadata.height }
    public var width: Int { store.metadata.width }
    public var channels: Int { store.metadata.channels }
    public func frameCount(ofSequence index: Int) -> Int { self.index.lengths[index] }

    public func copyFrames(sequence index: Int, start: Int, count: Int,
                           into destination: UnsafeMutablePointer<UInt8>) throws {
        let buffer = UnsafeMutableBufferPointer(start: destination, count: count * store.metadata.frameByteCount)
        try store.readWindow(split: self.index.name, sequence: index, start: start, length: count, into: buffer)
    }
}

extension ClipStore {
    /// A split as a sequence source read from the file (for splits larger than memory).
    public func split(_ name: String) throws -> ClipStoreSplit {
        ClipStoreSplit(store: self, index: try index(split: name))
    }

    /// A split as a sequence source: loaded into memory when its frames fit `memoryBudget` bytes,
    /// otherwise read from the file window by window.
    public func source(split name: String, memoryBudget: Int = ClipStore.defaultMemoryBudget) throws
        -> any VideoSequenceSource {
        let index = try self.index(split: name)
        return index.byteCount <= memoryBudget ? try loadSplit(name) : ClipStoreSplit(store: self, index: index)
    }
}

extension ClipSplitData: VideoSequenceSource {
    public var sequenceCount: Int { index.sequenceCount }
    public func frameCount(ofSequence sequence: Int) -> Int { index.lengths[sequence] }

    public func copyFrames(sequence: Int, start: Int, count: Int,
                           into destination: UnsafeMutablePointer<UInt8>) throws {
        let slice = window(sequence: sequence, start: start, length: count)
        slice.withUnsafeBufferPointer { destination.update(from: $0.baseAddress!, count: $0.count) }
    }
}

extension ClipStoreWriter {
    /// Appends every sequence of an in-memory set to `split`, named `"\(namePrefix)\(i)"` (zero-padded).
    /// The set's frame size and channels must match the store's.
    public func append(_ set: VideoSequenceSet, split: String, namePrefix: String) throws {
        guard set.height == metadata.height, set.width == metadata.width, set.channels == metadata.channels else {
            throw ClipStoreError(file: path, message: "cannot append \(set.height)x\(set.width)x\(set.channels) "
                                 + "sequences to a \(metadata.height)x\(metadata.width)x\(metadata.channels) store")
        }
        let digits = String(max(0, set.sequenceCount - 1)).count
        for (i, frames) in set.sequences.enumerated() {
            let number = String(i)
            let name = namePrefix + String(repeating: "0", count: max(0, digits - number.count)) + number
            try append(split: split, name: name, frames: frames)
        }
    }
}
