// The prepared clip store: one HDF5 file of uint8 frames, grouped by split and sequence, that every
// importer and generator writes and the batcher reads. The layout (below) is documented for users in
// README.md, section "Data: the clip store".
//
//     /                      attrs: format="zoo-clips", formatVersion=1, source, sourceFormat, height,
//                                   width, channels, clipLength, evalSplit, splitRule, resize, createdBy
//     /splits/<split>/frames  uint8 [totalFrames, height, width, channels], chunks [1, H, W, C]
//     /splits/<split>/offsets int64 [sequenceCount]  first frame of each sequence in `frames`
//     /splits/<split>/lengths int64 [sequenceCount]  frames in each sequence
//     /splits/<split>/names   string [sequenceCount] where each sequence came from
//     /splits/<split>         attrs: sequenceCount, frameCount, minValue, maxValue, evalStartFrame
//
// Reading: `readWindow` reads one window straight from the file (one hyperslab; HDF5 decompresses only
// the frames it touches), so stores larger than memory work; `loadSplit` reads a split into memory
// once, the faster choice when `byteCount` fits the memory budget (the batcher decides).

import Foundation
import ZooTensor

/// A clip store that is missing, damaged, or asked for something it does not hold: `file` is the store's
/// path (or the source's, for import errors).
public typealias ClipStoreError = FileError<ClipStoreErrorKind>

/// Tells `ClipStoreError` apart from the other `FileError`s.
public enum ClipStoreErrorKind {}

/// Store-wide facts, held as attributes of the root group.
public struct ClipStoreMetadata: Equatable, Sendable {
    /// Where the frames came from (a path, or a generator with its settings).
    public var source: String
    /// "png-folders", "cityscapes", "hdf5", "video", or a generator name ("flow", "shapes").
    public var sourceFormat: String
    /// Frame height in pixels.
    public var height: Int
    /// Frame width in pixels.
    public var width: Int
    /// Channels per pixel: 1 (gray) or 3 (RGB).
    public var channels: Int
    /// Every sequence holds at least this many frames, so any clip of this length fits.
    public var clipLength: Int
    /// The split evaluation uses by default ("test"; "val" for KTH and Cityscapes, as the reference does).
    public var evalSplit: String
    /// How sequences were assigned to splits ("folders", "kth-persons", "seeded(...)", "generated").
    public var splitRule: String
    /// How frames were fitted to `height × width` ("crop", "stretch", "none").
    public var resize: String
    /// Further root attributes (generator settings and the like).
    public var extra: [String: HDF5AttributeValue]

    /// Creates metadata.
    public init(source: String, sourceFormat: String, height: Int, width: Int, channels: Int,
                clipLength: Int, evalSplit: String = "test", splitRule: String, resize: String = "none",
                extra: [String: HDF5AttributeValue] = [:]) {
        self.source = source
        self.sourceFormat = sourceFormat
        self.height = height
        self.width = width
        self.channels = channels
        self.clipLength = clipLength
        self.evalSplit = evalSplit
        self.splitRule = splitRule
        self.resize = resize
        self.extra = extra
    }

    /// Bytes in one frame.
    public var frameByteCount: Int { height * width * channels }
}

/// One split's sequence index.
public struct ClipSplitIndex: Equatable, Sendable {
    /// The split's name ("train", "test", "val", ...).
    public var name: String
    /// First frame of each sequence in the split's frame array.
    public var offsets: [Int]
    /// Frames in each sequence.
    public var lengths: [Int]
    /// Where each sequence came from (relative source path or generator id).
    public var names: [String]
    /// Smallest and largest sample value in the split, as recorded at write time.
    public var valueRange: ClosedRange<Int>?
    /// Where a fixed evaluation clip starts in each sequence (KTH's reference uses 12, others 0).
    public var evalStartFrame: Int
    /// Bytes in one frame.
    public var frameByteCount: Int

    /// Number of sequences.
    public var sequenceCount: Int { lengths.count }
    /// Total frames in the split.
    public var frameCount: Int { lengths.reduce(0, +) }
    /// Bytes of frame data in the split (what `loadSplit` allocates).
    public var byteCount: Int { frameCount * frameByteCount }
}

/// A split's frames held in memory (from `ClipStore.loadSplit`).
public struct ClipSplitData: Sendable {
    /// The split's index.
    public var index: ClipSplitIndex
    /// All frames, `[frameCount, height, width, channels]` row-major.
    public var frames: [UInt8]
    /// Frame height in pixels.
    public var height: Int
    /// Frame width in pixels.
    public var width: Int
    /// Channels per pixel.
    public var channels: Int

    /// Frames `start ..< start + length` of a sequence, `[length, height, width, channels]`.
    public func window(sequence: Int, start: Int, length: Int) -> ArraySlice<UInt8> {
        require(index.lengths.indices.contains(sequence) && start >= 0 && length >= 0
                     && start + length <= index.lengths[sequence],
                     "ClipSplitData.window: sequence \(sequence) start \(start) length \(length) out of range")
        let first = (index.offsets[sequence] + start) * index.frameByteCount
        return frames[first..<(first + length * index.frameByteCount)]
    }
}

/// A clip store opened for reading. Immutable after opening; `readWindow` may be called from several
/// threads (HDF5's thread-safe build serialises the reads).
public final class ClipStore: @unchecked Sendable {
    /// Format name in the root attribute `format`.
    public static let formatName = "zoo-clips"
    /// The newest layout version this code reads and writes.
    public static let formatVersion = 1
    /// A reasonable budget for `loadSplit` (splits above it are better read window by window).
    public static let defaultMemoryBudget = 2 << 30

    /// The store's path.
    public let path: String
    /// Store-wide facts.
    public let metadata: ClipStoreMetadata
    /// Split indexes by name.
    public let splits: [String: ClipSplitIndex]
    /// The root attribute `createdBy`, when present.
    public let createdBy: String?
    private let file: HDF5File
    private let frameSets: [String: HDF5Dataset]

    /// Split names, sorted.
    public var splitNames: [String] { splits.keys.sorted() }

    /// Opens a store and checks its layout (format name and version, ranks, sizes, index consistency).
    /// - Throws: `ClipStoreError` naming the file and what is wrong with it.
    public init(path: String) throws {
        self.path = path
        do {
            file = try HDF5File(path: path)
            let format = try file.attribute("format")?.stringValue
            guard format == ClipStore.formatName else {
                throw ClipStoreError(file: path, message: "not a zoo clip store (root attribute format is "
                                     + "\(format.map { "\"\($0)\"" } ?? "missing"); make one with `zoo data import`)")
            }
            let version = try file.intAttribute("formatVersion")
            guard (1...ClipStore.formatVersion).contains(version) else {
                throw ClipStoreError(file: path, message: "clip store format version \(version) is newer than "
                                     + "this zoo reads (\(ClipStore.formatVersion)); update zoo")
            }
            metadata = try ClipStore.readMetadata(file)
            createdBy = try file.attribute("createdBy")?.stringValue
            var splits: [String: ClipSplitIndex] = [:]
            var frameSets: [String: HDF5Dataset] = [:]
            for name in file.kind(of: "/splits") == .group ? try file.children(of: "/splits") : [] {
                let (index, frames) = try ClipStore.readSplit(name, file: file, metadata: metadata)
                splits[name] = index
                frameSets[name] = frames
            }
            guard !splits.isEmpty else { throw ClipStoreError(file: path, message: "the store has no splits") }
            self.splits = splits
            self.frameSets = frameSets
        } catch let error as HDF5Error {
            throw ClipStoreError(file: path, message: "cannot read the clip store: "
                                 + (error.object.map { "\($0): " } ?? "") + error.message)
        }
    }

    /// The index of a split; throws listing the splits there are when it is missing.
    public func index(split: String) throws -> ClipSplitIndex {
        guard let index = splits[split] else {
            throw ClipStoreError(file: path, message: "no split \"\(split)\" (the store has "
                                 + "\(splitNames.joined(separator: ", ")))")
        }
        return index
    }

    /// Reads frames `start ..< start + length` of sequence `sequence` into `buffer`, which must hold
    /// `length × height × width × channels` bytes (`[length, H, W, C]` row-major).
    public func readWindow(split: String, sequence: Int, start: Int, length: Int,
                           into buffer: UnsafeMutableBufferPointer<UInt8>) throws {
        let index = try self.index(split: split)
        guard index.lengths.indices.contains(sequence), start >= 0, length >= 0,
              start + length <= index.lengths[sequence] else {
            throw ClipStoreError(file: path, message: "window sequence \(sequence) start \(start) length \(length) "
                                 + "is outside split \(split) (\(index.sequenceCount) sequences)")
        }
        guard buffer.count == length * metadata.frameByteCount else {
            throw ClipStoreError(file: path, message: "window buffer holds \(buffer.count) bytes, "
                                 + "needs \(length * metadata.frameByteCount)")
        }
        let m = metadata
        do {
            try frameSets[split]!.read(start: [index.offsets[sequence] + start, 0, 0, 0],
                                       count: [length, m.height, m.width, m.channels], into: buffer)
        } catch let error as HDF5Error {
            throw ClipStoreError(file: path, message: "\(error)")
        }
    }

    /// Frames `start ..< start + length` of a sequence as `[length, height, width, channels]` bytes.
    public func readWindow(split: String, sequence: Int, start: Int, length: Int) throws -> [UInt8] {
        let count = length * metadata.frameByteCount
        return try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            try readWindow(split: split, sequence: sequence, start: start, length: length, into: buffer)
            initialized = count
        }
    }

    /// Every frame of a split in memory (allocates `index(split:).byteCount` bytes).
    public func loadSplit(_ split: String) throws -> ClipSplitData {
        let index = try self.index(split: split)
        do {
            let m = metadata
            return ClipSplitData(index: index, frames: try frameSets[split]!.read(UInt8.self),
                                 height: m.height, width: m.width, channels: m.channels)
        } catch let error as HDF5Error {
            throw ClipStoreError(file: path, message: "\(error)")
        }
    }

    // MARK: - Reading the layout

    private static func readMetadata(_ file: HDF5File) throws -> ClipStoreMetadata {
        let known: Set = ["format", "formatVersion", "source", "sourceFormat", "height", "width", "channels",
                          "clipLength", "evalSplit", "splitRule", "resize", "createdBy"]
        var extra: [String: HDF5AttributeValue] = [:]
        for name in try file.attributeNames() where !known.contains(name) { extra[name] = try file.attribute(name) }
        let metadata = ClipStoreMetadata(
            source: try file.attribute("source")?.stringValue ?? "",
            sourceFormat: try file.attribute("sourceFormat")?.stringValue ?? "",
            height: try file.intAttribute("height"), width: try file.intAttribute("width"),
            channels: try file.intAttribute("channels"),
            clipLength: try file.attribute("clipLength")?.intValue ?? 1,
            evalSplit: try file.attribute("evalSplit")?.stringValue ?? "test",
            splitRule: try file.attribute("splitRule")?.stringValue ?? "",
            resize: try file.attribute("resize")?.stringValue ?? "none", extra: extra)
        let row = metadata.width.multipliedReportingOverflow(by: max(metadata.channels, 1))
        guard metadata.height > 0, metadata.width > 0, [1, 3].contains(metadata.channels), !row.overflow,
              !metadata.height.multipliedReportingOverflow(by: row.partialValue).overflow else {
            throw ClipStoreError(file: file.path, message: "bad frame size \(metadata.height)x\(metadata.width)"
                                 + "x\(metadata.channels) in the root attributes")
        }
        return metadata
    }

    private static func readSplit(_ name: String, file: HDF5File,
                                  metadata m: ClipStoreMetadata) throws -> (ClipSplitIndex, HDF5Dataset) {
        let group = "/splits/\(name)"
        let fail = { (message: String) in ClipStoreError(file: file.path, message: "\(group): \(message)") }
        let frames = try file.openDataset(group + "/frames")
        guard frames.elementType == .unsignedInteger(bytes: 1) else { throw fail("frames are \(frames.elementType), not uint8") }
        let shape = frames.shape
        guard shape.count == 4, Array(shape[1...]) == [m.height, m.width, m.channels] else {
            throw fail("frames have shape \(shape), expected [frames, \(m.height), \(m.width), \(m.channels)]")
        }
        let offsets = try file.read(Int64.self, from: group + "/offsets").values.map { Int($0) }
        let lengths = try file.read(Int64.self, from: group + "/lengths").values.map { Int($0) }
        let names = file.exists(group + "/names") ? try file.readStrings(from: group + "/names")
                                                  : lengths.indices.map { "sequence \($0)" }
        guard offsets.count == lengths.count, names.count == lengths.count else {
            throw fail("offsets (\(offsets.count)), lengths (\(lengths.count)) and names (\(names.count)) differ in count")
        }
        for i in lengths.indices where lengths[i] < 1 || offsets[i] < 0 || lengths[i] > shape[0] - offsets[i] {
            throw fail("sequence \(i) (offset \(offsets[i]), length \(lengths[i])) lies outside the \(shape[0]) frames")
        }
        // Sequences do not overlap (the writer appends them one after another), so the lengths add up to at
        // most the frame count; this also keeps every sum and byte count below from overflowing.
        var frameTotal = 0
        for length in lengths {
            frameTotal += length
            guard frameTotal <= shape[0] else {
                throw fail("sequence lengths add up to more than the \(shape[0]) frames stored (overlapping sequences?)")
            }
        }
        let low = try file.attribute("minValue", of: group)?.intValue
        let high = try file.attribute("maxValue", of: group)?.intValue
        let index = ClipSplitIndex(
            name: name, offsets: offsets, lengths: lengths, names: names,
            valueRange: low.flatMap { l in high.map { l...max(l, $0) } },
            evalStartFrame: try file.attribute("evalStartFrame", of: group)?.intValue ?? 0,
            frameByteCount: m.frameByteCount)
        return (index, frames)
    }
}
