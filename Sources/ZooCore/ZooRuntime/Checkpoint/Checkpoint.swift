// A training checkpoint in memory: the model's identity and config, its weights by name, the EMA
// weights, each optimizer's state, the step, and the random and batcher state for an exact resume.
// `CheckpointFile.swift` writes and reads it as HDF5 (layout below).

import Foundation
import ZooTensor
import ZooNN
import ZooData
import ZooMetrics

/// The version of the zoo that wrote a checkpoint (recorded, not interpreted).
public enum ZooVersion {
    /// This build's version string.
    public static let current = "0.1.0"
}

/// Everything a run needs to continue exactly where it stopped, and everything `zoo eval` needs to
/// rebuild the model without any other flag.
///
/// HDF5 layout (all tensors float32, names as `namedParameters()` / `namedBuffers()` give them):
///
///     /                         attrs: format="zoo", formatVersion=1, model, preset, config (JSON),
///                                      step, seed, zooVersion, training (JSON, optional),
///                                      stage (growing models only; absent means 0)
///     /params/<name>            parameter values
///     /buffers/<name>           buffer values (running statistics and the like)
///     /ema/params/<name>        EMA weights
///     /optim/<group>            attrs: step (optimizer update count), lr
///     /optim/<group>/<param>/<slot>   optimizer slots (exp_avg, exp_avg_sq, step, momentum_buffer)
///     /rng/trainer              uint64 [5]: the trainer's generator (`RandomGenerator.stateWords`)
///     /batcher                  attrs: step, seed (the training batcher's position and seed)
public struct Checkpoint {
    /// The root attribute `format`.
    public static let formatName = "zoo"
    /// The newest layout version this code reads and writes.
    public static let formatVersion = 1

    /// Registry name of the model family ("convgru", "rvd").
    public var model: String
    /// The preset the model was made from ("" when built from a custom config).
    public var preset: String
    /// The model's config as JSON (`VideoPredictor.configJSON()`).
    public var configJSON: Data
    /// Training steps completed.
    public var step: Int
    /// The model's training stage (growing models; 0 for every other model).
    public var stage: Int = 0
    /// The run's seed.
    public var seed: UInt64
    /// The zoo version that wrote the file.
    public var zooVersion: String
    /// Parameter values by name.
    public var parameters: [String: Tensor]
    /// Buffer values by name.
    public var buffers: [String: Tensor]
    /// EMA weights by parameter name (empty when the run keeps no EMA).
    public var ema: [String: Tensor]
    /// Optimizer states by group name.
    public var optimizers: [String: OptimizerState]
    /// The trainer's random generator (`RandomGenerator.stateWords`), when saved by a trainer.
    public var rngState: [UInt64]?
    /// The training batcher's next batch index and seed, when saved by a trainer.
    public var batcherStep: Int?
    /// The training batcher's seed.
    public var batcherSeed: UInt64?
    /// The trainer's settings as JSON, so `--resume` continues with the same ones.
    public var trainingJSON: Data?

    /// A checkpoint with the given identity and weights (no optimizer, RNG or batcher state).
    public init(model: String, preset: String, configJSON: Data, step: Int = 0, seed: UInt64 = 0,
                parameters: [String: Tensor], buffers: [String: Tensor] = [:], ema: [String: Tensor] = [:],
                optimizers: [String: OptimizerState] = [:], rngState: [UInt64]? = nil, batcherStep: Int? = nil,
                batcherSeed: UInt64? = nil, trainingJSON: Data? = nil, zooVersion: String = ZooVersion.current) {
        self.model = model
        self.preset = preset
        self.configJSON = configJSON
        self.step = step
        self.seed = seed
        self.zooVersion = zooVersion
        self.parameters = parameters
        self.buffers = buffers
        self.ema = ema
        self.optimizers = optimizers
        self.rngState = rngState
        self.batcherStep = batcherStep
        self.batcherSeed = batcherSeed
        self.trainingJSON = trainingJSON
    }

    /// A checkpoint of `model`'s current weights (copies, so later training does not change it).
    /// - Parameters:
    ///   - preset: the preset name the model was made from.
    ///   - ema: the EMA to store next to the raw weights.
    ///   - optimizers: the optimizer group whose states to store.
    public static func capture(_ model: any VideoPredictor, preset: String, step: Int = 0, seed: UInt64 = 0,
                               ema: EMA? = nil, optimizers: OptimizerGroup? = nil) throws -> Checkpoint {
        var parameters: [String: Tensor] = [:], buffers: [String: Tensor] = [:]
        for (name, p) in model.namedParameters() { parameters[name] = p.value.copy() }
        for (name, b) in model.namedBuffers() { buffers[name] = b.value.copy() }
        var states: [String: OptimizerState] = [:]
        for (name, member) in optimizers?.members ?? [] { states[name] = member.optimizer.exportState() }
        var checkpoint = Checkpoint(model: model.modelName, preset: preset, configJSON: try model.configJSON(),
                                    step: step, seed: seed, parameters: parameters, buffers: buffers,
                                    ema: ema?.exportState().mapValues { $0.copy() } ?? [:], optimizers: states)
        checkpoint.stage = model.stage
        return checkpoint
    }
}

/// A checkpoint that cannot be written, read or used, with the file and what is wrong.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    /// No file at the path.
    case missing(file: String)
    /// The file is not a readable zoo checkpoint (not HDF5, truncated, or lacking the layout).
    case unreadable(file: String, reason: String)
    /// Written by a newer zoo.
    case newerFormat(file: String, version: Int)
    /// The checkpoint holds another model family.
    case wrongModel(file: String, found: String, expected: String)
    /// Names or shapes differ from the model's (every problem listed).
    case stateMismatch(file: String, model: String, preset: String, missing: [String], unexpected: [String],
                       misshaped: [String])
    /// Writing failed; any earlier file at the path is untouched.
    case writeFailed(file: String, reason: String)

    public var description: String {
        switch self {
        case let .missing(file):
            return "\(file): no such checkpoint"
        case let .unreadable(file, reason):
            return "\(file): not a readable zoo checkpoint (\(reason))"
        case let .newerFormat(file, version):
            return "\(file): checkpoint format version \(version) is newer than this zoo reads "
                + "(\(Checkpoint.formatVersion)); update zoo"
        case let .wrongModel(file, found, expected):
            return "\(file): the checkpoint holds model '\(found)', not '\(expected)'"
        case let .stateMismatch(file, model, preset, missing, unexpected, misshaped):
            var lines = ["\(file): the checkpoint (model '\(model)'"
                         + (preset.isEmpty ? "" : ", preset '\(preset)'") + ") does not fit the model:"]
            if !missing.isEmpty { lines.append("  missing (\(missing.count)): " + missing.joined(separator: ", ")) }
            if !unexpected.isEmpty {
                lines.append("  unexpected (\(unexpected.count)): " + unexpected.joined(separator: ", "))
            }
            if !misshaped.isEmpty {
                lines.append("  wrong shape (\(misshaped.count)): " + misshaped.joined(separator: ", "))
            }
            lines.append("  (load with non-strict loading to take only the entries that fit)")
            return lines.joined(separator: "\n")
        case let .writeFailed(file, reason):
            return "\(file): cannot write the checkpoint (\(reason)); any earlier checkpoint there is unchanged"
        }
    }
}

/// What a non-strict load left out.
public struct CheckpointLoadReport: Equatable, Sendable {
    /// Model entries the checkpoint lacks (left at their current values).
    public var missing: [String] = []
    /// Checkpoint entries the model does not have (ignored).
    public var unexpected: [String] = []
    /// Entries whose shapes differ ("name: checkpoint [..] vs model [..]"; left at their current values).
    public var misshaped: [String] = []

    /// Whether everything was loaded.
    public var isComplete: Bool { missing.isEmpty && unexpected.isEmpty && misshaped.isEmpty }
}

extension Checkpoint {
    /// Compares the stored weights with `model`'s: names under `params/`, `buffers/` and `ema/`.
    public func mismatches(with model: any Module) -> CheckpointLoadReport {
        var report = CheckpointLoadReport()
        func compare(_ kind: String, stored: [String: Tensor], expected: [(String, [Int])], subset: Bool = false) {
            let names = Set(expected.map(\.0))
            for (name, shape) in expected {
                guard let value = stored[name] else {
                    if !subset { report.missing.append("\(kind)/\(name)") }
                    continue
                }
                if value.shape != shape {
                    report.misshaped.append("\(kind)/\(name): checkpoint \(value.shape) vs model \(shape)")
                }
            }
            report.unexpected += stored.keys.filter { !names.contains($0) }.sorted().map { "\(kind)/\($0)" }
        }
        let params = model.namedParameters().map { ($0.0, $0.1.shape) }
        compare("params", stored: parameters, expected: params)
        compare("buffers", stored: buffers, expected: model.namedBuffers().map { ($0.0, $0.1.shape) })
        // The EMA may cover some groups only (a GAN's generator): its names are a subset of the parameters'.
        if !ema.isEmpty { compare("ema/params", stored: ema, expected: params, subset: true) }
        report.missing.sort()
        report.unexpected.sort()
        report.misshaped.sort()
        return report
    }

    /// Sets `model`'s parameters and buffers (the EMA weights instead of the raw ones when `useEMA`, for
    /// the parameters the EMA covers).
    ///
    /// - Parameters:
    ///   - file: the checkpoint's path, for messages.
    ///   - strict: require every name to match with its shape (one error lists every problem); when
    ///     false, load what fits and report the rest.
    /// - Throws: `CheckpointError.wrongModel` for another model family, `.stateMismatch` when strict.
    @discardableResult
    public func load(into model: any VideoPredictor, file: String, strict: Bool = true,
                     useEMA: Bool = false) throws -> CheckpointLoadReport {
        guard self.model == model.modelName else {
            throw CheckpointError.wrongModel(file: file, found: self.model, expected: model.modelName)
        }
        if model.stage != stage {
            do { try model.enterStage(stage) } catch {
                throw CheckpointError.unreadable(file: file, reason: "its stage \(stage) does not fit the model: \(error)")
            }
        }
        let report = mismatches(with: model)
        if strict && !report.isComplete {
            throw CheckpointError.stateMismatch(file: file, model: self.model, preset: preset,
                                                missing: report.missing, unexpected: report.unexpected,
                                                misshaped: report.misshaped)
        }
        for (name, p) in model.namedParameters() {
            // EMA weights where the EMA covers the parameter, the raw weights elsewhere.
            if let v = (useEMA ? ema[name] : nil) ?? parameters[name], v.shape == p.shape { p.value = v.copy() }
        }
        for (name, b) in model.namedBuffers() {
            if let v = buffers[name], v.shape == b.shape { b.value = v.copy() }
        }
        return report
    }

    /// The stored trainer settings, decoded.
    public func trainingSettings() -> TrainingSettings? {
        trainingJSON.flatMap { try? JSONDecoder().decode(TrainingSettings.self, from: $0) }
    }
}

extension ModelRegistry {
    /// Rebuilds the model a checkpoint holds (from its stored config) and loads its weights.
    ///
    /// - Parameters:
    ///   - file: the checkpoint's path, for messages.
    ///   - strict: see `Checkpoint.load(into:file:strict:useEMA:)`.
    ///   - useEMA: load the EMA weights when the checkpoint has them (what sampling and evaluation use).
    /// - Throws: `PredictorError.unknownModel` when this registry lacks the model, `CheckpointError` when
    ///   the weights do not fit.
    public func model(from checkpoint: Checkpoint, file: String, strict: Bool = true,
                      useEMA: Bool = true) throws -> any VideoPredictor {
        let entry = try entry(named: checkpoint.model)
        var rng = RandomGenerator(seed: checkpoint.seed)
        let model: any VideoPredictor
        do { model = try entry.load(checkpoint.configJSON, &rng) } catch let error as PredictorError {
            throw CheckpointError.unreadable(file: file, reason: "its config does not build the model: \(error)")
        }
        try checkpoint.load(into: model, file: file, strict: strict, useEMA: useEMA)
        return model
    }
}
