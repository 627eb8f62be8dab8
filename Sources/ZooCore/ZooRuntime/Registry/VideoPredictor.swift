// The protocol every predictor in the zoo conforms to, and the data contract it declares.

import Foundation
import ZooTensor
import ZooNN
import ZooData
import ZooMetrics

/// What a predictor consumes and produces: frame size, channels, and how many frames it conditions on and
/// predicts. Videos are [B, T, C, H, W] in [-1, 1] (see `Tensor/Layout.swift`).
public struct ClipContract: Codable, Sendable, Equatable, CustomStringConvertible {
    public var channels: Int
    public var height: Int
    public var width: Int
    /// Frames given as context at evaluation.
    public var contextFrames: Int
    /// Frames predicted at evaluation.
    public var predictedFrames: Int

    public init(channels: Int, height: Int, width: Int, contextFrames: Int, predictedFrames: Int) {
        self.channels = channels
        self.height = height
        self.width = width
        self.contextFrames = contextFrames
        self.predictedFrames = predictedFrames
    }

    /// Context plus predicted frames: the clip length evaluation reads.
    public var clipLength: Int { contextFrames + predictedFrames }

    public var description: String {
        "\(channels)x\(height)x\(width), \(contextFrames) context + \(predictedFrames) predicted frames"
    }

    /// Checks that `frames` is a [B, T, C, H, W] video of this contract's frame size with `minimumFrames`.
    public func check(_ frames: Tensor, minimumFrames: Int, role: String) throws {
        guard frames.rank == 5, frames.shape[2] == channels, frames.shape[3] == height, frames.shape[4] == width,
              frames.shape[1] >= minimumFrames
        else {
            throw PredictorError.contractMismatch(
                "\(role) has shape \(frames.shape); the model expects [B, T ≥ \(minimumFrames), \(channels), \(height), \(width)] ([batch, time, channels, height, width])")
        }
    }
}

/// Named scalar results of a training step, in the order the model reports them (e.g. `loss`,
/// or `loss_D`, `loss_G` for a GAN).
public struct StepLosses: Sendable, Equatable, Sequence {
    public private(set) var names: [String] = []
    public private(set) var values: [Float] = []

    public init() {}
    public init(_ pairs: KeyValuePairs<String, Float>) { for (k, v) in pairs { self[k] = v } }

    public subscript(name: String) -> Float? {
        get { names.firstIndex(of: name).map { values[$0] } }
        set {
            if let i = names.firstIndex(of: name) {
                if let v = newValue { values[i] = v } else { names.remove(at: i); values.remove(at: i) }
            } else if let v = newValue { names.append(name); values.append(v) }
        }
    }

    public func makeIterator() -> Zip2Sequence<[String], [Float]>.Iterator { zip(names, values).makeIterator() }

    /// Whether every value is finite.
    public var allFinite: Bool { values.allSatisfy(\.isFinite) }
}

/// Training settings a model proposes for itself (the trainer's defaults; the CLI may override).
public struct TrainingDefaults: Codable, Sendable, Equatable {
    public var steps: Int
    public var batchSize: Int
    /// Frames per training clip (may exceed the evaluation clip, or be shorter for teacher forcing).
    public var clipLength: Int
    public var learningRate: Double
    /// EMA of the weights: decay, update interval and the step before which the EMA is a hard copy.
    public var emaDecay: Float?
    public var emaEvery: Int
    public var emaStart: Int

    public init(steps: Int, batchSize: Int, clipLength: Int, learningRate: Double,
                emaDecay: Float? = nil, emaEvery: Int = 1, emaStart: Int = 0) {
        self.steps = steps
        self.batchSize = batchSize
        self.clipLength = clipLength
        self.learningRate = learningRate
        self.emaDecay = emaDecay
        self.emaEvery = emaEvery
        self.emaStart = emaStart
    }
}

/// A video predictor: a module that trains itself one step at a time and samples futures.
///
/// The model owns its step because diffusion, VAE and GAN training differ; the trainer owns the loop,
/// schedules, EMA, checkpoints, progress and logs. Keep associated types out: the CLI works with
/// `any VideoPredictor`.
public protocol VideoPredictor: Module {
    /// The registry key of the model family, e.g. "rvd".
    var modelName: String { get }
    /// Frame size, channels, context and predicted frame counts.
    var contract: ClipContract { get }
    /// Whether `predict` draws different samples for different random generators.
    var isStochastic: Bool { get }
    /// The model's config as JSON (stored in checkpoints; the registry rebuilds the model from it).
    func configJSON() throws -> Data
    /// The model's own training defaults.
    var trainingDefaults: TrainingDefaults { get }
    /// Creates the optimizer groups. `learningRate` is the run's base rate (`trainingDefaults.learningRate`
    /// or the user's `--lr`); a model with several groups (a GAN's generator and discriminator) derives
    /// each group's rate from it and builds each optimizer with its own betas and weight decay, and says
    /// per group whether the trainer's EMA covers it.
    func makeOptimizers(learningRate: Double) -> OptimizerGroup
    /// One training step on `batch` ([B, T, C, H, W] in [-1, 1]): forward, backward, optimizer updates.
    /// - Returns: the named losses of the step.
    func trainStep(_ batch: VideoBatch, optimizers: OptimizerGroup, step: Int,
                   rng: inout RandomGenerator) -> StepLosses
    /// Samples futures: `context` [B, Tc, C, H, W] → [B, S, frameCount, C, H, W] in [-1, 1].
    func predict(context: Tensor, frameCount: Int, sampleCount: Int, rng: inout RandomGenerator) -> Tensor
    /// How the shared conformance suite exercises the model (the default suits most models).
    var conformanceHints: ConformanceHints { get }
    /// Failures the model recognises in its own losses (e.g. a GAN's discriminator winning outright);
    /// the trainer stops when one holds, keeping the last good checkpoint. Default: none (the trainer's
    /// NaN/Inf check on every loss term applies to every model regardless).
    var divergenceRules: [DivergenceRule] { get }

    // MARK: Growing models (progressive GANs). The defaults describe a model with one stage.

    /// The training stage the model should be in for training step `step` (0, 1, 2, …).
    func stage(forStep step: Int) -> Int
    /// The stage the model is in now (stored in checkpoints).
    var stage: Int { get }
    /// Moves the model to `stage`, creating the parameters that stage adds. New parameters must be drawn
    /// from a generator the model derives itself (e.g. from its config's seed and the stage), never from
    /// the trainer's, so that a resumed run equals one that never stopped. The trainer calls it before the
    /// first step of a stage and then rebuilds the optimizers (`makeOptimizers`: fresh state, the reset);
    /// loading a checkpoint calls it before the weights are loaded.
    func enterStage(_ stage: Int) throws

    // MARK: Options

    /// Settings a user may change on a built or loaded model without retraining (e.g. a diffusion
    /// model's sampler); the CLI offers them as `--set NAME=VALUE` and `zoo info` lists them.
    var options: [ModelOption] { get }
    /// Sets option `name` from its text form; throws `PredictorError.unknownOption` or `.invalidOption`.
    func setOption(_ name: String, to value: String) throws
}

/// A model whose whole configuration is one Codable value: `configJSON()` comes for free.
public protocol ConfiguredPredictor: VideoPredictor {
    associatedtype Config: Codable
    /// The config the model was built from.
    var config: Config { get }
}

extension ConfiguredPredictor {
    /// The config as sorted-key JSON.
    public func configJSON() throws -> Data { try sortedJSON(config) }
}

/// A setting of a model that `setOption(_:to:)` changes (see `VideoPredictor.options`).
public struct ModelOption: Sendable, Equatable {
    /// The name after `--set`, e.g. "sampler".
    public var name: String
    /// One line for `zoo info` and errors.
    public var summary: String
    /// The form of its value, e.g. "ddpm|ddim:K[:ETA]".
    public var valueName: String
    /// Its current value in the text form `setOption` accepts.
    public var current: String

    public init(name: String, summary: String, valueName: String, current: String) {
        self.name = name
        self.summary = summary
        self.valueName = valueName
        self.current = current
    }
}

/// What the conformance suite (Tests/ModelTests) needs to know about a model beyond the protocol.
public struct ConformanceHints: Sendable, Equatable {
    /// The loss that must fall when overfitting one batch (nil: the first loss `trainStep` reports).
    /// A GAN names its reconstruction or auxiliary loss here.
    public var overfitLoss: String?
    /// Steps of the overfit check; the mean of the last five losses must be below that of the first five.
    public var overfitSteps: Int
    /// Learning rate of the overfit check (nil: `trainingDefaults.learningRate`).
    public var overfitLearningRate: Double?
    /// Training steps over which every parameter must receive a nonzero gradient.
    public var gradientSteps: Int
    /// Parameter-name prefixes exempt from the nonzero-gradient check (layers of stages not reached
    /// within `gradientSteps`); every other parameter is still checked.
    public var untrainedParameters: [String]
    /// A step at which the preset under test changes stage (growing models): the suite trains across it
    /// and checks that a run resumed just after it equals one that never stopped.
    public var stageChangeStep: Int?

    /// The defaults: the first loss, 40 steps at the model's learning rate, gradients over 2 steps.
    public init(overfitLoss: String? = nil, overfitSteps: Int = 40, overfitLearningRate: Double? = nil,
                gradientSteps: Int = 2, untrainedParameters: [String] = [], stageChangeStep: Int? = nil) {
        self.overfitLoss = overfitLoss
        self.overfitSteps = overfitSteps
        self.overfitLearningRate = overfitLearningRate
        self.gradientSteps = gradientSteps
        self.untrainedParameters = untrainedParameters
        self.stageChangeStep = stageChangeStep
    }
}

extension VideoPredictor {
    public var conformanceHints: ConformanceHints { ConformanceHints() }
    public var divergenceRules: [DivergenceRule] { [] }
    public func stage(forStep step: Int) -> Int { 0 }
    public var stage: Int { 0 }
    public func enterStage(_ stage: Int) throws {
        guard stage == 0 else {
            throw PredictorError.invalidConfig("\(modelName) has one training stage; stage \(stage) does not exist")
        }
    }
    public var options: [ModelOption] { [] }
    public func setOption(_ name: String, to value: String) throws {
        throw PredictorError.unknownOption(model: modelName, name: name, known: options.map(\.name))
    }

    /// Sets each `NAME=VALUE` of `assignments` (the CLI's `--set`); throws naming the first bad one.
    public func setOptions(_ assignments: [String]) throws {
        for text in assignments {
            guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
                throw PredictorError.invalidOption(model: modelName, name: text, value: "",
                                                   reason: "expected NAME=VALUE")
            }
            try setOption(String(text[..<eq]), to: String(text[text.index(after: eq)...]))
        }
    }
}

/// Errors a predictor or the registry reports to users.
public enum PredictorError: Error, CustomStringConvertible, Equatable {
    case unknownModel(name: String, known: [String], suggestion: String?)
    case unknownPreset(model: String, preset: String, known: [String])
    case invalidConfig(String)
    case contractMismatch(String)
    case unknownOption(model: String, name: String, known: [String])
    case invalidOption(model: String, name: String, value: String, reason: String)

    public var description: String {
        switch self {
        case let .unknownModel(name, known, suggestion):
            let hint = suggestion.map { " Did you mean '\($0)'?" } ?? ""
            return "unknown model '\(name)'.\(hint) Known models: \(known.joined(separator: ", "))."
        case let .unknownPreset(model, preset, known):
            return "model '\(model)' has no preset '\(preset)'. Presets: \(known.joined(separator: ", "))."
        case let .invalidConfig(message): return "invalid config: \(message)"
        case let .contractMismatch(message): return message
        case let .unknownOption(model, name, known):
            return "--set \(name): \(model) has no option '\(name)'. "
                + (known.isEmpty ? "It has no options." : "Options: \(known.joined(separator: ", ")).")
        case let .invalidOption(model, name, value, reason):
            return "--set \(name)\(value.isEmpty ? "" : "=" + value): \(reason) (model \(model))"
        }
    }
}

/// A Codable value as JSON with sorted keys (stable bytes for checkpoints and comparisons).
public func sortedJSON<T: Encodable>(_ value: T) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return try encoder.encode(value)
}
