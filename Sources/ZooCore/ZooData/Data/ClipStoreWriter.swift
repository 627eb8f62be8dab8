// Writing a clip store atomically: frames go into a temporary file next to the destination
// (".NAME.PID.partial"), and only `finish()` writes the index and the `format` attribute, closes the
// file and renames it over the destination. An interrupted import leaves at most a ".partial" file,
// never a file at the destination that looks complete; an abandoned writer deletes its temporary file.

import Foundation
import ZooTensor

/// Builds a clip store sequence by sequence (see `ClipStore` for the layout).
///
/// Example:
///     let writer = try ClipStoreWriter(path: "flow.h5", metadata: ClipStoreMetadata(
///         source: "flow seed=0", sourceFormat: "flow", height: 64, width: 64, channels: 1,
///         clipLength: 20, splitRule: "generated"))
///     try writer.append(split: "train", name: "flow-000", frames: frames)  // [T, 64, 64, 1] bytes
///     try writer.finish()
public final class ClipStoreWriter {
    /// Where the store appears when `finish()` succeeds.
    public let path: String
    /// The temporary file being written.
    public let temporaryPath: String
    /// Store-wide facts written to the root attributes.
    public private(set) var metadata: ClipStoreMetadata
    private let file: HDF5File
    private let gzipLevel: Int?
    private var splits: [String: SplitState] = [:]
    private var splitOrder: [String] = []
    private var finished = false

    private struct SplitState {
        var frames: HDF5Dataset
        var frameCount = 0
        var offsets: [Int64] = []
        var lengths: [Int64] = []
        var names: [String] = []
        var minValue = 255
        var maxValue = 0
        var evalStartFrame = 0
        var attributes: [String: HDF5AttributeValue] = [:]
    }

    /// Starts a store.
    /// - Parameters:
    ///   - path: the destination; its folder must exist.
    ///   - metadata: store-wide facts; `height`, `width`, `channels` (1 or 3) fix the frame shape.
    ///   - gzipLevel: deflate level for the frames (nil: uncompressed, fastest to read; 1-9: smaller).
    ///   - overwrite: replace an existing file at `path` when `finish()` succeeds (else it is an error now).
    public init(path: String, metadata: ClipStoreMetadata, gzipLevel: Int? = 4, overwrite: Bool = false) throws {
        self.path = path
        self.metadata = metadata
        self.gzipLevel = gzipLevel
        guard metadata.height > 0, metadata.width > 0, [1, 3].contains(metadata.channels), metadata.clipLength >= 1 else {
            throw ClipStoreError(file: path, message: "bad store shape \(metadata.height)x\(metadata.width)"
                                 + "x\(metadata.channels) or clip length \(metadata.clipLength)")
        }
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw ClipStoreError(file: path, message: "the folder \(folder) does not exist")
        }
        if !overwrite && FileManager.default.fileExists(atPath: path) {
            throw ClipStoreError(file: path, message: "already exists (pass --force to replace it)")
        }
        temporaryPath = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(getpid()).partial").path
        do {
            file = try HDF5File.create(path: temporaryPath, overwrite: true)
        } catch let error as HDF5Error {
            throw ClipStoreError(file: path, message: "cannot create the temporary store: \(error)")
        }
    }

    deinit { if !finished { abandon() } }

    /// Stops writing and deletes the temporary file; the destination is left as it was.
    public func abandon() {
        finished = true
        try? file.close()
        try? FileManager.default.removeItem(atPath: temporaryPath)
    }

    /// Appends one sequence of `frameCount` frames (`[frameCount, height, width, channels]` bytes).
    /// - Throws: `ClipStoreError` when the byte count is wrong or the sequence is shorter than `clipLength`.
    public func append(split: String, name: String, frames: UnsafeBufferPointer<UInt8>, frameCount: Int) throws {
        try checkWritable()
        let frameBytes = metadata.frameByteCount
        guard frames.count == frameCount * frameBytes else {
            throw ClipStoreError(file: path, message: "sequence \(name): \(frames.count) bytes for \(frameCount) "
                                 + "frames of \(metadata.height)x\(metadata.width)x\(metadata.channels)")
        }
        guard frameCount >= metadata.clipLength else {
            throw ClipStoreError(file: path, message: "sequence \(name) has \(frameCount) frames, fewer than the "
                                 + "clip length \(metadata.clipLength)")
        }
        guard !split.isEmpty, !split.contains("/") else {
            throw ClipStoreError(file: path, message: "bad split name \"\(split)\"")
        }
        var state = try splits[split] ?? makeSplit(split)
        let m = metadata
        do {
            try state.frames.extend(to: [state.frameCount + frameCount, m.height, m.width, m.channels])
            try state.frames.write(frames, start: [state.frameCount, 0, 0, 0],
                                   count: [frameCount, m.height, m.width, m.channels])
        } catch let error as HDF5Error {
            throw ClipStoreError(file: path, message: "writing sequence \(name) failed: \(error)")
        }
        var low = UInt8.max, high = UInt8.min
        for value in frames { low = min(low, value); high = max(high, value) }
        state.minValue = min(state.minValue, Int(low))
        state.maxValue = max(state.maxValue, Int(high))
        state.offsets.append(Int64(state.frameCount))
        state.lengths.append(Int64(frameCount))
        state.names.append(name)
        state.frameCount += frameCount
        splits[split] = state
    }

    /// Appends one sequence; `frames.count` must be a multiple of the frame size.
    public func append(split: String, name: String, frames: [UInt8]) throws {
        let count = frames.count / max(1, metadata.frameByteCount)
        try frames.withUnsafeBufferPointer { try append(split: split, name: name, frames: $0, frameCount: count) }
    }

    /// Sets where fixed evaluation clips start in the split's sequences (default 0).
    public func setEvalStartFrame(_ frame: Int, split: String) throws {
        try checkWritable()
        var state = try splits[split] ?? makeSplit(split)
        state.evalStartFrame = frame
        splits[split] = state
    }

    /// Changes the split evaluation uses by default (e.g. when the planned one ended up empty).
    public func setEvalSplit(_ split: String) throws {
        try checkWritable()
        metadata.evalSplit = split
    }

    /// Adds an attribute to the root (split nil) or to a split's group, written by `finish()`.
    public func setAttribute(_ name: String, _ value: HDF5AttributeValue, split: String? = nil) throws {
        try checkWritable()
        guard let split else { metadata.extra[name] = value; return }
        var state = try splits[split] ?? makeSplit(split)
        state.attributes[name] = value
        splits[split] = state
    }

    /// Number of sequences appended to a split so far.
    public func sequenceCount(split: String) -> Int { splits[split]?.lengths.count ?? 0 }

    /// Writes the indexes and attributes, closes the file and renames it to `path`.
    /// - Throws: `ClipStoreError` when no sequence was written or writing fails (the temporary file is
    ///   then deleted).
    public func finish() throws {
        try checkWritable()
        guard splits.values.contains(where: { !$0.lengths.isEmpty }) else {
            abandon()
            throw ClipStoreError(file: path, message: "no sequences were written; the store was not created")
        }
        do {
            for name in splitOrder {
                guard let state = splits[name], !state.lengths.isEmpty else { continue }
                let group = "/splits/\(name)"
                try file.write(state.offsets, shape: [state.offsets.count], to: group + "/offsets")
                try file.write(state.lengths, shape: [state.lengths.count], to: group + "/lengths")
                try file.write(state.names, to: group + "/names")
                var attributes = state.attributes
                attributes["sequenceCount"] = .int(state.lengths.count)
                attributes["frameCount"] = .int(state.frameCount)
                attributes["minValue"] = .int(state.minValue)
                attributes["maxValue"] = .int(state.maxValue)
                attributes["evalStartFrame"] = .int(state.evalStartFrame)
                for (key, value) in attributes { try file.setAttribute(key, value, on: group) }
            }
            for name in splitOrder where splits[name]?.lengths.isEmpty ?? true {
                try file.remove("/splits/\(name)")
            }
            let m = metadata
            var root = m.extra
            root["source"] = .string(m.source)
            root["sourceFormat"] = .string(m.sourceFormat)
            root["height"] = .int(m.height)
            root["width"] = .int(m.width)
            root["channels"] = .int(m.channels)
            root["clipLength"] = .int(m.clipLength)
            root["evalSplit"] = .string(m.evalSplit)
            root["splitRule"] = .string(m.splitRule)
            root["resize"] = .string(m.resize)
            root["createdBy"] = .string("zoo (ZooCore clip store writer)")
            for (key, value) in root { try file.setAttribute(key, value) }
            try file.setAttribute("formatVersion", .int(ClipStore.formatVersion))
            try file.setAttribute("format", .string(ClipStore.formatName))  // last: marks the file complete
            try file.close()
        } catch let error as HDF5Error {
            abandon()
            throw ClipStoreError(file: path, message: "finishing the store failed: \(error)")
        }
        finished = true
        guard rename(temporaryPath, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporaryPath)
            throw ClipStoreError(file: path, message: "cannot move the finished store into place: \(reason)")
        }
    }

    private func checkWritable() throws {
        guard !finished else { throw ClipStoreError(file: path, message: "the writer is finished or abandoned") }
    }

    private func makeSplit(_ name: String) throws -> SplitState {
        let m = metadata
        let options = HDF5DatasetOptions(chunks: [1, m.height, m.width, m.channels], gzipLevel: gzipLevel,
                                         maxShape: [nil, m.height, m.width, m.channels])
        do {
            let frames = try file.createDataset("/splits/\(name)/frames", of: UInt8.self,
                                                shape: [0, m.height, m.width, m.channels], options: options)
            splitOrder.append(name)
            return SplitState(frames: frames)
        } catch let error as HDF5Error {
            throw ClipStoreError(file: path, message: "cannot create split \(name): \(error)")
        }
    }
}
