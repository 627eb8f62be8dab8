// Checkpoints as HDF5 files: an atomic write (temporary file in the same folder, fsync, rename) and a
// read that checks the layout and reports a damaged or foreign file by name.

import Foundation
import ZooTensor
import ZooNN
import ZooData
import ZooMetrics

extension Checkpoint {
    /// Writes the checkpoint to `path` atomically: into a temporary file beside it, flushed to disk,
    /// then renamed over `path`. A failure (or a crash) at any point leaves an earlier file at `path`
    /// as it was.
    ///
    /// - Parameter hook: called with the number of datasets written so far, after each one (tests use
    ///   it to fail part-way through).
    /// - Throws: `CheckpointError.writeFailed` naming the file.
    public func write(to path: String, hook: ((Int) throws -> Void)? = nil) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let temporary = folder + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        do {
            try writeContents(to: temporary, hook: hook)
            try syncFile(temporary)
            guard rename(temporary, path) == 0 else { throw CheckpointError.writeFailed(file: path, reason: errnoText()) }
            syncFolder(folder)
        } catch {
            unlink(temporary)
            if let error = error as? CheckpointError { throw error }
            throw CheckpointError.writeFailed(file: path, reason: "\(error)")
        }
    }

    private func writeContents(to path: String, hook: ((Int) throws -> Void)?) throws {
        let file = try HDF5File.create(path: path, overwrite: true)
        var written = 0
        func put(_ tensor: Tensor, _ name: String) throws {
            try file.write(tensor.scalars, shape: tensor.shape, to: name)
            written += 1
            try hook?(written)
        }
        try file.setAttribute("format", .string(Checkpoint.formatName))
        try file.setAttribute("formatVersion", .int(Checkpoint.formatVersion))
        try file.setAttribute("model", .string(model))
        try file.setAttribute("preset", .string(preset))
        try file.setAttribute("config", .string(String(decoding: configJSON, as: UTF8.self)))
        try file.setAttribute("step", .int(step))
        if stage != 0 { try file.setAttribute("stage", .int(stage)) }
        try file.setAttribute("seed", .int(Int(Int64(bitPattern: seed))))
        try file.setAttribute("zooVersion", .string(zooVersion))
        if let trainingJSON { try file.setAttribute("training", .string(String(decoding: trainingJSON, as: UTF8.self))) }
        try file.createGroup("/params")
        for name in parameters.keys.sorted() { try put(parameters[name]!, "/params/" + name) }
        if !buffers.isEmpty { try file.createGroup("/buffers") }
        for name in buffers.keys.sorted() { try put(buffers[name]!, "/buffers/" + name) }
        if !ema.isEmpty { try file.createGroup("/ema/params") }
        for name in ema.keys.sorted() { try put(ema[name]!, "/ema/params/" + name) }
        for group in optimizers.keys.sorted() {
            let state = optimizers[group]!
            let groupPath = "/optim/" + group
            try file.createGroup(groupPath)
            try file.setAttribute("step", .int(state.stepCount), on: groupPath)
            try file.setAttribute("lr", .double(state.learningRate), on: groupPath)
            for name in state.slots.keys.sorted() {
                for (slot, value) in state.slots[name]!.sorted(by: { $0.key < $1.key }) {
                    try put(value, groupPath + "/" + name + "/" + slot)
                }
            }
        }
        if let rngState {
            try file.write(rngState, shape: [rngState.count], to: "/rng/trainer")
        }
        if let batcherStep {
            try file.createGroup("/batcher")
            try file.setAttribute("step", .int(batcherStep), on: "/batcher")
            try file.setAttribute("seed", .int(Int(Int64(bitPattern: batcherSeed ?? 0))), on: "/batcher")
        }
        try file.close()
    }

    /// Reads a checkpoint written by `write(to:)`.
    /// - Throws: `CheckpointError.missing`, `.unreadable` (not HDF5, truncated, not a zoo checkpoint,
    ///   entries of the wrong type) or `.newerFormat`, each naming the file.
    public static func read(from path: String) throws -> Checkpoint {
        guard FileManager.default.fileExists(atPath: path) else { throw CheckpointError.missing(file: path) }
        do {
            let file = try HDF5File(path: path)
            defer { try? file.close() }
            let header = try readHeader(file)
            var checkpoint = header
            checkpoint.parameters = try readTensors(file, under: "/params")
            checkpoint.buffers = try readTensors(file, under: "/buffers")
            checkpoint.ema = try readTensors(file, under: "/ema/params")
            if file.kind(of: "/optim") == .group {
                for group in try file.children(of: "/optim") {
                    let groupPath = "/optim/" + group
                    var slots: [String: [String: Tensor]] = [:]
                    for (key, value) in try readTensors(file, under: groupPath) {
                        guard let cut = key.lastIndex(of: "/") else {
                            throw CheckpointError.unreadable(file: path, reason: "\(groupPath)/\(key) is not <param>/<slot>")
                        }
                        slots[String(key[..<cut]), default: [:]][String(key[key.index(after: cut)...])] = value
                    }
                    checkpoint.optimizers[group] = OptimizerState(
                        stepCount: try file.intAttribute("step", of: groupPath),
                        learningRate: try file.attribute("lr", of: groupPath)?.doubleValue ?? 0, slots: slots)
                }
            }
            if file.kind(of: "/rng/trainer") == .dataset {
                let words = try file.read(UInt64.self, from: "/rng/trainer").values
                guard words.count == 5 else {
                    throw CheckpointError.unreadable(file: path, reason: "/rng/trainer holds \(words.count) words, not 5")
                }
                checkpoint.rngState = words
            }
            if file.kind(of: "/batcher") == .group {
                checkpoint.batcherStep = try file.intAttribute("step", of: "/batcher")
                checkpoint.batcherSeed = UInt64(bitPattern: Int64(try file.intAttribute("seed", of: "/batcher")))
            }
            return checkpoint
        } catch let error as HDF5Error {
            throw CheckpointError.unreadable(file: path, reason: error.object.map { "\($0): " + error.message }
                                             ?? error.message)
        }
    }

    /// Reads only the root attributes (model, preset, config, step, ...): cheap, for listings and checks.
    public static func readHeader(from path: String) throws -> Checkpoint {
        guard FileManager.default.fileExists(atPath: path) else { throw CheckpointError.missing(file: path) }
        do {
            let file = try HDF5File(path: path)
            defer { try? file.close() }
            return try readHeader(file)
        } catch let error as HDF5Error {
            throw CheckpointError.unreadable(file: path, reason: error.message)
        }
    }

    private static func readHeader(_ file: HDF5File) throws -> Checkpoint {
        let path = file.path
        let format = try file.attribute("format")?.stringValue
        guard format == formatName else {
            throw CheckpointError.unreadable(file: path, reason: "root attribute format is "
                                             + (format.map { "\"\($0)\"" } ?? "missing") + ", not \"zoo\"")
        }
        let version = try file.intAttribute("formatVersion")
        guard version <= formatVersion else { throw CheckpointError.newerFormat(file: path, version: version) }
        let training = try file.attribute("training")?.stringValue
        var checkpoint = Checkpoint(
            model: try file.stringAttribute("model"), preset: try file.attribute("preset")?.stringValue ?? "",
            configJSON: Data(try file.stringAttribute("config").utf8), step: try file.intAttribute("step"),
            seed: UInt64(bitPattern: Int64(try file.attribute("seed")?.intValue ?? 0)), parameters: [:],
            trainingJSON: training.map { Data($0.utf8) },
            zooVersion: try file.attribute("zooVersion")?.stringValue ?? "unknown")
        checkpoint.stage = try file.attribute("stage")?.intValue ?? 0
        guard checkpoint.stage >= 0 else {
            throw CheckpointError.unreadable(file: path, reason: "root attribute stage is \(checkpoint.stage), not ≥ 0")
        }
        return checkpoint
    }

    /// Every float32 dataset below `group`, keyed by its path relative to the group.
    private static func readTensors(_ file: HDF5File, under group: String) throws -> [String: Tensor] {
        guard file.kind(of: group) == .group else { return [:] }
        var out: [String: Tensor] = [:]
        for datasetPath in try file.datasetPaths(under: group) {
            let (values, shape) = try file.read(Float.self, from: datasetPath)
            out[String(datasetPath.dropFirst(group.count + 1))] = Tensor(shape: shape, scalars: values)
        }
        return out
    }
}

/// Flushes a file's data to the disk.
private func syncFile(_ path: String) throws {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw CheckpointError.writeFailed(file: path, reason: errnoText()) }
    defer { close(fd) }
    guard fsync(fd) == 0 else { throw CheckpointError.writeFailed(file: path, reason: "fsync: " + errnoText()) }
}

/// Flushes a folder's entries (so a rename survives a power loss); best effort.
private func syncFolder(_ path: String) {
    let fd = open(path.isEmpty ? "." : path, O_RDONLY)
    guard fd >= 0 else { return }
    fsync(fd)
    close(fd)
}

/// The current `errno` as text.
func errnoText() -> String { String(cString: strerror(errno)) }
